"""Local destinations: can plexsh write there, and how much room is left (checked in a child, so a dead mount cannot hang)."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from plexsh.library.sources import ForkedChild, not_answering


@dataclass(frozen=True)
class DestinationCheck:
    path: str
    ok: bool
    reason: str
    free: int | None = None
    exists: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def nearest_existing(path: Path) -> Path:
    """The path itself, or the closest parent that exists (where it would be created)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or "/")


def inspect(path: str) -> tuple[bool, str, int | None, bool]:
    """(writable, reason, free bytes, exists) for a destination folder."""
    target = Path(path)
    exists = target.is_dir()
    if target.exists() and not exists:
        return False, "is not a folder", None, False
    base = nearest_existing(target)
    if not os.access(base, os.W_OK | os.X_OK):
        return False, f"{base} is not writable", None, exists
    free = shutil.disk_usage(base).free
    return True, "writable" if exists else f"will be created in {base}", free, exists


def check_destinations(paths: list[str], timeout: float = 5.0) -> list[DestinationCheck]:
    """Check every destination concurrently, each in its own child."""
    children = [(p, ForkedChild(lambda send, p=p: send(inspect(p)))) for p in paths]
    out = []
    for path, child in children:
        messages = child.wait(timeout)
        if messages is None:
            child.kill()
            out.append(DestinationCheck(path, False, not_answering(timeout)))
        elif not messages or isinstance(messages[0], tuple) and messages[0][0] == "crashed":
            out.append(DestinationCheck(path, False, "the check ended without an answer"))
        else:
            ok, reason, free, exists = messages[0]
            out.append(DestinationCheck(path, ok, reason, free, exists))
    return out
