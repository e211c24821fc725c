"""`undo [N] [force]`: revert the last action, or N and the later ones that touch its files; nothing is overwritten."""

from __future__ import annotations

import time

from plexsh import journal
from plexsh.commands import command
from plexsh.errors import NotFound, PlexError
from plexsh.lang import ast
from plexsh.render import format_size
from plexsh.reply import Reply

UNDOABLE = ("done", "pending", "undoing")
_STOP_WAIT = 60.0  # seconds a cancelled copy gets to stop before undo gives up on it


@command("undo", ast.Undo, usage="undo [N] [force]",
         summary="revert the last action (a get's copies go to the trash, an rm's files come back)",
         details="undo           the newest action not undone\n"
                 "undo 12        action 12, and first every later one that touches the same files\n"
                 "undo 12 force  even files changed since (they go to the trash, never deleted)")
def undo(session, node: ast.Undo) -> Reply:
    db = session.catalog.db
    target = _target(db, node.id)
    chain = [*dependents(db, target), target]  # newest first: the later ones are undone before it
    reply = Reply("undo", data={"undone": [], "actions": []})
    for found in chain:
        found = _stop_copies(session, db, found)
        try:
            done = journal.undo(db, found, force=node.force)
        except journal.UndoRefused as error:
            return refused(reply, error)
        reply.data["undone"].append(done.id)
        reply.data["actions"].append(done.as_dict())
        reply.say(f"undid action {done.id} ({done.command}): {_what(done)}", "good")
    return reply


def refused(reply: Reply, error) -> Reply:
    """An undo or redo refused: the first file in the error line, then one line per file with its reason."""
    reply.ok, reply.error, reply.hint = False, error.message, error.hint
    reply.data["refused"] = [{"action": error.action.id, "path": step.where, "reason": reason}
                             for step, reason in error.problems]
    if len(error.problems) > 1:
        for step, reason in error.problems:
            reply.say(f"{step.where}: {reason}", "bad")
    return reply


def _target(db, action_id: int | None):
    if action_id is None:
        latest = journal.actions(db, states=UNDOABLE, limit=1)
        if not latest:
            raise PlexError("nothing to undo", "`history` shows what plexsh did")
        return latest[0]
    found = journal.action(db, action_id)
    if found is None:
        raise NotFound(f"no action {action_id}", "`history` lists them")
    if found.state == "undone":
        raise PlexError(f"action {action_id} is undone already", "`redo` does the last undone action again")
    if found.state not in UNDOABLE:
        raise PlexError(f"action {action_id} changed nothing ({found.state}): nothing to undo")
    return found


def dependents(db, target) -> list:
    """The actions after TARGET, not undone, that touch a path it touched or one of theirs does, newest
    first: undoing TARGET alone would pull files from under them."""
    paths = target.paths()
    found = []
    for later in reversed(journal.actions(db, states=UNDOABLE, after=target.id)):
        if later.paths() & paths:
            found.append(later)
            paths |= later.paths()
    return list(reversed(found))


def _stop_copies(session, db, found):
    """A get whose copies are still on their way: its jobs are cancelled (their partials discarded) and
    waited for, so that none lands after the undo; the action as it then is."""
    waiting = [s.to for s in found.steps if s.op == "place" and s.state in ("planned", "doing")]
    if not waiting:
        return found
    from plexsh import transfers
    from plexsh.engine.jobs import FINISHED

    _refuse_elsewhere(session, found, set(waiting))
    sup = transfers.supervisor(session)
    wanted = set(waiting)
    ids = [v.id for v in sup.active() if v.destination in wanted]
    if ids:
        sup.cancel(ids, discard=True)
        deadline = time.monotonic() + _STOP_WAIT
        while any(sup.view(i).state not in FINISHED for i in ids):
            if time.monotonic() > deadline:
                raise PlexError(f"the copies of action {found.id} did not stop in time", "try `undo` again")
            time.sleep(0.05)
            for i in ids:  # a copy being verified is not cancelled: it lands, and is undone with the rest
                if sup.view(i).state in ("queued", "stalled", "paused"):
                    sup.cancel([i], discard=True)
    return journal.action(db, found.id)


def _refuse_elsewhere(session, found, destinations: set[str]) -> None:
    """Copies of the get that another running plexsh (a shell) is making: only it can stop them."""
    from plexsh import transfers
    from plexsh.engine.jobs import engine_alive, engine_identity

    me = engine_identity()
    for job in transfers.job_store(session).jobs(("running", "verifying", "paused")):
        if job.destination in destinations and job.engine not in (None, me) and engine_alive(job.engine):
            raise PlexError(f"action {found.id}'s copies are being made by another plexsh (pid "
                            f"{job.engine.partition(':')[0]})", "undo it there, or once its copies are done")


def _what(done) -> str:
    """What the undo did, in words: `3 copies (1.4 MiB) to the trash`, `2 files back from the trash`."""
    undone = [s for s in done.steps if s.state == "undone" and s.note != "gone"]
    parts = []
    copies = [s for s in undone if s.op == "place"]
    if copies:
        parts.append(f"{_count(len(copies), 'copy', 'copies')} ({format_size(sum(s.size or 0 for s in copies))}) "
                     "to the trash")
    back = [s for s in undone if s.op == "trash"]
    if back:
        parts.append(f"{_count(len(back), 'file', 'files')} back from the trash")
    linked = [s for s in undone if s.op == "link" and s.note != "one file already"]
    if linked:
        parts.append(f"{_count(len(linked), 'file', 'files')} back in place of {'its link' if len(linked) == 1 else 'their links'}")
    moved = [s for s in undone if s.op == "move"]
    if moved:
        parts.append(f"{_count(len(moved), 'file', 'files')} moved back")
    folders = [s for s in undone if s.op == "mkdir" and not s.note]
    if folders:
        parts.append(f"{_count(len(folders), 'empty folder', 'empty folders')} removed")
    made = [s for s in undone if s.op == "rmdir" and not s.note]
    if made:
        parts.append(f"{_count(len(made), 'folder', 'folders')} made again")
    gone = [s for s in done.steps if s.state == "undone" and s.note == "gone" and s.op in ("place", "move")]
    if gone:
        parts.append(f"{_count(len(gone), 'file was', 'files were')} gone already")
    return ", ".join(parts) or "nothing was left to undo"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
