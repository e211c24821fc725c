"""`trash`: what plexsh's trash holds; `trash restore ID...|all` puts entries back; `trash empty` deletes for good."""

from __future__ import annotations

import os
import time
from pathlib import Path

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.journal import trash as store
from plexsh.lang import ast
from plexsh.render import format_age, format_size
from plexsh.reply import Reply


ANSWER_SECONDS = 5.0  # a trash at the top of a mount that stopped answering is given up after this


@command("trash", ast.Trash, usage="trash [restore ID...|all | empty [older-than AGE] [yes]]",
         summary="list, restore or empty what rm and undo sent to the trash",
         details="trash                         what is in it: id, where it was, size, age\n"
                 "trash restore k3m9ab          put that entry back where it was (undo reverses it)\n"
                 "trash restore all             put everything back\n"
                 "trash empty older-than 30d    delete for good what went to it 30 days ago or more\n"
                 "trash empty yes               delete all for good without asking (scripts must say yes)")
def trash(session, node: ast.Trash) -> Reply:
    home = trash_home(session)
    if node.action == "restore":
        return _restore(session, home, node)
    if node.action == "empty":
        return _empty(session, home, node)
    return _list(home)


def trash_home(session) -> Path:
    """The plexsh home whose trash this session uses, as the journal's: the folder of its catalog (the
    demo has its own)."""
    return Path(session.database).parent


def _list(home) -> Reply:
    try:
        items = store.entries_within(home, ANSWER_SECONDS)
    except OSError as error:
        raise PlexError(f"cannot read the trash: {error}") from None
    if items is None:
        raise PlexError(f"a trash folder did not answer within {ANSWER_SECONDS:.0f} s (a dead mount?)",
                        "`doctor` checks the destinations")
    now = time.time()
    reply = Reply("trash", data={"entries": [_entry(item, now) for item in items],
                                 "files": len(items), "bytes": sum(item.size for item in items)})
    if not items:
        return reply.say("the trash is empty", "dim")
    rows = [[item.id, str(item.original), format_size(item.size), format_age(max(now - item.deleted_at, 0))]
            for item in reversed(items)]
    return reply.table(["id", "was at", "size", "age"], rows, align=["left", "left", "right", "right"],
                       caption=f"{len(items)} in the trash, {format_size(reply.data['bytes'])}; "
                               "`trash restore ID` puts one back")


def _entry(item, now: float) -> dict:
    return {"id": item.id, "original": str(item.original), "size": item.size, "deleted_at": item.deleted_at,
            "age": max(now - item.deleted_at, 0), "action": item.action_id, "trashed_as": str(item.path)}


def _restore(session, home, node: ast.Trash) -> Reply:
    if node.ids == "all":
        chosen = store.entries(home)
        if not chosen:
            raise PlexError("the trash is empty: nothing to restore")
    else:
        chosen = []
        for id in node.ids:
            item = store.find(home, id)
            if item is None:
                raise PlexError(f"nothing in the trash has the id {id}", "`trash` lists the ids")
            chosen.append(item)
    restored, refused = _restore_journaled(session, chosen)
    reply = Reply("trash", data={"restored": [{"id": i.id, "original": str(i.original), "size": i.size}
                                              for i in restored],
                                 "refused": [{"id": i.id, "original": str(i.original), "reason": why}
                                             for i, why in refused]})
    for item in restored:
        reply.say(f"restored {item.original}", "good")
    for item, why in refused:
        reply.say(f"not restored {item.original}: {why}", "warn")
    if restored:
        reply.say("`undo` sends them back to the trash" if len(restored) > 1 else "`undo` sends it back to the trash",
                  "dim")
    if refused:
        reply.ok = False
        reply.error = (f"{len(refused)} of {len(chosen)} not restored: "
                       + ("something is at the original place" if all(why == TAKEN for _, why in refused)
                          else refused[0][1]))
        reply.hint = "move what is there away, then `trash restore` again"
    return reply


TAKEN = "something is already at the original place"


def _restore_journaled(session, chosen: list) -> tuple[list, list]:
    """Put entries back as one journaled action (so `undo` sends them back): the missing folders made,
    then each entry renamed to its original place. Those whose place is taken stay, with the reason.
    A copy `rm` took is a recorded local copy again."""
    from plexsh import journal

    restored = [item for item in chosen if not os.path.lexists(item.original)]
    refused = [(item, TAKEN) for item in chosen if item not in restored]
    if not restored:
        return restored, refused
    steps = [journal.mkdir_step(folder) for folder in journal.folders_to_make(i.original for i in restored)]
    steps += [journal.move_step(item.path, item.original) for item in restored]
    db = session.catalog.db
    action = journal.record(db, "trash", session.command_text or "trash restore", steps)
    journal.perform(db, action)
    _record_again(session, restored)
    from plexsh.commands._usage import analytics
    from plexsh.usage.records import record

    for item in restored:
        record(session.catalog, item.original, "restore", {"trash_id": item.id, "action": action.id},
               analytics=analytics(session))
    return restored, refused


def _record_again(session, restored: list) -> None:
    """Entries a journaled `rm` trashed were recorded local copies (of the source file its step names)."""
    from plexsh import journal
    from plexsh.library.local import local_files

    store = local_files(session.catalog)
    for item in restored:
        if item.action_id is None:
            continue
        found = journal.action(session.catalog.db, item.action_id)
        for step in found.steps if found is not None and found.verb in ("rm", "dupes") else ():
            if step.op == "trash" and step.path == str(item.original) and step.origin:
                store.record(None, step.origin, step.path, item.size, step.sha256)


def _empty(session, home, node: ast.Trash) -> Reply:
    cutoff = None if node.older_than is None else time.time() - node.older_than
    doomed = [item for item in store.entries(home) if cutoff is None or item.deleted_at <= cutoff]
    which = "" if node.older_than is None else f" older than {format_age(node.older_than)}"
    if not doomed:
        return Reply("trash", data={"deleted": 0, "bytes": 0}).say(f"nothing in the trash{which}", "dim")
    size = sum(item.size for item in doomed)
    what = f"{len(doomed)} entr{'ies' if len(doomed) != 1 else 'y'} ({format_size(size)}){which}"
    if not node.yes:
        ask = getattr(session.renderer, "confirm", None)
        if ask is None:
            raise PlexError(f"`trash empty` deletes {what} for good: add `yes` to confirm",
                            "trash empty" + ("" if node.older_than is None else " older-than ...") + " yes")
        if not ask(f"Delete {what} for good? This cannot be undone. [y/N] "):
            return Reply("trash", data={"deleted": 0, "bytes": 0}).say("nothing deleted", "dim")
    count, freed = store.empty(home, older_than=node.older_than)
    return Reply("trash", data={"deleted": count, "bytes": freed}).say(
        f"deleted {count} entr{'ies' if count != 1 else 'y'} for good, {format_size(freed)} freed", "note")
