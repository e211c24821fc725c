"""SHA-256s of files in any folder (`dupes in PATH`), keyed by path and version, so a second search reads nothing unchanged.

The catalog's `hashes` names a file by its place in a source; a folder the user names is no source,
so its files' hashes live here (migration set `dupes`), by path, size and mtime_ns: a file changed
since (another size or mtime) is hashed again and its row replaced.
"""

from __future__ import annotations

from typing import Iterable

from plexsh.library.pathtext import stored

_CHUNK = 500  # SQLite's bound parameters per query stay well under its limit


def create_path_hashes(db) -> None:
    # `ends`: the digest of a file's first and last blocks, all that is read of a file whose size
    # others share but whose ends none does.
    db.execute("CREATE TABLE path_hashes (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
               "mtime_ns INTEGER NOT NULL, sha256 TEXT, ends TEXT) WITHOUT ROWID")


# The dupes migration set (plexsh.db applies it): append only, a step's position is its version.
MIGRATIONS = [create_path_hashes]


def known(db, entries) -> dict[str, tuple[str | None, str | None]]:
    """path -> (SHA-256, ends digest) for the ENTRIES (FileEntry) stored for the version now on disk."""
    conn = getattr(db, "conn", db)
    wanted = {stored(e.path): e for e in entries}
    if not wanted:
        return {}
    # The files of one folder lie together in the table's path order: one pass over their stretch
    # reads them in half the time of looking each up. A stretch mostly of other paths (local copies
    # spread over the disk, between them folders of other searches) is left to the look-ups.
    found: dict[str, tuple[str | None, str | None]] = {}
    others_allowed = len(wanted) + 1000
    rows = conn.execute("SELECT path, size, mtime_ns, sha256, ends FROM path_hashes WHERE path BETWEEN ? AND ?",
                        (min(wanted), max(wanted)))
    for path, size, mtime_ns, sha, ends in rows:
        entry = wanted.get(path)
        if entry is None:
            others_allowed -= 1
            if others_allowed < 0:
                rows.close()
                return _looked_up(conn, wanted)
        elif entry.size == size and entry.mtime_ns == mtime_ns:
            found[entry.path] = (sha, ends)
    return found


def _looked_up(conn, wanted: dict) -> dict[str, tuple[str | None, str | None]]:
    """known(), each path looked up (by chunks of bound parameters)."""
    found: dict[str, tuple[str | None, str | None]] = {}
    keys = list(wanted)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for path, size, mtime_ns, sha, ends in conn.execute(
                f"SELECT path, size, mtime_ns, sha256, ends FROM path_hashes WHERE path IN ({marks})", chunk):
            entry = wanted[path]
            if entry.size == size and entry.mtime_ns == mtime_ns:
                found[entry.path] = (sha, ends)
    return found


def remember(db, hashed: Iterable) -> None:
    """Store (FileEntry, SHA-256, ends) triples, replacing what was stored for those paths."""
    conn = getattr(db, "conn", db)
    with conn:
        conn.executemany("INSERT OR REPLACE INTO path_hashes (path, size, mtime_ns, sha256, ends) "
                         "VALUES (?, ?, ?, ?, ?)", [(stored(e.path), e.size, e.mtime_ns, sha, ends)
                                                    for e, sha, ends in hashed])


__all__ = ["MIGRATIONS", "known", "remember"]
