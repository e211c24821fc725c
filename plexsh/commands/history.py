"""`history [N]`: what plexsh did to files, newest first (id, time, command, files, bytes, undone); N: its steps."""

from __future__ import annotations

import time

from plexsh import journal
from plexsh.commands import command
from plexsh.errors import NotFound
from plexsh.lang import ast
from plexsh.render import format_size
from plexsh.reply import Reply

LIMIT = 50  # actions listed; `history N` shows any of them


@command("history", ast.History, usage="history [N]",
         summary="what plexsh did to files, newest first; `history N` shows one action's steps",
         details="history      every action: id, time, command, files, bytes, undone or not\n"
                 "history 12   action 12 step by step (each file operation and its state)")
def history(session, node: ast.History) -> Reply:
    db = session.catalog.db
    if node.id is not None:
        return _steps(db, node.id)
    found = journal.actions(db, limit=LIMIT)
    reply = Reply("history", data={"actions": [a.as_dict() for a in found]})
    if not found:
        return reply.say("nothing done to files yet: `get` and `rm` are recorded here", "dim")
    rows = [[str(a.id), when(a.at), a.command, str(a.files), format_size(a.bytes), state_word(a)] for a in found]
    return reply.table(["id", "time", "command", "files", "size", "state"], rows,
                       align=["right", "left", "left", "right", "right", "left"],
                       caption="`undo` reverts the newest; `history N` shows one")


def _steps(db, action_id: int) -> Reply:
    found = journal.action(db, action_id)
    if found is None:
        raise NotFound(f"no action {action_id}", "`history` lists them")
    reply = Reply("history", data={"action": found.as_dict(steps=True)})
    reply.say(f"action {found.id}, {when(found.at)}: {found.command} ({state_word(found)})", "title")
    rows = [[str(s.seq), s.op, s.state, s.where, "" if s.size is None or s.op in ("mkdir", "rmdir") else format_size(s.size),
             s.note or ""] for s in found.steps]
    return reply.table(["step", "op", "state", "path", "size", "note"], rows,
                       align=["right", "left", "left", "left", "right", "left"])


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def state_word(found) -> str:
    """done, undone, or how far a get's copies are (`3 of 5 placed`)."""
    if found.state == "pending":
        placed = [s for s in found.steps if s.op == "place"]
        if placed:
            return f"{sum(s.state == 'done' for s in placed)} of {len(placed)} placed"
    return found.state
