"""`organize [[movie|tv] TITLE | all] [dry-run] [replace] [yes]`: local copies moved into the layout the rules give, one undoable action."""

from __future__ import annotations

import os

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.render import format_size
from plexsh.reply import Reply

SHOWN = 40  # moves listed in the plan's table; --json has them all


@command("organize", ast.Organize, usage="organize [[movie|tv] TITLE | all] [dry-run] [replace] [yes]",
         summary="move local copies into the layout of the config's rules (Plex's naming by default)",
         details='organize                     the plan for every local copy, then (in the shell) asks\n'
                 'organize "Breaking Bad"      only that title\'s copies\n'
                 "organize all dry-run         the plan only, nothing moved\n"
                 "organize all yes             apply without asking (scripts only show the plan without yes)\n"
                 "organize all replace yes     a file already at a place goes to the trash (else it is skipped)\n"
                 "The plan shows from -> to, conflicts and totals; applying it is one action: `undo` puts every\n"
                 "file back. Rules and template fields: docs/organize.md.")
def organize(session, node: ast.Organize) -> Reply:
    from plexsh.organize.plan import make_plan

    config = session.config
    item = resolve_title(session.catalog, node.title, node.kind, "organize") if node.title is not None else None
    sources = [s for found in config.sources.values() for s in found]
    _refuse_roots([r.root for r in config.organize if r.root], sources)
    plan = make_plan(session.catalog.db, config.organize, config.destinations, sources,
                     item_id=None if item is None else item.id, replace_existing=node.replace)
    what = label(item) if item is not None else "the local copies"
    reply = _shown(Reply("organize", data={"title": None if item is None else item.as_dict(),
                                           "dry_run": node.dry_run, "totals": plan.totals(),
                                           "entries": [e.as_dict() for e in plan.entries],
                                           "folders_made": [str(f) for f in plan.make],
                                           "folders_removed": [str(f) for f in plan.empty], "action": None}), plan)
    moves = len(plan.moves)
    if not moves:
        if not plan.entries:
            raise PlexError(f"nothing to organize: {label(item)} has no local copy" if item is not None
                            else "nothing to organize: there is no local copy",
                            "`get` makes local copies; `show` marks them with ✅")
        if plan.totals()["in_place"] < len(plan.entries):
            return reply.say("nothing to move", "note")
        return reply.say(f"nothing to move: {what} {'is' if item else 'are'} where the rules put "
                         f"{'it' if item else 'them'}", "note")
    if node.dry_run:
        return reply.say("nothing moved (dry-run)", "note")
    if not node.yes:
        ask = getattr(session.renderer, "confirm", None)
        if ask is None:  # a script cannot be asked: it only shows, as `dry-run`
            return reply.say("nothing moved: a script applies the plan only with `yes` (organize ... yes)", "note")
        session.renderer.render(reply)
        if not ask(f"Move {moves} file{'s' if moves != 1 else ''} ({format_size(plan.totals()['bytes'])})? [y/N] "):
            return Reply("organize", data={**reply.data, "dry_run": True}).say("nothing moved", "dim")
        reply = Reply("organize", data=reply.data)  # the plan is on the screen already
    action = _apply(session, plan)
    reply.data["action"] = action.id
    copies = sum(e.how == "copy" for e in plan.moves)
    across = f" ({copies} copied to another file system, verified, originals to the trash)" if copies else ""
    return reply.say(f"moved {moves} file{'s' if moves != 1 else ''}{across}; `undo` puts "
                     f"{'them' if moves != 1 else 'it'} back", "note")


def _refuse_roots(roots, sources) -> None:
    """A rule's root that is, contains or lies inside a local source: one line, nothing planned."""
    from plexsh.library.overlap import find_overlaps

    for root, how, source in find_overlaps([str(r) for r in roots], sources):
        raise PlexError(f"the organize root {root} {how} the source {source}: plexsh never writes to a source",
                        "give the rule a root outside every source")


def _shown(reply: Reply, plan) -> Reply:
    """The plan as a person reads it: the moves (the first SHOWN), what stays and why, the totals."""
    totals = plan.totals()
    rows = [[_short(e.path), "→", _short(e.to), "copy" if e.how == "copy" else "",
             "replaces one (to the trash)" if e.replaces else ""] for e in plan.moves[:SHOWN]]
    if rows:
        more = len(plan.moves) - SHOWN
        reply.table(["from", "", "to", "", ""], rows, caption=f"and {more} more (--json lists them all)"
                    if more > 0 else None)
    for entry in plan.conflicts:
        reply.say(f"conflict, skipped: {entry.path} → {entry.to}: {entry.why}"
                  + (" (`replace` sends it to the trash)" if entry.why == "something else is there" else ""), "warn")
    for entry in plan.staying:
        if entry.why not in ("already in place", "something else is there", "another copy of the plan goes there"):
            reply.say(f"left where it is: {entry.path}: {entry.why}", "dim")
    parts = [f"{totals['moves']} to move ({format_size(totals['bytes'])})"]
    if totals["copies"]:
        parts.append(f"{totals['copies']} of them across file systems")
    parts += [f"{totals[key]} {words}" for key, words in (("in_place", "already in place"),
                                                         ("conflicts", "conflicts skipped"),
                                                         ("replaced", "replacing a file"),
                                                         ("skipped", "left where they are"),
                                                         ("folders_made", "folders to make"),
                                                         ("folders_removed", "emptied folders to remove"))
              if totals[key]]
    return reply.say(", ".join(parts), "dim")


def _short(path: str) -> str:
    """The last three parts of a path: enough to see the layout change."""
    parts = path.split(os.sep)
    return os.sep.join(parts[-3:]) if len(parts) > 3 else path


def _apply(session, plan):
    """The plan as one journaled action, written before any file moves; a usage record per file moved."""
    from plexsh import journal
    from plexsh.organize.plan import plan_steps
    from plexsh.usage.records import record

    db = session.catalog.db
    action = journal.record(db, "organize", session.command_text or "organize", plan_steps(plan))
    action = journal.perform_batched(db, action)
    settings = analytics(session)
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")  # one transaction for all the records: 10,000 files moved in one command
    try:
        for entry in plan.moves:
            record(session.catalog, entry.to, "organize", {"from": entry.path, "action": action.id},
                   analytics=settings)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return action
