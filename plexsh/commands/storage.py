"""`storage` (or `status storage`): local space per destination, show and movie; what duplicates and cleanup would free; the trash."""

from __future__ import annotations

from plexsh.commands import command
from plexsh.commands.status import _trash
from plexsh.lang import ast
from plexsh.library import storage as space
from plexsh.render import format_size
from plexsh.reply import Reply

SHOWN_TITLES = 15  # the largest titles in the table; --json has them all


@command("storage", ast.Storage, usage="storage",
         summary="local space: per destination, show and movie; what duplicates and cleanup would free; the trash",
         details="storage          (also `status storage`)\n"
                 "Destinations: plexsh's copies under each and its file system's room.\n"
                 "Titles: the largest local films and shows (`--json` lists every one).\n"
                 "Would free: exact duplicates by recorded SHA-256 (`dupes` finds more), `recommend`'s cleanup\n"
                 "and archive suggestions, and `trash empty`.")
def storage(session, node) -> Reply:
    db = session.catalog.db
    destinations = space.destination_space(db, session.config.destinations)
    titles = space.title_space(db)
    reply = Reply("storage", data={"destinations": [d.as_dict() for d in destinations],
                                   "titles": [t.as_dict() for t in titles]})
    reply.table(["destination", "folder", "plexsh's copies", "used by them", "free", "of"],
                [[d.name, d.path, str(d.copies), format_size(d.bytes),
                  format_size(d.free) if d.free is not None else d.problem or "",
                  format_size(d.total) if d.total is not None else ""] for d in destinations],
                align=["left", "left", "right", "right", "right", "right"])
    if titles:
        shown = titles[:SHOWN_TITLES]
        more = len(titles) - len(shown)
        reply.table(["title", "kind", "files", "size"],
                    [[_label(t), "show" if t.kind == "show" else "movie", str(t.copies),
                      format_size(t.bytes)] for t in shown],
                    align=["left", "left", "right", "right"],
                    caption=f"and {more} more title{'s' if more != 1 else ''} (`storage --json` lists all)" if more else None)
    else:
        reply.say("no local copies yet: `get TITLE` makes one", "dim")
    _would_free(session, reply)
    return _trash(session, reply)


def _label(title) -> str:
    return f"{title.title} ({title.year})" if title.year else title.title


def _would_free(session, reply: Reply) -> None:
    """What the cleanup verbs would free, each with the command that does it."""
    from plexsh.commands.recommend import suggestions

    files, duplicated = space.duplicate_bytes(session.catalog.db)
    found = suggestions(session)
    cleanup = sum(r.get("bytes") or 0 for r in found if r["kind"] == "cleanup")
    archive = sum(r.get("bytes") or 0 for r in found if r["kind"] == "archive")
    reply.data["would_free"] = {"duplicates": {"files": files, "bytes": duplicated},
                                "cleanup": cleanup, "archive": archive}
    reply.say(f"duplicates: {files} redundant cop{'ies' if files != 1 else 'y'}, {format_size(duplicated)} "
              "(`dupes` finds and removes them)" if files else "duplicates: none among the recorded copies "
              "(`dupes` looks further)", "dim")
    if cleanup or archive:
        reply.say(f"recommendations would free {format_size(cleanup)} by cleanup"
                  + (f" and {format_size(archive)} by archiving" if archive else "")
                  + " (`recommend` lists them)", "dim")
