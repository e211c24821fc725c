"""Opening plexsh's SQLite file the one way every part uses it: WAL, NORMAL sync, a busy timeout, its migrations applied."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database, Migrations

from plexsh.home import catalog_path


def open_database(path: Path | str | None, migrations: Migrations) -> tuple[Path, Database]:
    """The file at PATH (default: the catalog in the plexsh home), created if need be. WAL lets the
    shell read while a scan or the engine writes; a commit under NORMAL is not fsynced, and a
    writer waits up to 5 s for another instead of failing."""
    path = Path(path) if path is not None else catalog_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path, execute_plugins=False)
    db.enable_wal()
    db.conn.execute("PRAGMA synchronous=NORMAL")
    db.conn.execute("PRAGMA busy_timeout=5000")
    migrations.apply(db)
    return path, db
