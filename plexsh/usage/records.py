"""Access records: every play, read, look and action on a file (`access_records`), with running totals per file."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any, Iterable

from sqlite_utils import Database

from plexsh.config import Analytics
from plexsh.library.pathtext import loaded, stored
from plexsh.usage.score import DEFAULT_HALF_LIFE_DAYS, decayed

__all__ = ["ACCESS_TYPES", "ACTIONS", "LOOK", "MIGRATIONS", "PLAY", "READ", "USES", "Analytics", "record",
           "prune", "rebuild_totals", "current_totals"]

PLAY, READ, LOOK = "play", "read", "look"
# What plexsh does to a file; each verb records its own (get and verify now: transfers.recorder).
ACTIONS = ("get", "verify", "rm", "restore", "organize", "resync", "dupes")
ACCESS_TYPES = (PLAY, READ, LOOK, *ACTIONS)
# What counts as watching: a play through `play`, or a read another program made (`usage scan`).
USES = (PLAY, READ)
# The meta key naming the half-life the totals' scores were summed with.
HALF_LIFE_KEY = "usage.half_life_days"
# The meta key naming the catalog generation the totals' title ids were resolved at.
ITEMS_KEY = "usage.items_generation"


def create_access_records(db: Database) -> None:
    # The shape users of the original design know: id, file_path, access_type, timestamp, metadata (JSON).
    db.execute("CREATE TABLE access_records (id INTEGER PRIMARY KEY, file_path TEXT NOT NULL, "
               "access_type TEXT NOT NULL, timestamp REAL NOT NULL, metadata TEXT)")
    # A file's history (usage TITLE) and a time window (since 30d, retention) are the two ways in.
    db.execute("CREATE INDEX idx_access_records_path ON access_records (file_path, access_type, timestamp)")
    db.execute("CREATE INDEX idx_access_records_time ON access_records (timestamp)")
    # Plays per month count index entries only, never the rows.
    db.execute("CREATE INDEX idx_access_records_type_time ON access_records (access_type, timestamp)")
    # Running totals per file, kept by record() so reports never read a million records: the place in
    # a source the file is (or is a copy of), so its title is found after a re-scan re-made its row;
    # that title's id as last resolved (refresh_items), so reports sum per title without a join; and
    # the decayed score as of score_at.
    db.execute("CREATE TABLE access_totals (file_path TEXT PRIMARY KEY, source TEXT, dir TEXT, relpath TEXT, "
               "item_id INTEGER, "
               "uses INTEGER NOT NULL DEFAULT 0, looks INTEGER NOT NULL DEFAULT 0, actions INTEGER NOT NULL DEFAULT 0, "
               "first_use REAL, last_use REAL, last_look REAL, last_access REAL, "
               "score REAL NOT NULL DEFAULT 0, score_at REAL)")
    db.execute("CREATE INDEX idx_access_totals_origin ON access_totals (source, dir, relpath)")
    # Covers the per-title sums of `usage`: read in title order from the index alone.
    db.execute("CREATE INDEX idx_access_totals_item ON access_totals "
               "(item_id, uses, looks, last_use, last_look, score, score_at)")
    # The files ever played: what `usage` ranks, a small part of the totals (most rows are looks).
    db.execute("CREATE INDEX idx_access_totals_used ON access_totals (item_id, uses, last_use, score, score_at) "
               "WHERE uses > 0")
    # The access time `usage scan` last saw on each local copy (nanoseconds), and when.
    db.execute("CREATE TABLE access_atimes (path TEXT PRIMARY KEY, atime_ns INTEGER NOT NULL, seen_at REAL NOT NULL)")


# The usage migration set (plexsh.db applies it after the local record's): append only.
MIGRATIONS = [create_access_records]


def _conn(db):
    """The sqlite3 connection of a Database, a Catalog or a connection itself."""
    return getattr(db, "conn", db)


def _origin(conn, path_key: str, file_id: int | None) -> tuple:
    """(source, dir, relpath, item_id) of the file at a path: a local copy's origin, or a catalog file's
    place, and the title the catalog has it under now."""
    if file_id is not None:
        row = conn.execute("SELECT source, dir, relpath, item_id FROM files WHERE id = ?", (file_id,)).fetchone()
        if row:
            return row
    row = conn.execute("SELECT l.source, l.dir, l.relpath, f.item_id FROM local_files l LEFT JOIN files f "
                       "ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath WHERE l.path = ?",
                       (path_key,)).fetchone()
    return row or (None, None, None, None)


@contextlib.contextmanager
def _transaction(conn):
    """One write transaction (BEGIN IMMEDIATE, so a writer waits its turn rather than failing half-way),
    or a part of the caller's when one is open."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def totals_half_life(conn) -> float:
    """The half-life (days) the stored scores use; the default until reports first ask for another."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (HALF_LIFE_KEY,)).fetchone()
    return float(row[0]) if row else DEFAULT_HALF_LIFE_DAYS


def record(db, path, access_type: str, metadata: dict[str, Any] | None = None, *, when: float | None = None,
           file_id: int | None = None, analytics: Analytics | None = None) -> int | None:
    """Record one access of the file at `path` (a local copy, or for a look a catalog file); its record id,
    or None when `analytics.enabled` is false. A few statements on indexed keys in one transaction: well
    under a millisecond (scripts/bench/usage).

    `file_id` names the catalog file when `path` is not a local copy (a look at a title on the NAS).
    """
    if analytics is not None and not analytics.enabled:
        return None
    if access_type not in ACCESS_TYPES:
        raise ValueError(f"unknown access type {access_type!r}: " + ", ".join(ACCESS_TYPES))
    conn = _conn(db)
    when = time.time() if when is None else float(when)
    key = stored(str(path))
    use, look = access_type in USES, access_type == LOOK
    with _transaction(conn):
        cursor = conn.execute("INSERT INTO access_records (file_path, access_type, timestamp, metadata) "
                              "VALUES (?, ?, ?, ?)", (key, access_type, when,
                                                      json.dumps(metadata, ensure_ascii=False) if metadata else None))
        row = conn.execute("SELECT score, score_at FROM access_totals WHERE file_path = ?", (key,)).fetchone()
        score, score_at = row if row else (0.0, None)
        if use:
            half_life = totals_half_life(conn)
            at = max(score_at or when, when)
            score = decayed(score, at - (score_at or at), half_life) + decayed(1.0, at - when, half_life)
            score_at = at
        if row is None:
            source, folder, relpath, item_id = _origin(conn, key, file_id)
            conn.execute("INSERT INTO access_totals (file_path, source, dir, relpath, item_id, uses, looks, actions, "
                         "first_use, last_use, last_look, last_access, score, score_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (key, source, folder, relpath, item_id, int(use), int(look), int(not use and not look),
                          when if use else None, when if use else None, when if look else None, when, score, score_at))
        else:
            conn.execute("UPDATE access_totals SET uses = uses + ?, looks = looks + ?, actions = actions + ?, "
                         "first_use = CASE WHEN ? THEN min(coalesce(first_use, ?), ?) ELSE first_use END, "
                         "last_use = CASE WHEN ? THEN max(coalesce(last_use, ?), ?) ELSE last_use END, "
                         "last_look = CASE WHEN ? THEN max(coalesce(last_look, ?), ?) ELSE last_look END, "
                         "last_access = max(coalesce(last_access, ?), ?), score = ?, score_at = ? WHERE file_path = ?",
                         (int(use), int(look), int(not use and not look), use, when, when, use, when, when,
                          look, when, when, when, when, score, score_at, key))
    return cursor.lastrowid


def prune(db, retention_days: float, *, now: float | None = None) -> int:
    """Delete records older than `retention_days` and bring the totals in line; how many went."""
    conn = _conn(db)
    now = time.time() if now is None else now
    with _transaction(conn):
        gone = conn.execute("DELETE FROM access_records WHERE timestamp < ?",
                            (now - retention_days * 86400,)).rowcount
        if gone:
            rebuild_totals(conn, totals_half_life(conn))
    return gone


def rebuild_totals(db, half_life_days: float) -> None:
    """The totals summed again from the records with `half_life_days` (after a prune, or when the
    configured half-life changed); a file's origin is kept, a file with no record left is dropped."""
    conn = _conn(db)
    with _transaction(conn):
        conn.execute("DELETE FROM access_totals WHERE file_path NOT IN (SELECT DISTINCT file_path FROM access_records)")
        conn.execute(f"""UPDATE access_totals SET
            uses = (SELECT count(*) FROM access_records r WHERE r.file_path = access_totals.file_path
                    AND r.access_type IN ('{PLAY}', '{READ}')),
            looks = (SELECT count(*) FROM access_records r WHERE r.file_path = access_totals.file_path
                     AND r.access_type = '{LOOK}'),
            actions = (SELECT count(*) FROM access_records r WHERE r.file_path = access_totals.file_path
                       AND r.access_type NOT IN ('{PLAY}', '{READ}', '{LOOK}')),
            first_use = (SELECT min(timestamp) FROM access_records r WHERE r.file_path = access_totals.file_path
                         AND r.access_type IN ('{PLAY}', '{READ}')),
            last_use = (SELECT max(timestamp) FROM access_records r WHERE r.file_path = access_totals.file_path
                        AND r.access_type IN ('{PLAY}', '{READ}')),
            last_look = (SELECT max(timestamp) FROM access_records r WHERE r.file_path = access_totals.file_path
                         AND r.access_type = '{LOOK}'),
            last_access = (SELECT max(timestamp) FROM access_records r WHERE r.file_path = access_totals.file_path),
            score = 0, score_at = NULL""")
        scores: dict[str, tuple[float, float]] = {}
        for key, when in conn.execute(f"SELECT file_path, timestamp FROM access_records "
                                      f"WHERE access_type IN ('{PLAY}', '{READ}') ORDER BY file_path, timestamp"):
            score, at = scores.get(key, (0.0, when))
            scores[key] = (decayed(score, when - at, half_life_days) + 1.0, when)
        conn.executemany("UPDATE access_totals SET score = ?, score_at = ? WHERE file_path = ?",
                         [(score, at, key) for key, (score, at) in scores.items()])
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (HALF_LIFE_KEY, repr(float(half_life_days))))


def refresh_items(db, *, force: bool = False) -> bool:
    """Point each file's totals at the title the catalog has it under now, once per change of the
    catalog's titles (its generation: a scan that re-made rows or merged titles); whether it ran."""
    conn = _conn(db)
    generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    seen = conn.execute("SELECT value FROM meta WHERE key = ?", (ITEMS_KEY,)).fetchone()
    if not force and (generation[0] if generation else None) == (seen[0] if seen else None):
        return False
    with _transaction(conn):
        conn.execute("UPDATE access_totals SET item_id = (SELECT f.item_id FROM files f WHERE f.source = "
                     "access_totals.source AND f.dir = access_totals.dir AND f.relpath = access_totals.relpath)")
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (ITEMS_KEY, generation[0] if generation else None))
    return True


def current_scores(db, analytics: Analytics) -> None:
    """Make the stored scores use the configured half-life (summed again once when it changed)."""
    conn = _conn(db)
    if totals_half_life(conn) != float(analytics.half_life_days):
        rebuild_totals(conn, analytics.half_life_days)


def current_totals(db, analytics: Analytics) -> None:
    """current_scores, and the totals pointed at the titles of the catalog as it is now."""
    current_scores(db, analytics)
    refresh_items(db)


def records(db, *, since: float | None = None, paths: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The records (oldest first), from `since` on and of some paths (as the file system names them)."""
    conn = _conn(db)
    sql, params = "SELECT id, file_path, access_type, timestamp, metadata FROM access_records WHERE 1", []
    if since is not None:
        sql += " AND timestamp >= ?"
        params.append(since)
    if paths is not None:
        keys = [stored(str(p)) for p in paths]
        sql += f" AND file_path IN ({', '.join('?' * len(keys))})"
        params += keys
    return [{"id": i, "file_path": loaded(p), "access_type": t, "timestamp": ts,
             "metadata": json.loads(m) if m else {}}
            for i, p, t, ts, m in conn.execute(sql + " ORDER BY timestamp, id", params)]
