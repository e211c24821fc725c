"""Opening plexsh's SQLite file the one way every part uses it: WAL, NORMAL sync, a busy timeout, every migration set applied."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

from sqlite_utils import Database

from plexsh.home import catalog_path

Step = Callable[[Database], None]

# Every part's schema lives in one file, so every set is applied whoever opens it: no part ever meets
# a table another part has not made yet. A set is (name, module); the module's MIGRATIONS lists its
# steps, append-only, so a step's position is the set's version once it has run. Sets run in this
# order (the local record reads the jobs and the catalog's files).
MIGRATION_SETS: tuple[tuple[str, str], ...] = (
    ("catalog", "plexsh.library.catalog"),
    ("jobs", "plexsh.engine.jobs"),
    ("local", "plexsh.library.local"),
    ("presets", "plexsh.library.presets"),
    ("journal", "plexsh.journal.actions"),
    ("usage", "plexsh.usage.records"),
    ("care", "plexsh.care.checks"),
    ("dupes", "plexsh.dupes.hashcache"),
)
# Where releases before this registry recorded their steps (sqlite-utils' Migrations), under these names.
_LEGACY_TABLE = "_sqlite_migrations"
_LEGACY_NAMES = {"plexsh.catalog": "catalog", "plexsh.jobs": "jobs", "plexsh.local": "local"}


class NewerSchema(sqlite3.DatabaseError):
    """The file was written by a newer plexsh: its schema has steps this one does not know."""


def migration_sets() -> list[tuple[str, Sequence[Step]]]:
    """(name, steps) of every registered set, in the order they run."""
    return [(name, importlib.import_module(module).MIGRATIONS) for name, module in MIGRATION_SETS]


def open_database(path: Path | str | None = None) -> tuple[Path, Database]:
    """The file at PATH (default: the catalog in the plexsh home), created if need be, its schema current.
    WAL lets the shell read while a scan or the engine writes; a commit under NORMAL is not fsynced, and a
    writer waits up to 5 s for another instead of failing."""
    path = Path(path) if path is not None else catalog_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path, execute_plugins=False)
    db.enable_wal()
    db.conn.execute("PRAGMA synchronous=NORMAL")
    db.conn.execute("PRAGMA busy_timeout=5000")
    try:
        migrate(db, migration_sets())
    except BaseException:
        db.close()
        raise
    return path, db


def schema_versions(db: Database) -> dict[str, int]:
    """Set name -> how many of its steps the file has had (a file from before the registry counts
    the steps sqlite-utils recorded; a new file has none)."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_versions" in tables:
        return dict(db.execute("SELECT name, version FROM schema_versions").fetchall())
    if _LEGACY_TABLE in tables:
        return {_LEGACY_NAMES.get(name, name): count for name, count in db.execute(
            f"SELECT migration_set, count(*) FROM {_LEGACY_TABLE} GROUP BY migration_set")}
    return {}


def migrate(db: Database, sets: Sequence[tuple[str, Sequence[Step]]]) -> None:
    """Apply the steps of SETS the file has not had, all in one transaction: a step that fails leaves
    the file as it was. Another plexsh opening the file at the same time waits, then finds it current."""
    recorded = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_versions'").fetchone()
    if recorded and not _pending(schema_versions(db), sets):
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        versions = schema_versions(db)  # again, under the write lock: another plexsh may have just migrated
        for name, steps in _pending(versions, sets):
            for step in steps[versions.get(name, 0):]:
                step(db)
        db.execute("CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        db.conn.executemany("INSERT INTO schema_versions (name, version) VALUES (?, ?) "
                            "ON CONFLICT(name) DO UPDATE SET version = excluded.version",
                            [(name, len(steps)) for name, steps in sets])
        db.execute(f"DROP TABLE IF EXISTS {_LEGACY_TABLE}")  # its record now lives in schema_versions
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def _pending(versions: dict[str, int], sets: Sequence[tuple[str, Sequence[Step]]]) -> list[tuple[str, Sequence[Step]]]:
    """The sets with steps still to run; a file ahead of this plexsh is refused rather than misread."""
    pending = []
    for name, steps in sets:
        have = versions.get(name, 0)
        if have > len(steps):
            raise NewerSchema(f"written by a newer plexsh (its {name} schema is at step {have}, "
                              f"this plexsh knows {len(steps)})")
        if have < len(steps):
            pending.append((name, steps))
    return pending
