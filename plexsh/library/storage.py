"""Where local space goes: plexsh's copies per destination and per title, file systems' room, exact duplicates by recorded hash."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from plexsh.library.pathtext import loaded

__all__ = ["DestinationSpace", "TitleSpace", "destination_space", "duplicate_bytes", "title_space"]

ROOM_SECONDS = 2.0  # a destination on a mount that stopped answering is reported, not waited on


@dataclass(frozen=True)
class DestinationSpace:
    """One destination: plexsh's copies under it, and its file system's size and room (None: no answer)."""

    name: str
    path: str
    copies: int
    bytes: int
    total: int | None
    free: int | None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TitleSpace:
    """One film or show: its local copies and what they take."""

    item_id: int
    kind: str
    title: str
    year: int | None
    copies: int
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _room(path: str) -> tuple[int, int]:
    usage = os.statvfs(path)
    return usage.f_blocks * usage.f_frsize, usage.f_bavail * usage.f_frsize


def _room_within(path: str, timeout: float) -> tuple[int, int] | None | str:
    """(total, free) of PATH's file system asked in a forked child; None when it does not answer in
    time; the error's text when it fails (a destination not made yet)."""
    from plexsh.library.sources import ForkedChild

    def question(send):
        try:
            send(("answer", _room(path)))
        except FileNotFoundError:
            send(("failed", "not made yet (the first copy makes it)"))
        except OSError as error:
            send(("failed", (error.strerror or str(error)).lower()))

    child = ForkedChild(question)
    for message in child.wait(timeout) or ():
        if isinstance(message, tuple) and message[0] in ("answer", "failed"):
            return message[1]
    child.kill()
    return None


def _copies(db) -> list[tuple[str, int]]:
    return [(loaded(path), size or 0) for path, size in db.execute("SELECT path, size FROM local_files")]


def destination_space(db, destinations: Mapping[str, Path], timeout: float = ROOM_SECONDS) -> list[DestinationSpace]:
    """Each configured destination once (several kinds may share one folder), with the copies under it."""
    copies = _copies(db)
    seen: dict[str, list[str]] = {}
    for name, folder in destinations.items():
        seen.setdefault(os.path.abspath(os.path.expanduser(str(folder))), []).append(name)
    found = []
    for folder, names in seen.items():
        inside = [size for path, size in copies if path.startswith(folder.rstrip("/") + "/")]
        room = _room_within(folder, timeout)
        total = free = None
        problem = None
        if room is None:
            problem = "does not answer (a dead mount?)"
        elif isinstance(room, str):
            problem = room
        else:
            total, free = room
        found.append(DestinationSpace(", ".join(names), folder, len(inside), sum(inside), total, free, problem))
    return found


def title_space(db) -> list[TitleSpace]:
    """Every title with local copies, largest first."""
    rows = db.execute(
        "SELECT i.id, i.kind, i.title, i.year, count(*), coalesce(sum(l.size), 0) FROM local_files l "
        "JOIN files f ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath "
        "JOIN items i ON i.id = f.item_id GROUP BY i.id ORDER BY 6 DESC, i.sort_key").fetchall()
    return [TitleSpace(*row) for row in rows]


def duplicate_bytes(db) -> tuple[int, int]:
    """(files, bytes) that removing all but one of each set of local copies with the same recorded
    SHA-256 would free: what `dupes remove` frees of exact duplicates, known without reading a byte."""
    files = freed = 0
    for count, size in db.execute(
            "SELECT count(*), max(l.size) FROM local_files l JOIN hashes h ON h.source = l.source "
            "AND h.dir = l.dir AND h.relpath = l.relpath AND h.size = l.size AND h.mtime_ns = l.mtime_ns "
            "GROUP BY h.sha256, l.size HAVING count(*) > 1"):
        files += count - 1
        freed += (count - 1) * (size or 0)
    return files, freed
