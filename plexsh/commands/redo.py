"""`redo`: the last undone action, done again (copies back from the trash, files to it)."""

from __future__ import annotations

from plexsh import journal
from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.reply import Reply


@command("redo", ast.Redo, usage="redo", summary="do the last undone action again",
         details="redo   after `undo`: the same files back where that action put them")
def redo(session, node: ast.Redo) -> Reply:
    db = session.catalog.db
    undone = journal.actions(db, states=("undone", "redoing"))
    if not undone:
        raise PlexError("nothing to redo", "`history` shows what was undone")
    last = max(undone, key=lambda a: (a.undone_at or 0, a.id))
    reply = Reply("redo", data={"redone": [], "actions": []})
    try:
        done = journal.redo(db, last)
    except journal.UndoRefused as error:
        from plexsh.commands.undo import refused

        return refused(reply, error)
    reply.data.update(redone=[done.id], actions=[done.as_dict()])
    return reply.say(f"redid action {done.id} ({done.command})", "good")
