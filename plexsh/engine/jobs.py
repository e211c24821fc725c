"""The job store: transfers and their metrics events, in the catalog's SQLite file, written as they change."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database

from plexsh.db import open_database
from plexsh.library.pathtext import loaded, stored
from plexsh.redact import job_replacements

__all__ = ["ACTIVE", "FINISHED", "Job", "JobStore", "PRIORITIES", "STATES", "MIGRATIONS"]

PRIORITIES = ("high", "normal", "low")
STATES = ("queued", "running", "paused", "verifying", "done", "failed", "cancelled", "stalled")
FINISHED = frozenset({"done", "failed", "cancelled"})
ACTIVE = frozenset({"running", "verifying"})  # a child process may exist
# Left in these by a plexsh that was killed: back to the queue on the next start.
_INTERRUPTED = ("running", "verifying", "stalled")

log = logging.getLogger("plexsh.transfers")


def create_jobs(db: Database) -> None:
    db["jobs"].create(
        {"id": int, "item_id": int, "file_id": int, "label": str, "source": str, "destination": str,
         "partial": str, "total": int, "bytes_done": int, "resumed_from": int, "state": str,
         "priority": str, "position": int, "attempts": int, "last_error": str, "error_kind": str,
         "sha256": str, "verify": str, "bwlimit": int, "fresh": int, "retry_at": float, "pid": int,
         "created": float, "started": float, "finished": float, "updated": float},
        pk="id", defaults={"bytes_done": 0, "resumed_from": 0, "attempts": 0, "fresh": 0},
    )
    db["jobs"].create_index(["state", "priority", "position"])
    db["job_events"].create(
        {"id": int, "job_id": int, "at": float, "event": str, "attempt": int, "bytes": int,
         "reason": str, "data": str},
        pk="id",
    )
    db["job_events"].create_index(["job_id", "at"])


def add_may_replace(db: Database) -> None:
    """Whether a job's copy may replace a file at its destination (`get ... replace`, or plexsh's own older copy)."""
    db["jobs"].add_column("may_replace", int, not_null_default=0)


def add_engine(db: Database) -> None:
    """Which plexsh runs a job (`engine_identity`), so that another plexsh never takes its jobs for orphans."""
    db["jobs"].add_column("engine", str)


# The jobs' migration set (plexsh.db applies it): append only, a step's position is its version.
MIGRATIONS = [create_jobs, add_may_replace, add_engine]


@dataclass
class Job:
    """One file transfer, as stored (timestamps are unix seconds)."""

    id: int
    source: str
    destination: str
    partial: str
    total: int
    state: str = "queued"
    priority: str = "normal"
    position: int = 0
    item_id: int | None = None
    file_id: int | None = None
    label: str | None = None
    bytes_done: int = 0
    resumed_from: int = 0
    attempts: int = 0
    last_error: str | None = None
    error_kind: str | None = None
    sha256: str | None = None
    verify: str = "sha256"
    bwlimit: int | None = None
    fresh: bool = False
    may_replace: bool = False
    engine: str | None = None  # engine_identity() of the plexsh that last started the job
    retry_at: float | None = None
    pid: int | None = None
    created: float | None = None
    started: float | None = None
    finished: float | None = None
    updated: float | None = None

    @property
    def finished_state(self) -> bool:
        return self.state in FINISHED

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = tuple(f.name for f in fields(Job))


class JobStore:
    """Jobs in the SQLite file shared with the catalog (WAL; its own migration set)."""

    def __init__(self, path: Path | str | None = None, *, recover: bool = True):
        self.path, self.db = open_database(path)
        self.conn = self.db.conn
        self.recovered: list[int] = self._recover() if recover else []

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- recovery ------------------------------------------------------------------------------

    def _recover(self) -> list[int]:
        """Jobs a killed plexsh left mid-way go back to the queue; their orphaned children are killed.

        A job whose plexsh is still running (a second shell, a script beside the shell) is not an
        orphan: it and its copier are left alone.
        """
        marks = ", ".join("?" * len(_INTERRUPTED))
        rows = self.conn.execute(
            f"SELECT id, pid, partial, state, engine FROM jobs WHERE state IN ({marks}) OR "
            "(state = 'paused' AND pid IS NOT NULL) ORDER BY id", _INTERRUPTED).fetchall()
        recovered = []
        now = time.time()
        with self.conn:
            for job_id, pid, partial, state, engine in rows:
                if engine_alive(engine):
                    continue
                if pid:
                    kill_orphan(pid, loaded(partial))
                if state == "paused":
                    self.conn.execute("UPDATE jobs SET pid = NULL WHERE id = ?", (job_id,))
                    continue
                self.conn.execute(
                    "UPDATE jobs SET state = 'queued', pid = NULL, retry_at = NULL, updated = ? WHERE id = ?",
                    (now, job_id))
                self._event(job_id, "recovered", reason=f"was {state} when plexsh stopped")
                recovered.append(job_id)
        return recovered

    # --- writing -------------------------------------------------------------------------------

    def add(self, source: str, destination: str, partial: str, total: int, *, priority: str = "normal",
            verify: str = "sha256", bwlimit: int | None = None, item_id: int | None = None,
            file_id: int | None = None, label: str | None = None, may_replace: bool = False) -> Job:
        """A new queued job at the end of the queue."""
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}: high, normal or low")
        now = time.time()
        with self.conn:
            position = self.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM jobs").fetchone()[0]
            cursor = self.conn.execute(
                "INSERT INTO jobs (item_id, file_id, label, source, destination, partial, total, state, "
                "priority, position, verify, bwlimit, created, updated, may_replace) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                (item_id, file_id, label, stored(source), stored(destination), stored(partial), total, priority,
                 position, verify,
                 bwlimit, now, now, int(may_replace)))
            self._event(cursor.lastrowid, "queued", bytes_=0)
        return self.get(cursor.lastrowid)

    def update(self, job_id: int, **values: Any) -> None:
        """Write some fields of a job at once (and its `updated` time)."""
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown job fields: {', '.join(sorted(unknown))}")
        if "state" in values and values["state"] not in STATES:
            raise ValueError(f"unknown state {values['state']!r}")
        values["updated"] = time.time()
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.conn:
            self.conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?", (*values.values(), job_id))

    def event(self, job_id: int, event: str, *, attempt: int | None = None, bytes_: int | None = None,
              reason: str | None = None, **data: Any) -> None:
        """A metrics event: attempt_started/attempt_ended, interrupted, recovered, verified ..."""
        with self.conn:
            self._event(job_id, event, attempt=attempt, bytes_=bytes_, reason=reason, **data)

    def _event(self, job_id: int, event: str, *, attempt: int | None = None, bytes_: int | None = None,
               reason: str | None = None, **data: Any) -> None:
        self.conn.execute(
            "INSERT INTO job_events (job_id, at, event, attempt, bytes, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job_id, time.time(), event, attempt, bytes_, reason, json.dumps(data) if data else None))
        self._log_event(job_id, event, attempt, bytes_, reason, data)

    def _log_event(self, job_id: int, event: str, attempt: int | None, bytes_: int | None, reason: str | None,
                   data: dict[str, Any]) -> None:
        """The event as one line of the log: `job 3 attempt_ended attempt=1 bytes=2000000 reason=network ...`.

        Values are not escaped, so path redaction (plexsh.logs) finds the paths exactly as stored.
        """
        failed = (event == "failed" or (event == "attempt_ended" and reason not in ("done", "cancelled"))
                  or (event == "verified" and reason not in (None, "ok")))
        level = logging.WARNING if failed else logging.INFO
        if not log.isEnabledFor(level):
            return
        row = self.conn.execute("SELECT label, source FROM jobs WHERE id = ?", (job_id,)).fetchone()
        label, source = (row[0], loaded(row[1])) if row else (None, None)  # a removed job has no row left
        values = {"attempt": attempt, "bytes": bytes_, "reason": reason, **data, "title": label, "source": source}
        parts = [f"job {job_id} {event}"]
        parts += [f'{key}="{value}"' if " " in str(value) else f"{key}={value}"
                  for key, value in values.items() if value is not None and value != ""]
        log.log(level, " ".join(parts), extra={"redact": job_replacements(source, label)})

    def move(self, job_id: int, position: int) -> None:
        """Put a job at 1-based `position` among the waiting jobs (queued, stalled, paused ones)."""
        waiting = [j.id for j in self.jobs(("queued", "stalled", "paused")) if j.id != job_id]
        if self.get(job_id) is None:
            raise KeyError(job_id)
        index = min(max(position, 1), len(waiting) + 1) - 1
        waiting.insert(index, job_id)
        base = self.conn.execute("SELECT coalesce(min(position), 1) FROM jobs").fetchone()[0]
        with self.conn:
            self.conn.executemany("UPDATE jobs SET position = ? WHERE id = ?",
                                  [(base + i, j) for i, j in enumerate(waiting)])

    def remove(self, job_id: int) -> None:
        """Forget a job (its events stay for the metrics)."""
        with self.conn:
            self.conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            self._event(job_id, "removed")

    # --- reading -------------------------------------------------------------------------------

    def get(self, job_id: int) -> Job | None:
        row = self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self, states: Iterable[str] | None = None) -> list[Job]:
        """Jobs (of some states) in queue order: high priority first, low last, then position."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM jobs"
        params: list[str] = []
        if states is not None:
            params = list(states)
            sql += f" WHERE state IN ({', '.join('?' * len(params))})"
        sql += " ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END, position, id"
        return [_job(row) for row in self.conn.execute(sql, params)]

    def events(self, job_id: int | None = None) -> list[dict[str, Any]]:
        """Metrics events in time order, for `log export json`."""
        sql = "SELECT id, job_id, at, event, attempt, bytes, reason, data FROM job_events"
        params: tuple = ()
        if job_id is not None:
            sql, params = sql + " WHERE job_id = ?", (job_id,)
        out = []
        for row in self.conn.execute(sql + " ORDER BY at, id", params):
            event = dict(zip(("id", "job_id", "at", "event", "attempt", "bytes", "reason"), row[:7]))
            event.update(json.loads(row[7]) if row[7] else {})
            out.append(event)
        return out

    def guarantees(self, job_ids: Iterable[int]) -> dict[int, str]:
        """What each job's last verification proved (its `verified` event's guarantee)."""
        ids = list(job_ids)
        if not ids:
            return {}
        rows = self.conn.execute(
            f"SELECT job_id, data FROM job_events WHERE event = 'verified' AND job_id IN ({', '.join('?' * len(ids))})"
            " ORDER BY at, id", ids)
        found = {job_id: json.loads(data).get("guarantee") for job_id, data in rows if data}
        return {job_id: text for job_id, text in found.items() if text}


def _job(row: tuple) -> Job:
    job = Job(**dict(zip(_COLUMNS, row)))
    job.fresh, job.may_replace = bool(job.fresh), bool(job.may_replace)
    job.source, job.destination, job.partial = loaded(job.source), loaded(job.destination), loaded(job.partial)
    return job


def engine_identity(pid: int | None = None) -> str | None:
    """"PID:START" of a process (this one by default), or None where /proc cannot tell: the start
    time (in clock ticks since boot) tells a live plexsh from a later process that got its pid."""
    pid = pid or os.getpid()
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{pid}:{fields[19].decode()}"  # field 22 of stat(5), counted after the command's ")"


def engine_alive(identity: str | None) -> bool:
    """Whether the plexsh named by an engine_identity() is still running."""
    if not identity:
        return False
    pid, _, _ = identity.partition(":")
    return pid.isdigit() and engine_identity(int(pid)) == identity


def kill_orphan(pid: int, partial: str | None) -> bool:
    """SIGKILL a copier a killed plexsh left behind, if that pid is still one writing `partial` or a
    copier worker (which names its files on stdin, not its command line)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    serving = b"--serve" in cmdline and any(b"plexsh.engine.copier" in arg for arg in cmdline)
    if not serving and (partial is None or os.fsencode(partial) not in cmdline):
        return False  # the pid was reused by something else
    try:
        os.kill(pid, 9)
        return True
    except OSError:
        return False


