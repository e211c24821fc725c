"""The journal's file operations: each op done, undone and redone, checked first, and settled from the disk after a crash."""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path
from typing import Any, Iterable

from plexsh.errors import PlexError
from plexsh.journal.actions import Action, Step, action as load_action, crash_point, mark_action, mark_step

__all__ = ["HASH_CHECK_MAX", "StepProblem", "UndoRefused", "changed", "check_redo", "check_undo", "perform",
           "redo", "rename_no_replace", "settle", "undo"]

# Undo compares a file's size and modification time with the journal's, and its SHA-256 too when it is
# this small: hashing every copy of a season before undoing it would take minutes.
HASH_CHECK_MAX = 32 << 20


class StepProblem(PlexError):
    """One step that cannot be done, undone or redone, and why (one line)."""


class UndoRefused(PlexError):
    """Undo (or redo) of an action refused: `problems` lists (step, reason); nothing was touched."""

    def __init__(self, action: Action, problems: list[tuple[Step, str]], verb: str = "undo", forcible: bool = False):
        self.action, self.problems, self.forcible = action, problems, forcible
        count = len(problems)
        first = f"{problems[0][0].where}: {problems[0][1]}"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"cannot {verb} action {action.id} ({action.command}): {first}{more}",
                         f"`{verb} {action.id} force` does it anyway (nothing is overwritten: "
                         "changed files go to the trash)" if forcible else None)


# --- the file operations ------------------------------------------------------------------------


def rename_no_replace(source: str | Path, target: str | Path) -> None:
    """Rename, FileExistsError when anything is at `target` (the trash's atomic rename)."""
    from plexsh.journal.trash import rename_unless_taken

    rename_unless_taken(Path(source), Path(target))


def fingerprint(path: str | Path) -> dict[str, int]:
    """size and mtime_ns of a file, as the journal records them."""
    st = os.stat(path, follow_symlinks=False)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


# What changed() says of a file changed since: what `force` lets undo take anyway (to the trash).
_CHANGED = ("it changed since", "it was modified since", "its content changed since", "it is no longer a file")


def changed(path: str | Path, step: Step) -> str | None:
    """Why the file at PATH is not the one the step left there (None when it is): gone, another size,
    modified, or (for files up to HASH_CHECK_MAX) other bytes."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return "it is gone"
    if not stat.S_ISREG(st.st_mode):
        return "it is no longer a file"
    if step.size is not None and st.st_size != step.size:
        return f"it changed since (now {st.st_size:,} bytes, was {step.size:,})"
    if step.mtime_ns is not None and st.st_mtime_ns != step.mtime_ns:
        return "it was modified since"
    if step.sha256 and st.st_size <= HASH_CHECK_MAX:
        from plexsh.engine.plan import sha256_file

        if sha256_file(Path(path)) != step.sha256:
            return "its content changed since"
    return None


def home_of(db) -> Path:
    """The plexsh home whose trash the journal uses: the folder of its SQLite file (the demo has its own)."""
    conn = getattr(db, "conn", db)
    return Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent


def _trash():
    from plexsh.journal import trash

    return trash


def _trashed_by(db, step: Step, original: str):
    """The trash entry this step's action made of ORIGINAL (a crash may have come before its id was written)."""
    trash = _trash()
    if step.trash_id:
        found = trash.find(home_of(db), step.trash_id)
        if found is not None:
            return found
    matches = [e for e in trash.entries(home_of(db)) if str(e.original) == original and e.action_id == step.action_id]
    return max(matches, key=lambda e: e.deleted_at) if matches else None


def _send(db, step: Step, path: str):
    """PATH into the trash, the entry tagged with the step's action (recovery finds it by that)."""
    return _trash().send(Path(path), home=home_of(db), action_id=step.action_id)


def _forward(db, step: Step) -> dict[str, Any]:
    """Do a planned step; what to record about it."""
    if step.op == "trash":
        if not os.path.lexists(step.path):
            raise StepProblem(f"{step.path}: it is gone")
        entry = _send(db, step, step.path)
        values = {"trash_id": entry.id, "to": str(entry.path)}
        if step.origin:  # a local copy (rm): no longer one, in the transaction that marks the step
            values["also"] = lambda: _forget_local(db, step.path)
        return values
    if step.op == "move":
        rename_no_replace(step.path, step.to)
        return {**fingerprint(step.to), **_relocating(db, step, step.path, step.to)}
    if step.op == "copy":
        return _copy_forward(db, step)
    if step.op == "mkdir":
        try:
            os.mkdir(step.path)
        except FileExistsError:
            if not os.path.isdir(step.path):
                raise
            return {"note": "existed"}  # not made by plexsh: never removed by undo
        return {}
    if step.op == "rmdir":
        return _remove_folder(step.path)
    if step.op == "link":
        return _link(db, step)
    raise StepProblem(f"{step.where}: a {step.op} step is done by the transfer engine, not here")


def _remove_folder(path: str) -> dict[str, Any]:
    """rmdir when empty; a folder something else filled since is kept (and then never made again)."""
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return {"note": "gone"}
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
            return {"note": "kept: not empty"}
        raise
    return {}


def check_undo(db, step: Step, force: bool, freed: set[str] = frozenset()) -> str | None:
    """Why a done step cannot be undone now (None when it can). `force` passes files changed since, never
    a place where undo would put a file and something else is (unless FREED: a step undone before this
    one of the same undo empties it). A file gone since needs no undo and stops nothing."""
    if step.op in ("place", "move", "copy"):
        reason = changed(step.to, step)
        if reason == "it is gone":
            return None
        if reason and not force:
            return reason
        if step.op == "move" and os.path.lexists(step.path) and step.path not in freed:
            return f"something else is at {step.path} now"
        return None
    if step.op == "link":
        return _check_link_undo(db, step, force)
    if step.op == "trash":
        if step.note == "gone":  # there was nothing to trash
            return None
        if _trashed_by(db, step, step.path) is None:
            return "it is no longer in the trash (emptied?)"
        if os.path.lexists(step.path) and step.path not in freed:
            return "something else is there now"
    return None


def _frees(step: Step, undoing: bool) -> str | None:
    """The path a step empties when undone (UNDOING) or redone: a copy or a move's file leaving it on
    undo, a file going to the trash on redo."""
    if undoing and step.op in ("place", "move", "copy"):
        return step.to
    if not undoing and step.op == "trash":
        return step.path
    return None


def _inverse(db, step: Step, force: bool) -> dict[str, Any]:
    if step.op == "place":
        forget = lambda: _forget_local(db, step.to)  # noqa: E731  (in the transaction that marks the step)
        if not os.path.lexists(step.to):  # gone since: nothing to put in the trash
            return {"note": "gone", "also": forget}
        return {"trash_id": _send(db, step, step.to).id, "also": forget}
    if step.op == "trash":
        if step.note == "gone":
            return {}
        _put_back(db, step, step.path)
        if step.origin:  # a local copy rm took (of that source file): a recorded copy again
            return {"also": lambda: _record_local(db, step, step.path)}
        return {}
    if step.op == "move":
        if not os.path.lexists(step.to):
            return {"note": "gone"}
        rename_no_replace(step.to, step.path)
        return _relocating(db, step, step.to, step.path)
    if step.op == "copy":
        return _copy_inverse(db, step)
    if step.op == "mkdir":
        if step.note == "existed":
            return {}
        return _remove_folder(step.path)
    if step.op == "rmdir":
        if step.note in ("gone", "kept: not empty"):
            return {}
        os.makedirs(step.path, exist_ok=True)
        return {}
    if step.op == "link":
        return _unlink(db, step)
    raise ValueError(step.op)


def check_redo(db, step: Step, freed: set[str] = frozenset()) -> str | None:
    """Why an undone step cannot be done again now (None when it can); FREED as for check_undo."""
    if step.op in ("place", "move", "copy"):
        if step.note == "gone":
            return None
        if os.path.lexists(step.to) and step.to not in freed:
            return "something else is there now"
        if step.op in ("place", "copy") and _trashed_by(db, step, step.to) is None:
            return "its copy is no longer in the trash (emptied?)"
        if step.op == "move" and not os.path.lexists(step.path):
            return "it is gone"
    if step.op == "trash" and step.note != "gone" and not os.path.lexists(step.path):
        return "it is gone"
    if step.op == "link":
        return _check_link_redo(step)
    return None


def _problems(db, todo: list[Step], undoing: bool, force: bool = False) -> list[tuple[Step, str]]:
    """Each step of TODO that cannot be undone (or redone) now, checked in the order they will run."""
    problems, freed = [], set()
    for step in todo:
        reason = check_undo(db, step, force, freed) if undoing else check_redo(db, step, freed)
        if reason:
            problems.append((step, reason))
        elif (path := _frees(step, undoing)) is not None:
            freed.add(path)
    return problems


def _put_back(db, step: Step, path: str) -> None:
    """Rename the trash entry this step made of `path` back to `path`, never over anything there."""
    entry = _trashed_by(db, step, path)
    if entry is None:
        raise StepProblem(f"{path}: it is no longer in the trash (emptied?)")
    try:
        _trash().put_back(entry, home=home_of(db), to=Path(path))
    except FileExistsError:
        raise StepProblem(f"{path}: something else is there now; it is kept") from None


def _again(db, step: Step) -> dict[str, Any]:
    if step.op == "copy":
        return _copy_again(db, step)
    if step.op == "place":
        if step.note == "gone":
            return {}
        _put_back(db, step, step.to)
        return {"trash_id": None, "also": lambda: _record_local(db, step)}
    if step.op == "trash" and step.note == "gone":
        return {}
    if step.op in ("trash", "move", "rmdir", "link"):
        return _forward(db, step)
    if step.op == "mkdir":
        if step.note != "existed":
            os.makedirs(step.path, exist_ok=True)
        return {}
    raise ValueError(step.op)


def _forget_local(db, path: str) -> None:
    from plexsh.library.local import LocalFiles

    LocalFiles(db).forget(path)


def _record_local(db, step: Step, path: str | None = None) -> None:
    """A copy put back in place (at PATH, by default the step's `to`) is a local copy again, of the
    source file it came from (`origin`)."""
    from plexsh.library.local import LocalFiles

    LocalFiles(db).record(None, step.origin, path or step.to, step.size or 0, step.sha256)


# --- settling a step a crash interrupted -------------------------------------------------------------


def settle(db, step: Step) -> tuple[str, dict[str, Any]]:
    """The state a step in doing/undoing/redoing really reached, read from the disk (a rename either
    happened or not), and what to record with it."""
    happened = _happened(db, step)
    if step.state in ("doing", "redoing"):
        if happened is None:
            return ("done" if step.state == "doing" else "undone"), {}
        forward, values = happened
        if forward:
            return "done", values
        return ("planned" if step.state == "doing" else "undone"), {}
    if step.state == "undoing":
        if happened is None:
            return "undone", {}
        forward, values = happened
        return ("done" if forward else "undone"), ({} if forward else values)
    return step.state, {}


def _happened(db, step: Step) -> tuple[bool, dict[str, Any]] | None:
    """(whether the disk shows the step done, values to record): None when the disk cannot tell and
    either state is safe (a folder step)."""
    if step.op == "place":
        if step.state == "doing" and _linked_twice(step.path, step.to):  # stopped between link and unlink
            os.unlink(step.path)
        if os.path.lexists(step.to) and not os.path.lexists(step.path) and step.state != "undoing":
            return True, _safe_fingerprint(step.to)
        if step.state == "undoing":
            entry = _trashed_by(db, step, step.to)
            if not os.path.lexists(step.to) and entry is not None:
                return False, {"trash_id": entry.id}
            return True, {}
        if step.state == "redoing":
            return (os.path.lexists(step.to), {"trash_id": None} if os.path.lexists(step.to) else {})
        return False, {}
    if step.op == "trash":
        if os.path.lexists(step.path):
            return False, {}
        entry = _trashed_by(db, step, step.path)
        if entry is None:
            return True, {"note": "gone"}  # neither there nor in the trash: nothing to do or undo
        return True, {"trash_id": entry.id, "to": str(entry.path)}
    if step.op == "move":
        if os.path.lexists(step.to) and not os.path.lexists(step.path):
            return True, {}
        return False, {}
    if step.op == "copy":
        return _copy_happened(db, step)
    if step.op == "mkdir":
        return os.path.isdir(step.path), {}
    if step.op == "rmdir":
        return not os.path.lexists(step.path), {}
    if step.op == "link":
        return _link_happened(db, step)
    return None


def _linked_twice(partial: str, final: str) -> bool:
    """Whether the copy is under both names (a rename by link and unlink stopped halfway)."""
    try:
        return os.path.samefile(partial, final)
    except OSError:
        return False


def _safe_fingerprint(path: str) -> dict[str, int]:
    try:
        return fingerprint(path)
    except OSError:
        return {}


# --- link: a duplicate replaced by a link to the copy kept (dupes link) --------------------------------
# The step's `path` is the duplicate, `to` the copy kept. Done: the bytes compared, a link to `to` made
# beside `path` under a temporary name (a reflink where the file system clones, else a hard link), the
# duplicate sent to the trash, the link renamed into its place. Undone: the link removed, the duplicate
# put back from the trash. A crash leaves the duplicate at its place or in the trash, never lost.

FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


def link_temp(path: str) -> str:
    """The name a link waits under beside PATH until the duplicate is in the trash (short, hidden)."""
    import hashlib

    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:16]
    return os.path.join(os.path.dirname(path), f".plexsh-link-{digest}")


def clone_or_link(kept: str, target: str) -> str:
    """Make TARGET the same bytes as KEPT without copying them: a reflink (its own file, sharing the
    blocks) where the file system can, else a hard link; which one it made."""
    import fcntl

    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        source = os.open(kept, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            fcntl.ioctl(fd, FICLONE, source)
            st = os.fstat(source)
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
            os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
            return "reflink"
        except OSError:
            pass
        finally:
            os.close(source)
    finally:
        os.close(fd)
    os.unlink(target)
    os.link(kept, target, follow_symlinks=False)
    return "hard link"


def _link(db, step: Step) -> dict[str, Any]:
    from plexsh.dupes.exact import same_bytes

    if not os.path.lexists(step.path):
        raise StepProblem(f"{step.path}: it is gone")
    if not os.path.lexists(step.to):
        raise StepProblem(f"{step.to}: the copy kept is gone; nothing was changed")
    if os.path.samefile(step.path, step.to):
        return {"note": "one file already"}
    if not same_bytes(step.path, step.to):  # the compare before anything is replaced
        raise StepProblem(f"{step.path}: its bytes are not those of {step.to} (any more); nothing was changed")
    temp = link_temp(step.path)
    if os.path.lexists(temp):
        os.unlink(temp)  # a link a stopped plexsh left: plexsh's own name
    try:
        how = clone_or_link(step.to, temp)
    except OSError as error:
        raise StepProblem(f"{step.path}: cannot link it to {step.to}: {error.strerror or error}; "
                          "nothing was changed") from None
    try:
        entry = _send(db, step, step.path)
    except OSError:
        os.unlink(temp)
        raise
    rename_no_replace(temp, step.path)
    return {"trash_id": entry.id, "note": how, **fingerprint(step.path)}


def _unlink(db, step: Step) -> dict[str, Any]:
    """The link removed (to the trash when its bytes changed since, with `force`), the duplicate put back."""
    if step.note == "one file already":
        return {}
    original = _trashed_by(db, step, step.path)  # found first: a changed link may join it in the trash
    if original is None:
        raise StepProblem(f"{step.path}: the duplicate it replaced is no longer in the trash (emptied?)")
    if os.path.lexists(step.path):
        linked = os.path.lexists(step.to) and os.path.samefile(step.path, step.to)
        if linked or changed(step.path, step) is None:
            os.unlink(step.path)  # a name of the kept copy, or a clone of bytes the trash holds too
        else:
            _send(db, step, step.path)
    try:
        _trash().put_back(original, home=home_of(db), to=Path(step.path))
    except FileExistsError:
        raise StepProblem(f"{step.path}: something else is there now; it is kept") from None
    return {}


def _check_link_undo(db, step: Step, force: bool) -> str | None:
    if step.note == "one file already":
        return None
    reason = changed(step.path, step)
    if reason and reason != "it is gone" and not force:
        return reason
    if _trashed_by(db, step, step.path) is None:
        return "the duplicate it replaced is no longer in the trash (emptied?)"
    return None


def _check_link_redo(step: Step) -> str | None:
    if step.note == "one file already":
        return None
    if not os.path.lexists(step.path):
        return "it is gone"
    if not os.path.lexists(step.to):
        return f"the copy kept ({step.to}) is gone"
    return None


def _link_happened(db, step: Step) -> tuple[bool, dict[str, Any]]:
    """Read from the disk: the duplicate in the trash and a file at its place is a link made; the
    duplicate in the trash and nothing at its place is finished here (the waiting link renamed in,
    or the duplicate put back when there is none)."""
    temp = link_temp(step.path)
    entry = _trashed_by(db, step, step.path)
    if step.state == "undoing":
        return (entry is not None), {}
    if entry is None:  # the duplicate never left: a link made beside it is plexsh's own and goes
        if os.path.lexists(temp):
            os.unlink(temp)
        return False, {}
    if not os.path.lexists(step.path):
        if os.path.lexists(temp):
            rename_no_replace(temp, step.path)
        else:
            _put_back(db, step, step.path)
            return False, {}
    return True, {"trash_id": entry.id, **_safe_fingerprint(step.path)}


# --- running an action's steps ---------------------------------------------------------------------


def _run(db, step: Step, going: str, ending: str, operation) -> Step:
    """Mark the step GOING, do the operation, mark it ENDING with what it learnt: each mark its own
    transaction, the operation between them (the crash hook stops a test's plexsh around it)."""
    step = mark_step(db, step, going)
    crash_point("before")
    values = operation()
    crash_point("after")
    return mark_step(db, step, ending, **values)  # `also` among them: in the same transaction


def perform(db, action: Action, ops: Iterable[str] | None = None) -> Action:
    """Do the action's planned steps (of OPS only, if given) in order; the action is done when no step
    is left planned. A step that fails puts back the ones done before it and the action is rolled
    back; its one-line reason is raised (StepProblem), nothing half done is left."""
    ops = set(ops) if ops is not None else None
    with _trash().synced_once():
        _perform(db, action, ops)
    return _settle_action(db, action.id)


def _perform(db, action: Action, ops: set[str] | None) -> list[Step]:
    done: list[Step] = []
    for step in action.steps:
        if step.state != "planned" or step.op == "place" or (ops is not None and step.op not in ops):
            continue
        try:
            done.append(_run(db, step, "doing", "done", lambda s=step: _forward(db, s)))
        except (OSError, StepProblem) as error:
            mark_step(db, step, "planned")  # the operation failed: it did not happen
            roll_back(db, action, done)
            if isinstance(error, StepProblem):
                raise
            raise StepProblem(f"{step.where}: {error.strerror or error}; nothing was changed") from None
    return done


def roll_back(db, action: Action, done: list[Step], state: str = "rolled-back") -> None:
    """Undo DONE (steps of ACTION just done, unchecked: they are the action's own) and end the action in STATE."""
    for step in reversed(done):
        _run(db, step, "undoing", "undone", lambda s=step: _inverse(db, s, True))
    mark_action(db, action.id, state)


def _settle_action(db, action_id: int) -> Action:
    """The action's state from its steps: pending while some are planned, done when none is."""
    found = load_action(db, action_id)
    state = "pending" if any(s.state == "planned" for s in found.steps) else "done"
    if found.state != state:
        mark_action(db, action_id, state)
    return load_action(db, action_id)


def undo(db, action: Action, force: bool = False) -> Action:
    """Undo the action's done steps, last first. Every step is checked before any is touched: a file
    changed since (size, mtime, SHA-256) refuses the whole undo (UndoRefused, one reason per file)
    unless `force`; a place where a file would go back and something else is refuses always."""
    from plexsh.engine.jobs import engine_identity

    todo = [s for s in reversed(action.steps) if s.state in ("done", "undoing")]
    problems = _problems(db, todo, True, force)
    if problems:
        forcible = not force and all(r.startswith(_CHANGED) for _, r in problems)
        raise UndoRefused(action, problems, "undo", forcible)
    mark_action(db, action.id, "undoing", engine=engine_identity())
    with _trash().synced_once():
        run_grouped(db, todo, "undoing", "undone", lambda s: _inverse(db, s, force), "done")
    mark_action(db, action.id, "undone", undone_at=time.time())
    return load_action(db, action.id)


def redo(db, action: Action) -> Action:
    """Do again the steps an undo undid, in their order; checked first as undo is (UndoRefused)."""
    from plexsh.engine.jobs import engine_identity

    todo = [s for s in action.steps if s.state in ("undone", "redoing")]
    problems = _problems(db, todo, False)
    if problems:
        raise UndoRefused(action, problems, "redo")
    mark_action(db, action.id, "redoing", engine=engine_identity())
    with _trash().synced_once():
        run_grouped(db, todo, "redoing", "done", lambda s: _again(db, s), "undone")
    mark_action(db, action.id, "done", undone_at=None)
    return load_action(db, action.id)


# --- local copies that move: the record follows the file (organize) ------------------------------------


def _relocating(db, step: Step, old: str, new: str) -> dict[str, Any]:
    """A step whose file is a local copy (it has an `origin`): its record moves from OLD to NEW in the
    transaction that marks the step."""
    if not step.origin:
        return {}
    return {"also": lambda: relocate_local(db, old, new)}


def relocate_local(db, old: str, new: str) -> None:
    """The local copy recorded at OLD is now at NEW (a record left at NEW before is replaced)."""
    from plexsh.library.pathtext import stored

    getattr(db, "conn", db).execute("UPDATE OR REPLACE local_files SET path = ? WHERE path = ?",
                                    (stored(str(new)), stored(str(old))))


def relocated_by(db, step: Step, state: str):
    """What settling a move or copy of a local copy to STATE changes in the record (recover marks it)."""
    if not step.origin or step.op not in ("move", "copy"):
        return None
    if step.state in ("doing", "redoing") and state == "done":
        return lambda: relocate_local(db, step.path, step.to)
    if step.state == "undoing" and state == "undone":
        return lambda: relocate_local(db, step.to, step.path)
    return None


# --- copy: a file to another file system, verified before it takes its name -------------------------------


def copying_name(final: str | Path) -> Path:
    """The hidden name a copy step writes under, beside its final name (settle removes one left behind)."""
    import hashlib

    final = Path(final)
    return final.with_name(f".plexsh-{hashlib.sha256(os.fsencode(final.name)).hexdigest()[:16]}.copying")


def _copy_forward(db, step: Step) -> dict[str, Any]:
    """Copy, fsync, read back and compare SHA-256s, keep the times, then rename into place (never over anything)."""
    import shutil

    from plexsh.engine.plan import sha256_file

    partial = copying_name(step.to)
    try:
        digest = _copy_hashing(step.path, partial)
        if sha256_file(partial) != digest:
            raise StepProblem(f"{step.to}: the copy read back differs from {step.path}; nothing was changed")
        shutil.copystat(step.path, partial, follow_symlinks=False)
        rename_no_replace(partial, step.to)
    except BaseException:
        _unlink_quietly(partial)
        raise
    return {**fingerprint(step.to), "sha256": digest, **_relocating(db, step, step.path, step.to)}


def _copy_hashing(source: str, target: Path, chunk: int = 1 << 20) -> str:
    """Copy SOURCE to a new file TARGET, fsynced; the SHA-256 of the bytes as read."""
    import hashlib

    from plexsh import interrupt

    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(source, "rb", buffering=0) as src, open(target, "xb", buffering=0) as out:
        while n := src.readinto(buffer):
            digest.update(view[:n])
            out.write(view[:n])
            interrupt.check()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _copy_inverse(db, step: Step) -> dict[str, Any]:
    """Undo a copy: the copy to the trash (its original is back by then: its trash step is undone first)."""
    back = _relocating(db, step, step.to, step.path)
    if not os.path.lexists(step.to):
        return {"note": "gone", **back}
    return {"trash_id": _send(db, step, step.to).id, **back}


def _copy_again(db, step: Step) -> dict[str, Any]:
    if step.note == "gone":
        return {}
    _put_back(db, step, step.to)
    return {"trash_id": None, **_relocating(db, step, step.path, step.to)}


def _copy_happened(db, step: Step) -> tuple[bool, dict[str, Any]]:
    """A copy step a stop interrupted: its rename into place is its last act, so `to` says whether it
    happened; a partial left behind is removed."""
    if step.state == "doing":
        _unlink_quietly(copying_name(step.to))
        if os.path.lexists(step.to):
            from plexsh.engine.plan import sha256_file

            return True, {**_safe_fingerprint(step.to), "sha256": sha256_file(Path(step.to))}
        return False, {}
    if step.state == "undoing":
        entry = _trashed_by(db, step, step.to)
        if not os.path.lexists(step.to) and entry is not None:
            return False, {"trash_id": entry.id}
        return True, {}
    return os.path.lexists(step.to), ({"trash_id": None} if os.path.lexists(step.to) else {})


# --- many renames: their marks batched ---------------------------------------------------------------


BATCH = 512  # renames whose doing and done marks share one transaction each


def perform_batched(db, action: Action, batch: int = BATCH) -> Action:
    """perform(), with runs of move steps marked doing and done BATCH at a time (two transactions per
    batch instead of two per file: 10,000 renames in a second, not twelve). A kill leaves up to a batch
    of steps marked doing: settle() reads each from the disk, a rename either happened or not."""
    with _trash().synced_once():
        todo = [s for s in action.steps if s.state == "planned" and s.op != "place"]
        try:
            run_grouped(db, todo, "doing", "done", lambda s: _forward(db, s), "planned", batch)
        except (OSError, StepProblem) as error:
            roll_back(db, action, getattr(error, "done_in_batch", []))
            if isinstance(error, StepProblem):
                raise
            failed = getattr(error, "step", None)
            raise StepProblem(f"{failed.where if failed else action.command}: {error.strerror or error}; "
                              "nothing was changed") from None
    conn = getattr(db, "conn", db)
    if conn.execute("SELECT 1 FROM action_steps WHERE action_id = ? AND state = 'planned' LIMIT 1",
                    (action.id,)).fetchone() is None:
        mark_action(db, action.id, "done")  # without reading its 10,000 steps twice, as _settle_action would
    return load_action(db, action.id)


def run_grouped(db, steps: list[Step], going: str, ending: str, operation, before: str,
                batch: int = BATCH) -> list[Step]:
    """Run STEPS in order, consecutive moves BATCH at a time (_run_batch), the others one by one (_run).
    When one fails, the error carries `done_in_batch`: every step this call finished, in order."""
    done: list[Step] = []
    at = 0
    while at < len(steps):
        run = [steps[at]]
        if steps[at].op == "move":
            while len(run) < batch and at + len(run) < len(steps) and steps[at + len(run)].op == "move":
                run.append(steps[at + len(run)])
        at += len(run)
        try:
            done += _run_batch(db, run, going, ending, operation, before)
        except (OSError, StepProblem) as error:
            error.done_in_batch = done + getattr(error, "done_in_batch", [])
            raise
    return done


def _run_batch(db, steps: list[Step], going: str, ending: str, operation, before: str) -> list[Step]:
    """Mark STEPS GOING in one transaction, do each operation (the crash hook around each), mark them
    ENDING in one transaction with what each learnt. When one fails, those done are marked ENDING, those
    not begun BEFORE again, the failed one too when BEFORE is "planned" (a forward operation that failed
    did not happen; an undo's is left for settle, as _run leaves it), and the error (with
    `done_in_batch`, `step`) is raised."""
    if len(steps) == 1:
        try:
            return [_run(db, steps[0], going, ending, lambda: operation(steps[0]))]
        except (OSError, StepProblem) as error:
            if before == "planned":
                mark_step(db, steps[0], before)
            error.done_in_batch, error.step = [], steps[0]
            raise
    going_steps = _mark_many(db, [(s, going, {}) for s in steps])
    finished: list[tuple[Step, dict]] = []
    for step in going_steps:
        crash_point("before")
        try:
            values = operation(step)
        except (OSError, StepProblem) as error:
            later = going_steps[len(finished) + (0 if before == "planned" else 1):]
            marked = _mark_many(db, [(s, ending, v) for s, v in finished] + [(s, before, {}) for s in later])
            error.done_in_batch, error.step = marked[:len(finished)], step
            raise
        crash_point("after")
        finished.append((step, values))
    return _mark_many(db, [(s, ending, v) for s, v in finished])


def _mark_many(db, marks: list[tuple[Step, str, dict]]) -> list[Step]:
    """Several steps' marks (each with its values and `also`) in one transaction: one statement per
    set of columns, the `also`s after them in order."""
    from plexsh.journal.actions import _STEP_FIELDS, _conn, _stored

    out, statements, alsos = [], {}, []
    for step, state, values in marks:
        values = dict(values)
        also = values.pop("also", None)
        values = {"state": state, **values}
        sets = ", ".join(f"{_STEP_FIELDS[key]} = ?" for key in values)
        statements.setdefault(sets, []).append(
            (*[_stored(v) if key == "to" else v for key, v in values.items()], step.id))
        if also is not None:
            alsos.append(also)
        out.append(_changed_step(step, values))
    with _conn(db) as conn:
        for sets, rows in statements.items():
            conn.executemany(f"UPDATE action_steps SET {sets} WHERE id = ?", rows)
        for also in alsos:
            also()
    return out


def _changed_step(step: Step, values: dict[str, Any]) -> Step:
    """STEP with VALUES (dataclasses.replace, without its per-field checks: a batch makes thousands)."""
    changed_step = object.__new__(Step)
    changed_step.__dict__.update(step.__dict__)
    changed_step.__dict__.update(values)
    return changed_step
