"""Local copies: which catalog files plexsh has put on local storage, and the sync status that follows."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import weakref
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

from sqlite_utils import Database

from plexsh.library.pathtext import loaded, stored

__all__ = ["LocalCopy", "LocalFiles", "MARKS", "NONE", "PARTIAL", "SYNCED", "UNFINISHED", "any_version",
           "combine", "episode_status", "local_files", "MIGRATIONS", "season_status", "show_status", "units"]

SYNCED, PARTIAL, NONE = "synced", "partial", "none"
MARKS = {SYNCED: "✅", PARTIAL: "⚠️", NONE: "⬜"}
# Job states that leave a file half-way: a partial is on disk or about to be (cancelled ones are given up).
UNFINISHED = ("queued", "running", "paused", "verifying", "failed", "stalled")

def create_local_files(db: Database) -> None:
    db["local_files"].create(
        {"id": int, "file_id": int, "item_id": int, "path": str, "size": int, "sha256": str,
         "synced_at": float},
        pk="id",
    )
    db["local_files"].create_index(["path"], unique=True)  # one row per copy on disk
    db["local_files"].create_index(["file_id"])
    db["local_files"].create_index(["item_id"])
    # Copies made before this table existed: done jobs whose file is still at its destination.
    rows = []
    for file_id, item_id, destination, sha256, finished, updated in db.execute(
            "SELECT file_id, item_id, destination, sha256, finished, updated FROM jobs "
            "WHERE state = 'done' AND file_id IS NOT NULL ORDER BY id"):
        try:
            size = os.stat(destination).st_size
        except OSError:
            continue
        rows.append((file_id, item_id, destination, size, sha256, finished or updated or time.time()))
    db.conn.executemany(
        "INSERT INTO local_files (file_id, item_id, path, size, sha256, synced_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(path) DO UPDATE SET file_id = excluded.file_id, item_id = excluded.item_id, "
        "size = excluded.size, sha256 = excluded.sha256, synced_at = excluded.synced_at", rows)


def key_copies_by_location(db: Database) -> None:
    """A copy names the file it came from by (source, dir, relpath) and the version it copied (mtime_ns),
    not by a files row id that a re-scan deletes and re-creates; its SHA-256 moves to the catalog's
    `hashes` (the one place a hash is kept). A copy whose row is already gone is found through the
    job that made it (its source path); one found by neither stays recorded, tied to no file."""
    made_from = dict(db.execute("SELECT destination, source FROM jobs WHERE state = 'done' ORDER BY id"))
    copies = db.execute("SELECT l.id, l.path, l.size, l.sha256, l.synced_at, f.source, f.dir, f.relpath, f.size, "
                        "f.mtime_ns, f.path FROM local_files l LEFT JOIN files f ON f.id = l.file_id").fetchall()
    # A row id may since name another file (SQLite reuses the highest ids): the job's source settles it.
    lost = {made_from[c[1]] for c in copies if made_from.get(c[1]) not in (None, c[10])}
    found = {}
    if lost:
        for row in db.execute("SELECT path, source, dir, relpath, size, mtime_ns FROM files"):
            if row[0] in lost:
                found[row[0]] = row[1:]
    rows, hashes = [], []
    for copy_id, path, size, sha256, synced_at, *origin, file_path in copies:
        if made_from.get(path) not in (None, file_path):
            origin = found.get(made_from[path], (None,) * 5)
        source, folder, relpath, source_size, mtime_ns = origin
        if source_size != size:  # the file changed since it was copied: which version the copy is, is unknown
            mtime_ns = 0 if source is not None else None
        rows.append((copy_id, source, folder, relpath, mtime_ns, path, size, synced_at))
        if source is not None and sha256:
            hashes.append((source, folder, relpath, size, mtime_ns, sha256))
    db.execute("DROP TABLE local_files")
    db.execute("CREATE TABLE local_files (id INTEGER PRIMARY KEY, source TEXT, dir TEXT, relpath TEXT, "
               "mtime_ns INTEGER, path TEXT NOT NULL, size INTEGER NOT NULL, synced_at REAL)")
    db.conn.executemany("INSERT INTO local_files (id, source, dir, relpath, mtime_ns, path, size, synced_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # The catalog's hash of the same version (if any) is the same bytes' hash: keep the one there.
    db.conn.executemany("INSERT OR IGNORE INTO hashes (source, dir, relpath, size, mtime_ns, sha256) "
                        "VALUES (?, ?, ?, ?, ?, ?)", hashes)
    db.execute("CREATE UNIQUE INDEX idx_local_files_path ON local_files (path)")  # one row per copy on disk
    db.execute("CREATE INDEX idx_local_files_location ON local_files (source, dir, relpath)")


# The local record's migration set (plexsh.db applies it after the catalog's and the jobs'): append only.
MIGRATIONS = [create_local_files, key_copies_by_location]

_UPSERT = ("INSERT INTO local_files (source, dir, relpath, mtime_ns, path, size, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT(path) DO UPDATE SET source = excluded.source, dir = excluded.dir, relpath = excluded.relpath, "
           "mtime_ns = excluded.mtime_ns, size = excluded.size, synced_at = excluded.synced_at")
# A copy, the catalog file now at the place it came from (if any) and the hash of the version it copied.
_SELECT = ("SELECT l.id, l.source, l.relpath, f.id, l.path, l.size, h.sha256, l.synced_at FROM local_files l "
           "LEFT JOIN files f ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath "
           "LEFT JOIN hashes h ON h.source = l.source AND h.dir = l.dir AND h.relpath = l.relpath "
           "AND h.size = l.size AND h.mtime_ns = l.mtime_ns")


@dataclass(frozen=True)
class LocalCopy:
    """One file plexsh copied and verified, where it put it, and where it came from: a source and the
    path inside it (`file_id` is the catalog file there now, whichever row a re-scan made of it)."""

    id: int
    source: str | None
    relpath: str | None
    file_id: int | None
    path: str
    size: int
    sha256: str | None
    synced_at: float

    def present(self) -> bool:
        """Whether the copy is still on disk with the size it was recorded with."""
        try:
            return os.stat(self.path).st_size == self.size
        except OSError:
            return False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _copy(row: tuple) -> LocalCopy:
    """A row of _SELECT, its paths as the file system names them."""
    return LocalCopy(row[0], row[1], None if row[2] is None else loaded(row[2]), row[3], loaded(row[4]), *row[5:])


_stores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def local_files(catalog) -> LocalFiles:
    """The record of local copies over a catalog's connection, made once per catalog."""
    store = _stores.get(catalog)
    if store is None:
        store = _stores[catalog] = LocalFiles(catalog.db)
    return store


class LocalFiles:
    """The `local_files` table in the catalog's SQLite file: recording copies, forgetting them, their status.

    A copy names the file it came from by source and path inside it, so it outlives the files rows a
    re-scan deletes and re-creates; which title it belongs to is read through the files table, since
    a re-scan may merge or split titles after the copy was made.
    """

    def __init__(self, db: Database):
        self.db = db
        self.conn = db.conn

    # --- writing -------------------------------------------------------------------------------

    def record(self, file_id: int | None, source_path: str | None, path: str, size: int,
               sha256: str | None = None, synced_at: float | None = None) -> LocalCopy:
        """A verified copy of a catalog file (by id, or by its source path when a re-scan has
        re-made its row meanwhile) now at `path`, replacing a copy recorded at the same path before.
        Its SHA-256 goes into the catalog's `hashes`, for the version of the file it copied."""
        path = str(path)
        wanted = None if source_path is None else stored(str(source_path))
        origin = self.conn.execute("SELECT source, dir, relpath, size, mtime_ns, path FROM files WHERE id = ?",
                                   (file_id,)).fetchone() if file_id is not None else None
        if wanted is not None and (origin is None or origin[5] != wanted):  # the id was re-used meanwhile
            origin = self.conn.execute("SELECT source, dir, relpath, size, mtime_ns, path FROM files WHERE path = ?",
                                       (wanted,)).fetchone()
        source, folder, relpath, source_size, mtime_ns, _ = origin or (None,) * 6
        if source_size != size:  # the file changed since it was copied: which version the copy is, is unknown
            mtime_ns = 0
        with self.db.atomic():
            self.conn.execute(_UPSERT, (source, folder, relpath, mtime_ns, stored(path), size,
                                        time.time() if synced_at is None else synced_at))
            if sha256 and source is not None:
                self.conn.execute(
                    "INSERT INTO hashes (source, dir, relpath, size, mtime_ns, sha256) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(source, dir, relpath, size, mtime_ns) DO UPDATE SET sha256 = excluded.sha256",
                    (source, folder, relpath, size, mtime_ns, sha256))
        return self.copy(path)

    def forget(self, path: str) -> int:
        """Drop the record of the copy at `path`; how many rows went."""
        with self.db.atomic():
            return self.conn.execute("DELETE FROM local_files WHERE path = ?", (stored(str(path)),)).rowcount

    # --- reading -------------------------------------------------------------------------------

    def copy(self, path: str) -> LocalCopy | None:
        row = self.conn.execute(f"{_SELECT} WHERE l.path = ?", (stored(str(path)),)).fetchone()
        return _copy(row) if row else None

    def copies(self, *, item_id: int | None = None, file_ids: Iterable[int] | None = None,
               present: bool = False) -> list[LocalCopy]:
        """Recorded copies (of a title's files, or of some files), oldest first; `present` keeps those on disk."""
        sql, params = _SELECT, []
        if item_id is not None:
            sql += " WHERE f.item_id = ?"
            params.append(item_id)
        rows = [_copy(row) for row in self.conn.execute(sql + " ORDER BY l.synced_at, l.id", params)]
        if file_ids is not None:
            wanted = set(file_ids)
            rows = [c for c in rows if c.file_id in wanted]
        return [c for c in rows if c.present()] if present else rows

    def unfinished(self, item_id: int | None = None) -> set[int]:
        """Files (ids) with a transfer not done and not given up: an interrupted partial."""
        return {file_id for _, file_id in self._unfinished(item_id)}

    def _unfinished(self, item_id: int | None = None) -> list[tuple[int, int]]:
        """(item_id, file_id) of files with an unfinished job. A job names its file by id and by the path
        it copies from; a re-scan may have re-made the file's row (another id) and given the old id to
        another file, so the path decides. A job whose id is stale is pointed at its file's new row, so
        the path (which no index serves) is looked up once, not at every `ls`."""
        marks = ", ".join("?" * len(UNFINISHED))
        found = []
        for job_id, source, file_item, file_id, path in self.conn.execute(
                f"SELECT j.id, j.source, f.item_id, f.id, f.path FROM jobs j LEFT JOIN files f ON f.id = j.file_id "
                f"WHERE j.state IN ({marks})", UNFINISHED).fetchall():
            if path != source:
                row = self.conn.execute("SELECT item_id, id FROM files WHERE path = ?", (source,)).fetchone()
                if row is None:
                    continue  # not in the catalog now: nothing to mark
                file_item, file_id = row
                try:
                    with self.db.atomic():
                        self.conn.execute("UPDATE jobs SET file_id = ? WHERE id = ?", (file_id, job_id))
                except sqlite3.OperationalError:
                    pass  # busy: the next look finds it by path again
            if item_id is None or file_item == item_id:
                found.append((file_item, file_id))
        return found

    def file_status(self, files: Sequence, *, check: bool = True) -> dict[int, str]:
        """Status per file (FileRow) of one title: synced, partial or none.

        With `check`, a copy counts only while it is on disk at its recorded size (a stat per copy);
        without, the record alone says so (for listings over many titles).
        """
        ids = {f.id for f in files}
        item_ids = {f.item_id for f in files}
        item_id = next(iter(item_ids)) if len(item_ids) == 1 else None
        local = {c.file_id for c in self.copies(item_id=item_id, file_ids=ids, present=check)}
        unfinished = self.unfinished(item_id)
        return {f.id: SYNCED if f.id in local else PARTIAL if f.id in unfinished else NONE for f in files}

    def item_status(self, items: Iterable) -> dict[int, str]:
        """Status per title (Item) from the records alone: one query for copies, one for jobs,
        and the files of only those titles that have either."""
        items = list(items)
        if not items:
            return {}
        wanted = {i.id: i for i in items}
        local: dict[int, set[int]] = {}
        for item_id, file_id in self.conn.execute(
                "SELECT f.item_id, f.id FROM local_files l JOIN files f "
                "ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath"):
            if item_id in wanted:
                local.setdefault(item_id, set()).add(file_id)
        partial: dict[int, set[int]] = {}
        for item_id, file_id in self._unfinished():
            if item_id in wanted:
                partial.setdefault(item_id, set()).add(file_id)
        status = {}
        for item_id, item in wanted.items():
            if item_id not in local and item_id not in partial:
                status[item_id] = NONE
                continue
            files = _Unit.files_of(self.conn, item_id)
            done, half = local.get(item_id, set()), partial.get(item_id, set())
            per_file = {f.id: SYNCED if f.id in done else PARTIAL if f.id in half else NONE for f in files}
            status[item_id] = (any_version(per_file.values()) if item.kind == "movie"
                               else show_status(files, per_file))
        return status


@dataclass(frozen=True)
class _Unit:
    """The little of a file that status needs, read straight from the files table."""

    id: int
    item_id: int
    season: int | None
    episodes: list[int]

    @staticmethod
    def files_of(conn, item_id: int) -> list[_Unit]:
        return [_Unit(file_id, item_id, season, json.loads(episodes) if episodes else [])
                for file_id, season, episodes in conn.execute(
                    "SELECT id, season, episodes FROM files WHERE item_id = ?", (item_id,))]


# --- status arithmetic (pure) ------------------------------------------------------------------


def any_version(statuses: Iterable[str]) -> str:
    """A movie: synced when any version is local, partial when one is on its way.

    >>> any_version(["none", "synced"]), any_version(["partial", "none"]), any_version([])
    ('synced', 'partial', 'none')
    """
    statuses = set(statuses)
    return SYNCED if SYNCED in statuses else PARTIAL if PARTIAL in statuses else NONE


def combine(statuses: Iterable[str]) -> str:
    """Episodes into a season or show: synced when all are, partial when some are or are on their way.

    >>> combine(["synced", "synced"]), combine(["synced", "none"]), combine(["none", "partial"])
    ('synced', 'partial', 'partial')
    >>> combine(["none"]), combine([])
    ('none', 'none')
    """
    statuses = set(statuses)
    if statuses == {SYNCED}:
        return SYNCED
    return PARTIAL if statuses & {SYNCED, PARTIAL} else NONE


def units(f) -> list:
    """What a file stands for: its (season, episode) pairs, or itself when it has no episode number."""
    if f.season is None or not f.episodes:
        return [("file", f.id)]
    return [(f.season, e) for e in f.episodes]


def episode_status(files: Sequence, file_status: dict[int, str]) -> dict[tuple, str]:
    """(season, episode) -> status; an episode is synced when any file holding it is, and a
    multi-episode file counts for each of its episodes.

    >>> from types import SimpleNamespace as F
    >>> files = [F(id=1, season=1, episodes=[1, 2]), F(id=2, season=1, episodes=[3]), F(id=3, season=1, episodes=[3])]
    >>> episode_status(files, {1: "synced", 2: "none", 3: "partial"})
    {(1, 1): 'synced', (1, 2): 'synced', (1, 3): 'partial'}
    """
    per_unit: dict[tuple, list[str]] = {}
    for f in files:
        for unit in units(f):
            per_unit.setdefault(unit, []).append(file_status.get(f.id, NONE))
    return {unit: any_version(statuses) for unit, statuses in per_unit.items()}


def season_status(files: Sequence, file_status: dict[int, str]) -> dict[int | None, str]:
    """Season -> status over every episode of it in `files`.

    >>> from types import SimpleNamespace as F
    >>> files = [F(id=1, season=1, episodes=[1]), F(id=2, season=1, episodes=[2]), F(id=3, season=2, episodes=[1])]
    >>> season_status(files, {1: "synced", 2: "none", 3: "synced"})
    {1: 'partial', 2: 'synced'}
    """
    by_season: dict[int | None, list[str]] = {f.season: [] for f in files}
    season_of = {("file", f.id): f.season for f in files}  # a file without episode numbers is its own unit
    for unit, status in episode_status(files, file_status).items():
        by_season[season_of.get(unit, unit[0])].append(status)
    return {season: combine(statuses) for season, statuses in by_season.items()}


def show_status(files: Sequence, file_status: dict[int, str]) -> str:
    """A show: synced when every episode is local, partial when some are (or are on their way)."""
    return combine(episode_status(files, file_status).values())
