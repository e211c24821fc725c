"""`trash`: what plexsh's trash holds; `trash restore ID...|all` puts entries back; `trash empty` deletes for good."""

from __future__ import annotations

import time

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.home import home_dir
from plexsh.journal import trash as store
from plexsh.lang import ast
from plexsh.render import format_age, format_size
from plexsh.reply import Reply


@command("trash", ast.Trash, usage="trash [restore ID...|all] [empty [older-than AGE] [yes]]",
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


def trash_home(session) -> object:
    """The plexsh home whose trash this session uses: the folder of its catalog."""
    return session.database.parent if session.database is not None else home_dir()


def _list(home) -> Reply:
    items = store.entries(home)
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
    restored, refused = _put_back(home, chosen)
    reply = Reply("trash", data={"restored": [{"id": i.id, "original": str(i.original), "size": i.size}
                                              for i in restored],
                                 "refused": [{"id": i.id, "original": str(i.original), "reason": why}
                                             for i, why in refused]})
    for item in restored:
        reply.say(f"restored {item.original}", "good")
    for item, why in refused:
        reply.say(f"not restored {item.original}: {why}", "warn")
    if refused:
        reply.ok = False
        reply.error = (f"{len(refused)} of {len(chosen)} not restored: "
                       + ("something is at the original place" if all("already" in why for _, why in refused)
                          else refused[0][1]))
        reply.hint = "move what is there away, then `trash restore` again"
    return reply


def _put_back(home, chosen: list) -> tuple[list, list]:
    """Put each entry back; those whose place is taken (or cannot be reached) stay, with the reason."""
    restored, refused = [], []
    for item in chosen:
        try:
            store.put_back(item, home=home)
        except FileExistsError:
            refused.append((item, "something is already at the original place"))
        except OSError as error:
            refused.append((item, error.strerror or str(error)))
        else:
            restored.append(item)
    return restored, refused


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
