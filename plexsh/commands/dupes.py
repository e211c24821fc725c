"""`dupes [movies|tv|all | nas | in PATH] [remove|link [medium|low] [yes|dry-run]]`: duplicate copies, and removing or linking them."""

from __future__ import annotations

import os

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh.usage.records import record

SHOWN = 200  # groups in the table; --json has them all


@command("dupes", ast.Dupes, usage="dupes [movies|tv|all | nas | in PATH] [remove|link [medium|low] [yes|dry-run]]",
         summary="duplicate copies: the same bytes, or the same film or episode in another release",
         details="dupes                     the local copies plexsh made (dupes movies, dupes tv)\n"
                 "dupes nas                 the catalog's NAS files, by their stored hashes (only reported)\n"
                 "dupes in ~/Downloads      any folder (its hashes are kept, so a second look reads nothing unchanged)\n"
                 "dupes remove              the copies not kept go to the trash (`undo` brings them back)\n"
                 "dupes in X link           exact duplicates become links to the copy kept (reflinks where the\n"
                 "                          file system clones, else hard links); `undo` puts them back\n"
                 "Each group says how sure it is (very high: the same bytes; high: the same film or episode;\n"
                 "medium and low: similar names and sizes), which copy it keeps and why. remove and link act on\n"
                 "exact and high groups; `remove medium` or `remove low` take those too. The plan is shown first:\n"
                 "the shell asks, scripts only show it unless `yes` is given.")
def dupes(session, node: ast.Dupes) -> Reply:
    from plexsh.dupes import scope
    from plexsh.library.catalog import no_gc

    if node.scope == "nas" and node.action:
        raise PlexError(f"`dupes nas` only reports: plexsh never {node.action}s anything on a source",
                        "copy what you keep with `get`; `dupes in PATH remove` acts on a folder of yours")
    # Tens of thousands of candidates and entries, none cyclic: the collector's passes would cost more than the search
    with session.renderer.progress("duplicates") as update, no_gc():
        if node.scope == "in":
            root = os.path.abspath(os.path.expanduser(node.path))
            search = scope.search_folder(session.catalog.db, root, update, _discovery(session))
        elif node.scope == "nas":
            search = scope.search_nas(session.catalog)
        else:
            search = scope.search_local(session.catalog, node.scope, update)
        update("media duplicates: comparing names")
        groups = search.exact + _media_groups(search, session.catalog)
        reply = Reply("dupes", data=_data(node, search, groups))
        _show(reply, groups, node)
    if node.action is None:
        return reply
    return _act(session, node, reply, search, groups)


def _discovery(session):
    """The scan's rules of what is a video (the defaults when there is no config: any folder may be searched)."""
    try:
        return session.config.discovery
    except PlexError:
        return None


def _media_groups(search, catalog) -> list:
    from plexsh.dupes.media import media_groups

    return media_groups(search.candidates, catalog)


def _data(node: ast.Dupes, search, groups) -> dict:
    found = search.found
    data = {"scope": node.scope, "path": node.path, "files": found.files if found else len(search.candidates),
            "groups": [g.as_dict() for g in groups], "reclaimable": _reclaimable(groups)}
    for group, out in zip(groups, data["groups"]):
        others = {m.path: search.names[m.path][1:] for m in group.members if len(search.names.get(m.path, ())) > 1}
        if others:
            out["hard_links"] = others  # a member's other names in the tree: acted on with it
    if found is not None:
        data.update(empty=found.empty, hashed_bytes=found.hashed_bytes, reused_hashes=found.reused,
                    unreadable=found.unreadable, seconds=round(found.seconds, 3))
    return data


def _reclaimable(groups) -> int:
    """Bytes removing every copy not kept would free, each file counted once across groups."""
    kept = {g.keep.path for g in groups}
    seen = {}
    for group in groups:
        for member in group.others:
            if member.path not in kept:
                seen[member.path] = member.size
    return sum(seen.values())


def _show(reply: Reply, groups, node: ast.Dupes) -> None:
    where = {"in": f"in {node.path}", "nas": "on the NAS"}.get(node.scope, "among the local copies")
    if not groups:
        reply.say(f"no duplicates {where}", "good")
    else:
        rows = []
        for number, group in enumerate(groups[:SHOWN], 1):
            what = "same bytes" if group.kind == "exact" else group.identity
            for i, member in enumerate([group.keep, *group.others]):
                rows.append([str(number) if i == 0 else "", f"{what} ({group.confidence})" if i == 0 else "",
                             member.path, format_size(member.size),
                             f"kept: {group.reason}" if member is group.keep else ""])
        reply.table(["#", "group", "file", "size", "kept"], rows, align=["right", "left", "left", "right", "left"])
        if len(groups) > SHOWN:
            reply.say(f"and {len(groups) - SHOWN:,} more groups (`--json` lists them all)", "dim")
        exact = sum(1 for g in groups if g.kind == "exact")
        reply.say(f"{len(groups):,} group{'s' if len(groups) != 1 else ''} of duplicates {where} ({exact:,} exact, "
                  f"{len(groups) - exact:,} media): removing the copies not kept would free "
                  f"{format_size(reply.data['reclaimable'])}", "note")
    unreadable = reply.data.get("unreadable") or []
    if unreadable:
        reply.say(f"{len(unreadable)} could not be read, first: {unreadable[0]}", "warn")
    if reply.data.get("empty"):
        reply.say(f"{reply.data['empty']:,} empty files left out (as jdupes does)", "dim")


def _act(session, node: ast.Dupes, reply: Reply, search, groups) -> Reply:
    from plexsh.dupes.act import carry_out, make_plan

    plan = make_plan(groups, node.action, node.lowest, search.names, search.origins)
    reply.data["plan"] = plan.as_dict()
    going = "go to the trash" if node.action == "remove" else "become links to the copy kept"
    for path, why in plan.skipped:
        reply.say(f"left alone: {path}: {why}", "dim")
    if not plan.moves:
        return reply.say(f"nothing to {node.action}" + (" (media groups are never linked: only the same bytes are)"
                                                         if node.action == "link" else ""), "dim")
    reply.table(["file", "size", "kept copy"], [[m.path, format_size(m.size), m.kept] for m in plan.moves],
                title=f"the plan: {_files(len(plan.moves))} {going if len(plan.moves) != 1 else _one(going)}", align=["left", "right", "left"])
    what = f"{_files(len(plan.moves))} would {going}, freeing {format_size(plan.freed)}"
    ask = getattr(session.renderer, "confirm", None)
    if node.dry_run or (not node.yes and ask is None):
        reply.data["dry_run"] = True
        hint = "" if node.dry_run else f"; add `yes` to do it ({_with_yes(node)})"
        return reply.say(f"{what}; nothing changed (dry-run){hint}", "note")
    if not node.yes:
        session.renderer.render(Reply("dupes", blocks=reply.blocks))  # the plan, before the question
        reply.blocks = []
        if not ask(f"{what[0].upper() + what[1:]}. Go ahead? [y/N] "):
            reply.data["dry_run"] = True
            return reply.say("nothing changed", "dim")
    action = carry_out(session.catalog.db, plan, session.command_text or _with_yes(node))
    reply.data["action"] = action.id
    for move in plan.moves:
        record(session.catalog, move.path, "dupes", {"verb": node.action, "kept": move.kept, "action": action.id},
               analytics=analytics(session, lenient=True))
    done = "moved to the trash" if node.action == "remove" else "replaced by links"
    return reply.say(f"{len(plan.moves):,} file{'s' if len(plan.moves) != 1 else ''} {done}, "
                     f"{format_size(plan.freed)} freed; `undo` puts {'them' if len(plan.moves) != 1 else 'it'} back",
                     "note")


def _files(count: int) -> str:
    return f"{count:,} file{'s' if count != 1 else ''}"


def _one(going: str) -> str:
    """The verb phrase for one file: `go to the trash` -> `goes to the trash`.

    >>> _one("go to the trash"), _one("become links to the copy kept")
    ('goes to the trash', 'becomes a link to the copy kept')
    """
    return "goes to the trash" if going.startswith("go ") else "becomes a link to the copy kept"


def _with_yes(node: ast.Dupes) -> str:
    from plexsh.printable import quoted

    where = {"in": f" in {quoted(node.path or '')}", "all": ""}.get(node.scope, f" {node.scope}")
    level = f" {node.lowest}" if node.lowest != "high" else ""
    return f"dupes{where} {node.action}{level} yes"
