"""At start, once: actions a stopped plexsh left half done are finished or rolled back, as the disk shows them."""

from __future__ import annotations

import time
from pathlib import Path

from plexsh.journal.actions import Action, action as load_action, actions, mark_step
from plexsh.journal.steps import StepProblem, UndoRefused, roll_back, perform, redo, settle, undo

__all__ = ["recover", "recover_at"]

_UNFINISHED = ("pending", "undoing", "redoing")
_MIDWAY = ("doing", "undoing", "redoing")


def recover_at(path: Path) -> list[str]:
    """recover() over its own connection to the file at PATH, opened and closed here: it runs before
    any part of plexsh (the job store's own recovery included) reads the file."""
    from plexsh.db import open_database

    _, db = open_database(path)
    try:
        return recover(db)
    finally:
        db.close()


def recover(db) -> list[str]:
    """Settle every step a stopped plexsh left midway from what is on disk, then finish what it was
    doing: a command's steps are done to the end (or, when one cannot be, the done ones are put back),
    an undo or a redo is finished. One line per action, to tell the user. A get's copies are left to
    its jobs, which run again; a copy that reached its place before the stop counts as done.

    Actions of another plexsh still running are left alone."""
    from plexsh.engine.jobs import engine_alive, engine_identity

    me = engine_identity()
    notes = []
    for found in actions(db, states=_UNFINISHED):
        if found.engine != me and (engine_alive(found.engine) or not _claim(db, found, me)):
            continue
        midway = [s for s in found.steps if s.state in _MIDWAY]
        for step in midway:
            state, values = settle(db, step)
            mark_step(db, step, state, also=_records_for(db, step, state), **values)
            if step.op == "place" and state == "done":
                _forget_checkpoints(step.path)
        found = load_action(db, found.id)
        if any(s.op == "place" for s in found.steps):
            _placed_jobs_done(db, found)
        note = _finish(db, found, bool(midway))
        if note:
            notes.append(note)
    return notes


def _claim(db, found: Action, me: str | None) -> bool:
    """Take over a dead plexsh's action, unless another plexsh starting at the same moment took it first."""
    with getattr(db, "conn", db) as conn:
        return conn.execute("UPDATE actions SET engine = ? WHERE id = ? AND engine IS ?",
                            (me, found.id, found.engine)).rowcount == 1


def _finish(db, found: Action, was_midway: bool) -> str | None:
    what = f"action {found.id} ({found.command})"
    try:
        if found.state == "undoing":
            undo(db, found, force=True)  # its files were checked before the undo began
            return f"finished undoing {what}, left incomplete by a stopped plexsh"
        if found.state == "redoing":
            redo(db, found)
            return f"finished redoing {what}, left incomplete by a stopped plexsh"
        if found.state == "pending" and _copies_never_queued(db, found):
            roll_back(db, found, [s for s in found.steps if s.state == "done"])
            return f"rolled back {what}, left incomplete by a stopped plexsh (it stopped before queueing its copies)"
        if any(s.state == "planned" and s.op != "place" for s in found.steps):
            perform(db, found)
            return f"finished {what}, left incomplete by a stopped plexsh"
    except (StepProblem, UndoRefused, OSError) as error:
        reason = getattr(error, "message", None) or getattr(error, "strerror", None) or str(error)
        after = load_action(db, found.id)
        if after.state == "rolled-back":
            return f"rolled back {what}, left incomplete by a stopped plexsh: {reason}"
        return f"could not finish {what}, left incomplete by a stopped plexsh: {reason}"
    if was_midway and all(s.op == "place" or s.state != "planned" for s in found.steps):
        from plexsh.journal.steps import _settle_action

        _settle_action(db, found.id)
        if load_action(db, found.id).state == "done":  # it stopped right after its last step: say so too
            return f"finished {what}, left incomplete by a stopped plexsh"
    return None


def _records_for(db, step, state: str):
    """What the interrupted operation would have changed in the local copies' record with its mark
    (steps._inverse and _again do it in the mark's transaction): done here with the settled mark.
    A copy placed for the first time is recorded with its job (_placed_jobs_done)."""
    from plexsh.journal.steps import _forget_local, _record_local, relocated_by

    if step.op in ("move", "copy"):  # a local copy that organize moves: its record follows it
        return relocated_by(db, step, state)
    if step.op == "place" and step.state == "undoing" and state == "undone":
        return lambda: _forget_local(db, step.to)
    if step.op == "place" and step.state == "redoing" and state == "done":
        return lambda: _record_local(db, step)
    if step.op == "trash" and step.origin and step.state in ("doing", "redoing") and state == "done":
        return lambda: _forget_local(db, step.path)
    if step.op == "trash" and step.origin and step.state == "undoing" and state == "undone":
        return lambda: _record_local(db, step, step.path)
    return None


def _forget_checkpoints(partial: str) -> None:
    """The copier's state file of a copy that reached its place before plexsh stopped."""
    import os

    from plexsh.engine.tempnames import beside

    try:
        os.unlink(beside(partial, "state"))
    except FileNotFoundError:
        pass


def _copies_never_queued(db, found: Action) -> bool:
    """A get stopped after writing its action and before queueing a job: none of its copies will come."""
    from plexsh.library.pathtext import stored

    places = [stored(s.to) for s in found.steps if s.op == "place"]
    if not places or any(s.state != "planned" for s in found.steps if s.op == "place"):
        return False
    conn = getattr(db, "conn", db)
    marks = ", ".join("?" * len(places))
    return conn.execute(f"SELECT 1 FROM jobs WHERE destination IN ({marks}) AND created >= ? LIMIT 1",
                        (*places, found.at)).fetchone() is None


def _placed_jobs_done(db, found: Action) -> None:
    """A copy renamed into place before plexsh stopped, its job not yet marked done: the job is done
    (so it is not copied again) and the copy recorded as local. One query: the few unfinished jobs
    joined to this action's placed copies."""
    from plexsh.library.local import LocalFiles
    from plexsh.library.pathtext import loaded

    conn = getattr(db, "conn", db)
    rows = conn.execute(
        "SELECT j.id, j.file_id, j.source, s.target, s.size, s.sha256 FROM jobs j JOIN action_steps s "
        "ON s.target = j.destination AND s.op = 'place' AND s.state = 'done' AND s.action_id = ? "
        "WHERE j.state IN ('running', 'verifying', 'queued', 'stalled')", (found.id,)).fetchall()
    for job_id, file_id, source, target, size, sha256 in rows:
        now = time.time()
        with conn:
            conn.execute("UPDATE jobs SET state = 'done', pid = NULL, finished = ?, updated = ?, bytes_done = total, "
                         "sha256 = coalesce(?, sha256), last_error = NULL, error_kind = NULL WHERE id = ?",
                         (now, now, sha256, job_id))
        LocalFiles(db).record(file_id, loaded(source), loaded(target), size or 0, sha256)
