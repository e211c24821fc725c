"""The real transfer engine inside a test: plan-like entries, and a supervisor started over a job store and always stopped."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio

from plexsh.config import Config
from plexsh.engine.jobs import JobStore
from plexsh.engine.supervisor import Supervisor


@dataclass(frozen=True)
class Entry:
    """What Supervisor.enqueue reads from a plan entry."""

    source: str | Path
    destination: Path
    partial: Path
    size: int


def proc_state(pid: int) -> str | None:
    """A process's state letter (R, S, D, Z ...), or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line.split()[1]
    except OSError:
        return None
    return None


@asynccontextmanager
async def running(tmp_path: Path, config: Config, limit: float, **options):
    """A Supervisor (OPTIONS as its keywords) running in a nursery; LIMIT seconds turn a hang into a
    failure. The engine is stopped and the store closed however the block ends."""
    store = JobStore(tmp_path / "plexsh.db")
    sup = Supervisor(store, config, **options)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            with trio.fail_after(limit):
                yield sup
            nursery.cancel_scope.cancel()
    finally:
        store.close()
