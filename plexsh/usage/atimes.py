"""Reads by other programs: access times of local copies that moved since the last look, and whether a mount keeps them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from plexsh.library.pathtext import loaded
from plexsh.usage.records import PLAY, READ, Analytics, _transaction, record

MOUNTINFO = "/proc/self/mountinfo"


@dataclass(frozen=True)
class AtimeScan:
    """What one `usage scan` found: copies looked at, reads recorded, copies seen for the first time."""

    copies: int = 0
    reads: int = 0
    new: int = 0
    missing: int = 0
    explained: int = 0   # moved atimes a play plexsh recorded already accounts for

    def as_dict(self) -> dict:
        return {"copies": self.copies, "reads": self.reads, "new": self.new, "missing": self.missing,
                "explained": self.explained}


def scan_atimes(db, analytics: Analytics | None = None, *, now: float | None = None) -> AtimeScan:
    """Record a read for each local copy whose access time moved since the last scan, at that time.

    A copy seen for the first time only sets the mark (its own copy and verification read it); a
    move a `play` recorded since the last look explains is not counted twice.
    """
    conn = getattr(db, "conn", db)
    now = time.time() if now is None else now
    seen = {path: (atime, seen_at) for path, atime, seen_at in conn.execute(
        "SELECT path, atime_ns, seen_at FROM access_atimes")}
    copies = [row[0] for row in conn.execute("SELECT path FROM local_files")]
    reads = new = missing = explained = 0
    marks = []
    for key in copies:
        try:
            atime_ns = os.stat(loaded(key)).st_atime_ns
        except OSError:
            missing += 1
            continue
        before = seen.get(key)
        if before is None:
            new += 1
        elif atime_ns > before[0]:
            played = conn.execute("SELECT 1 FROM access_records WHERE file_path = ? AND access_type = ? "
                                  "AND timestamp >= ? LIMIT 1", (key, PLAY, before[1])).fetchone()
            if played:
                explained += 1
            elif record(conn, loaded(key), READ, {"atime_ns": atime_ns, "previous_atime_ns": before[0]},
                        when=atime_ns / 1e9, analytics=analytics) is not None:
                reads += 1
        if before is None or atime_ns != before[0]:
            marks.append((key, atime_ns, now))
    with _transaction(conn):
        conn.executemany("INSERT INTO access_atimes (path, atime_ns, seen_at) VALUES (?, ?, ?) ON CONFLICT(path) "
                         "DO UPDATE SET atime_ns = excluded.atime_ns, seen_at = excluded.seen_at", marks)
        conn.execute("DELETE FROM access_atimes WHERE path NOT IN (SELECT path FROM local_files)")
    return AtimeScan(len(copies), reads, new, missing, explained)


@dataclass(frozen=True)
class Mount:
    """One line of /proc/self/mountinfo: where it is mounted, its per-mount options, its file system."""

    point: str
    options: tuple[str, ...]
    fstype: str


def _unescape(field: str) -> str:
    r"""mountinfo's octal escapes (a space is \040).

    >>> _unescape(r"/mnt/my\040disk")
    '/mnt/my disk'
    """
    return field.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in field else field


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts of a mountinfo text, in its order.

    >>> parse_mountinfo("36 35 98:0 / /media rw,noatime master:1 - ext4 /dev/sda1 rw\\n")
    [Mount(point='/media', options=('rw', 'noatime'), fstype='ext4')]
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields or len(fields) < 6:
            continue
        dash = fields.index("-")
        mounts.append(Mount(_unescape(fields[4]), tuple(fields[5].split(",")),
                            fields[dash + 1] if dash + 1 < len(fields) else ""))
    return mounts


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount a path lies on: the last mounted (it hides earlier ones) of the deepest mount point.

    >>> ms = parse_mountinfo("1 0 8:1 / / rw,relatime - ext4 a rw\\n2 1 8:2 / /srv rw,noatime - xfs b rw\\n")
    >>> mount_of("/srv/media/x.mkv", ms).point, mount_of("/srvx", ms).point
    ('/srv', '/')
    """
    best = None
    for mount in mounts:
        point = mount.point.rstrip("/") or "/"
        if path == point or path.startswith(point if point == "/" else point + "/"):
            if best is None or len(point) >= len(best.point.rstrip("/") or "/"):
                best = mount
    return best


def atime_policy(mount: Mount) -> tuple[bool, str]:
    """Whether reads on this mount can be seen, and how, in words.

    >>> atime_policy(Mount("/m", ("rw", "noatime"), "ext4"))[0], atime_policy(Mount("/m", ("rw",), "ext4"))[1]
    (False, 'strictatime: every read updates the access time')
    """
    options = set(mount.options)
    if "noatime" in options:
        return False, "noatime: reads leave no trace, `usage scan` sees none (plays through `play` still count)"
    if "relatime" in options:
        return True, "relatime: a read updates the access time at most once a day, so `usage scan` counts a file once a day"
    return True, "strictatime: every read updates the access time"


def destination_atimes(paths, mountinfo: str | None = None) -> list[tuple[str, Mount | None, bool, str]]:
    """(destination, its mount, trusted, why) for each destination folder (the nearest existing parent)."""
    if mountinfo is None:
        try:
            with open(MOUNTINFO, encoding="utf-8", errors="surrogateescape") as source:
                mountinfo = source.read()
        except OSError:
            mountinfo = ""
    mounts = parse_mountinfo(mountinfo)
    found = []
    for path in paths:
        real = os.path.realpath(str(path))
        mount = mount_of(real, mounts)
        if mount is None:
            found.append((str(path), None, False, "cannot tell how its file system keeps access times"))
        else:
            found.append((str(path), mount, *atime_policy(mount)))
    return found
