"""The journal's store: actions and their ordered steps in the catalog's SQLite file, each write its own transaction."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from plexsh.library.pathtext import loaded, stored

__all__ = ["ACTION_STATES", "Action", "MIGRATIONS", "OPS", "STEP_STATES", "Step", "action", "actions", "crash_point",
           "mark_action", "mark_step", "record", "steps_of"]

# An action: pending (written, its steps not all done: a get's copies still on their way), done, undoing
# (an undo under way), undone, redoing, failed (nothing of it happened) or rolled-back (a stopped plexsh
# left it half done and the next start put back what it had done).
ACTION_STATES = ("pending", "done", "undoing", "undone", "redoing", "failed", "rolled-back")
# A step: planned, doing (its file operation may have happened: the disk says), done, undoing, undone,
# redoing. The -ing states are written before the file operation and replaced after it, each in its
# own transaction, so a crash leaves at most one step per action whose fate the disk must settle.
STEP_STATES = ("planned", "doing", "done", "undoing", "undone", "redoing")
OPS = ("place", "trash", "move", "mkdir", "rmdir", "link")
OPS += ("copy",)  # organize across file systems: copied, verified, renamed into place (its original then a trash step)


def create_journal(db) -> None:
    db.execute("CREATE TABLE actions (id INTEGER PRIMARY KEY, at REAL NOT NULL, verb TEXT NOT NULL, "
               "command TEXT NOT NULL, state TEXT NOT NULL, engine TEXT, undone_at REAL, note TEXT)")
    # `target` is the step's "to" (a keyword in SQL); `origin` the source a placed copy came from.
    db.execute("CREATE TABLE action_steps (id INTEGER PRIMARY KEY, action_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
               "op TEXT NOT NULL, path TEXT NOT NULL, target TEXT, size INTEGER, mtime_ns INTEGER, sha256 TEXT, "
               "state TEXT NOT NULL, trash_id TEXT, origin TEXT, note TEXT)")
    db.execute("CREATE INDEX idx_action_steps_action ON action_steps (action_id, seq)")
    # Whether an action has steps left: asked once per copy placed, so not a walk over its steps.
    db.execute("CREATE INDEX idx_action_steps_state ON action_steps (action_id, state)")
    # The supervisor finds a copy's place step by its final path, once per file.
    db.execute("CREATE INDEX idx_action_steps_target ON action_steps (target, op, state)")
    db.execute("CREATE INDEX idx_actions_state ON actions (state)")


# The journal's migration set (plexsh.db applies it): append only, a step's position is its version.
MIGRATIONS = [create_journal]


@dataclass(frozen=True)
class Step:
    """One file operation of an action and what undoing it needs.

    op      place: a verified copy renamed from `path` (its partial) to `to` (its final name); the
                   supervisor performs it. Undo sends `to` to the trash; redo puts it back.
            trash: `path` sent to plexsh's trash (`trash_id` says where); undo puts it back.
            move:  `path` renamed to `to`, never replacing anything; undo renames it back.
            mkdir: a folder plexsh created; undo removes it when empty.
            rmdir: an empty folder plexsh removed; undo makes it again.
            copy:  `path` copied to `to` on another file system, verified (SHA-256) before its rename into
                   place; undo sends `to` to the trash, redo puts it back (as place). With an `origin`
                   (move, copy), the local copies' record follows the file.
            link:  `path` (a duplicate) replaced by a link to `to` (the copy kept), the duplicate in
                   the trash; undo removes the link and puts the duplicate back.
    size, mtime_ns, sha256: the file as the action left it (place, move) or found it (trash), so undo
            can tell that it changed since.
    """

    op: str
    path: str
    to: str | None = None
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    origin: str | None = None  # place, trash (rm): the source file of the copy (recorded as local again when it comes back)
    state: str = "planned"
    trash_id: str | None = None
    note: str | None = None
    id: int | None = None
    action_id: int | None = None
    seq: int = 0

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown journal op {self.op!r}")

    @property
    def where(self) -> str:
        """The path a person thinks of for this step: where the file ends up (place, move), or was."""
        return self.to if self.op in ("place", "move", "copy") and self.to else self.path

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "op": self.op, "path": self.path, "to": self.to, "size": self.size,
                "mtime_ns": self.mtime_ns, "sha256": self.sha256, "state": self.state, "trash_id": self.trash_id,
                "note": self.note}


@dataclass(frozen=True)
class Action:
    """What one command did to files: verb, its text, state, and its steps in order."""

    id: int
    at: float
    verb: str
    command: str
    state: str
    steps: tuple[Step, ...] = field(default=())
    undone_at: float | None = None
    engine: str | None = None
    note: str | None = None

    @property
    def files(self) -> int:
        """Files the action moved (folders not counted), whether or not all have happened yet."""
        return sum(1 for s in self.steps if s.op in ("place", "trash", "move", "link"))

    @property
    def bytes(self) -> int:
        return sum(s.size or 0 for s in self.steps if s.op in ("place", "trash", "move", "link"))

    @property
    def undone(self) -> bool:
        return self.state == "undone"

    def paths(self) -> set[str]:
        """Every path the action's steps touched (or will): what makes a later action depend on it."""
        found = set()
        for s in self.steps:
            if s.state != "planned":
                found.add(s.path)
                if s.to:
                    found.add(s.to)
        return found

    def as_dict(self, steps: bool = False) -> dict[str, Any]:
        out = {"id": self.id, "at": self.at, "verb": self.verb, "command": self.command, "state": self.state,
               "undone": self.undone, "undone_at": self.undone_at, "files": self.files, "bytes": self.bytes}
        if steps:
            out["steps"] = [s.as_dict() for s in self.steps]
        return out


def _conn(db):
    """The sqlite3 connection of a sqlite-utils Database (or the connection itself)."""
    return getattr(db, "conn", db)


def record(db, verb: str, command: str, steps: Iterable[Step], *, state: str = "pending") -> Action:
    """Write an action and all its steps in one transaction, before any file is touched (write-ahead).

    Returns the Action with its id and its steps' ids. Nothing happens to files here: `perform` (or, for
    a get's copies, the supervisor) does the steps one by one, marking each as it goes.
    """
    from plexsh.engine.jobs import engine_identity

    conn = _conn(db)
    steps = list(steps)
    now = time.time()
    with conn:
        action_id = conn.execute("INSERT INTO actions (at, verb, command, state, engine) VALUES (?, ?, ?, ?, ?)",
                                 (now, verb, command, state, engine_identity())).lastrowid
        conn.executemany(
            "INSERT INTO action_steps (action_id, seq, op, path, target, size, mtime_ns, sha256, state, trash_id, "
            "origin, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(action_id, seq, s.op, stored(s.path), _stored(s.to), s.size, s.mtime_ns, s.sha256, s.state, s.trash_id,
              _stored(s.origin), s.note) for seq, s in enumerate(steps, 1)])
    return action(db, action_id)


def _stored(path: str | None) -> str | None:
    return None if path is None else stored(str(path))


def _loaded(text: str | None) -> str | None:
    return None if text is None else loaded(text)


_STEP_COLUMNS = "id, action_id, seq, op, path, target, size, mtime_ns, sha256, state, trash_id, origin, note"
_ACTION_COLUMNS = "id, at, verb, command, state, undone_at, engine, note"


def _step(row) -> Step:
    (step_id, action_id, seq, op, path, target, size, mtime_ns, sha256, state, trash_id, origin, note) = row
    return Step(op, loaded(path), _loaded(target), size, mtime_ns, sha256, _loaded(origin), state, trash_id, note,
                step_id, action_id, seq)


def steps_of(db, action_id: int) -> tuple[Step, ...]:
    rows = _conn(db).execute(f"SELECT {_STEP_COLUMNS} FROM action_steps WHERE action_id = ? ORDER BY seq",
                             (action_id,))
    return tuple(_step(r) for r in rows)


def action(db, action_id: int) -> Action | None:
    """One action with its steps (None when there is no such action)."""
    row = _conn(db).execute(f"SELECT {_ACTION_COLUMNS} FROM actions WHERE id = ?", (action_id,)).fetchone()
    if row is None:
        return None
    return _action(row, steps_of(db, action_id))


def _action(row, steps: tuple[Step, ...]) -> Action:
    action_id, at, verb, command, state, undone_at, engine, note = row
    return Action(action_id, at, verb, command, state, steps, undone_at, engine, note)


def actions(db, *, states: Iterable[str] | None = None, limit: int | None = None,
            after: int | None = None) -> list[Action]:
    """Actions newest first (of some states, or later than action `after`), each with its steps."""
    sql, params = f"SELECT {_ACTION_COLUMNS} FROM actions", []
    where = []
    if states is not None:
        states = list(states)
        where.append(f"state IN ({', '.join('?' * len(states))})")
        params += states
    if after is not None:
        where.append("id > ?")
        params.append(after)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = _conn(db).execute(sql, params).fetchall()
    if not rows:
        return []
    by_action: dict[int, list[Step]] = {row[0]: [] for row in rows}
    marks = ", ".join("?" * len(by_action))
    for row in _conn(db).execute(f"SELECT {_STEP_COLUMNS} FROM action_steps WHERE action_id IN ({marks}) "
                                 "ORDER BY action_id, seq", list(by_action)):
        by_action[row[1]].append(_step(row))
    return [_action(row, tuple(by_action[row[0]])) for row in rows]


def mark_action(db, action_id: int, state: str, **values: Any) -> None:
    """Set an action's state (and undone_at, engine or note), in its own transaction."""
    if state not in ACTION_STATES:
        raise ValueError(f"unknown action state {state!r}")
    values = {"state": state, **values}
    sets = ", ".join(f"{key} = ?" for key in values)
    with _conn(db) as conn:
        conn.execute(f"UPDATE actions SET {sets} WHERE id = ?", (*values.values(), action_id))


_STEP_FIELDS = {"state": "state", "to": "target", "size": "size", "mtime_ns": "mtime_ns", "sha256": "sha256",
                "trash_id": "trash_id", "note": "note"}


def mark_step(db, step: Step, state: str, also: Callable[[], None] | None = None, **values: Any) -> Step:
    """Set a step's state (and what the operation learnt: its trash id, the file's size, mtime, hash)
    in its own transaction, with ALSO (the record the operation changes, such as the local copies) in
    the same one; the step as it now is."""
    if state not in STEP_STATES:
        raise ValueError(f"unknown step state {state!r}")
    values = {"state": state, **values}
    sets = ", ".join(f"{_STEP_FIELDS[key]} = ?" for key in values)
    params = [_stored(v) if key == "to" else v for key, v in values.items()]
    with _conn(db) as conn:
        conn.execute(f"UPDATE action_steps SET {sets} WHERE id = ?", (*params, step.id))
        if also is not None:
            also()
    return replace(step, **values)


# --- test hook: PLEXSH_TEST_KILL_AFTER_STEP / PLEXSH_TEST_KILL_BEFORE_STEP --------------------------
# The crash tests stop plexsh dead (SIGKILL) at each point of an action: KILL_BEFORE_STEP=k right after
# the k-th step of this process is marked doing (its file operation not done), KILL_AFTER_STEP=k right
# after the k-th file operation, before the journal says it is done. Counted over every step this process
# does: forward, undo, redo and the supervisor's renames.
_KILL_BEFORE = int(os.environ.get("PLEXSH_TEST_KILL_BEFORE_STEP") or 0)
_KILL_AFTER = int(os.environ.get("PLEXSH_TEST_KILL_AFTER_STEP") or 0)
_counts = {"before": 0, "after": 0}


def crash_point(when: str) -> None:
    """Where a step's file operation starts ("before") or has just ended ("after"): the test hook's kill."""
    limit = _KILL_BEFORE if when == "before" else _KILL_AFTER
    if not limit:
        return
    _counts[when] += 1
    if _counts[when] == limit:
        os.kill(os.getpid(), signal.SIGKILL)
