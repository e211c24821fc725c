"""The record of verify's checks: each copy's last result (size, mtime, SHA-256, state, when) and the runs, for resume and doctor."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Iterable

from sqlite_utils import Database

from plexsh.library.pathtext import stored


def create_checks(db: Database) -> None:
    """`verify_runs`: one per verify (its scope, whether quick, started, finished: NULL while it runs or
    when it was cancelled or killed). `verify_checks`: per path, the last thing a check saw and when;
    `hashed_at` is when its bytes were last read in full (what `doctor` calls its last verification)."""
    db.execute("CREATE TABLE verify_runs (id INTEGER PRIMARY KEY, scope TEXT NOT NULL, quick INTEGER NOT NULL, "
               "started REAL NOT NULL, finished REAL)")
    db.execute("CREATE TABLE verify_checks (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, "
               "state TEXT NOT NULL, checked_at REAL NOT NULL, hashed_at REAL, run_id INTEGER)")


# The care migration set (plexsh.db applies it after the others): append only.
MIGRATIONS = [create_checks]


@dataclass(frozen=True)
class Check:
    """What the last check of a path saw."""

    size: int | None
    mtime_ns: int | None
    sha256: str | None
    state: str
    checked_at: float
    hashed_at: float | None
    run_id: int | None


def scope_key(item_ids: Iterable[int] | None, file_ids: Iterable[int] | None = None) -> str:
    """The text a run's scope is remembered by: `all`, or its titles' (and files') ids in order.

    >>> scope_key(None), scope_key([3, 1, 3]), scope_key([1], [7, 5])
    ('all', '[1, 3]', '[1] [5, 7]')
    """
    if item_ids is None and file_ids is None:
        return "all"
    key = json.dumps(sorted(set(item_ids or ())))
    return key if file_ids is None else f"{key} {json.dumps(sorted(set(file_ids)))}"


class Checks:
    """The two tables over a catalog's connection (the thread's own, like every connection)."""

    def __init__(self, db: Database):
        self.db = db
        self.conn = db.conn

    def unfinished_run(self, scope: str, quick: bool) -> int | None:
        """The latest run over the same scope that never finished (cancelled or killed), to resume."""
        row = self.conn.execute("SELECT id FROM verify_runs WHERE scope = ? AND quick = ? AND finished IS NULL "
                                "ORDER BY id DESC LIMIT 1", (scope, int(quick))).fetchone()
        return row[0] if row else None

    def start_run(self, scope: str, quick: bool) -> int:
        with self.db.atomic():
            return self.conn.execute("INSERT INTO verify_runs (scope, quick, started) VALUES (?, ?, ?)",
                                     (scope, int(quick), time.time())).lastrowid

    def finish_run(self, run_id: int) -> None:
        with self.db.atomic():
            self.conn.execute("UPDATE verify_runs SET finished = ? WHERE id = ?", (time.time(), run_id))

    def last(self, paths: Iterable[str]) -> dict[str, Check]:
        """Path -> its last check, for those checked before."""
        wanted = {stored(p): p for p in paths}
        found = {}
        for path, *fields in self.conn.execute(
                "SELECT path, size, mtime_ns, sha256, state, checked_at, hashed_at, run_id FROM verify_checks"):
            if path in wanted:
                found[wanted[path]] = Check(*fields)
        return found

    def record(self, results: list[tuple[str, int | None, int | None, str | None, str, bool]], run_id: int) -> None:
        """Results as (path, size, mtime_ns, sha256, state, hashed), in one transaction: verify writes what
        came in the last quarter second, so a killed run keeps all but that (one transaction per file
        would cost more than a quick check of the file itself)."""
        now = time.time()
        with self.db.atomic():
            self.conn.executemany(
                "INSERT INTO verify_checks (path, size, mtime_ns, sha256, state, checked_at, hashed_at, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
                "mtime_ns = excluded.mtime_ns, sha256 = coalesce(excluded.sha256, sha256), state = excluded.state, "
                "checked_at = excluded.checked_at, hashed_at = coalesce(excluded.hashed_at, hashed_at), "
                "run_id = excluded.run_id",
                [(stored(path), size, mtime_ns, sha256, state, now, now if hashed else None, run_id)
                 for path, size, mtime_ns, sha256, state, hashed in results])

    def oldest_verification(self) -> tuple[float | None, int, int]:
        """(when the copy verified longest ago was last read in full: by verify, else by the copy's own
        check when it landed; how many copies verify never read; how many copies there are): doctor's line."""
        oldest, never, copies = self.conn.execute(
            "SELECT min(coalesce(c.hashed_at, l.synced_at)), sum(c.hashed_at IS NULL), count(*) FROM local_files l "
            "LEFT JOIN verify_checks c ON c.path = l.path").fetchone()
        return oldest, never or 0, copies or 0
