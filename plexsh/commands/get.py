"""`get [movie|tv] TITLE [SELECTION] [options]`: plan the copy, check the room, then queue (and in scripts run) it."""

from __future__ import annotations

from pathlib import Path

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh import transfers
from plexsh.jobreplies import finished_reply
from plexsh.library.localepisodes import local_episodes


@command("get", ast.Get, usage="get [movie|tv] TITLE [SELECTION] [dry-run] [all-versions] [replace] [to PATH] "
         "[verify sha256|checksum|size] [bwlimit SIZE] [priority high|normal|low]",
         summary="copy movies or episodes to local storage",
         details='get "Breaking Bad" s3 e1-5   those episodes\n'
                 'get "Breaking Bad" new-only  every episode not yet local\n'
                 'get movie "Heat" dry-run     the plan, copying nothing\n'
                 'get movie "Heat" replace     replace a different file already at the destination\n'
                 'get                          alone, in the shell: the guided selection, step by step')
def get(session, node: ast.Get) -> Reply:
    if node.guided:  # the shell starts the guided selection before a bare `get` gets here
        raise PlexError('`get` needs a title here: type `get TITLE [SELECTION]`, like `get "Breaking Bad" s1 e1-3` '
                        'or `get movie "Heat"`', "in the shell (`plexsh` alone), `get` alone starts the guided selection")
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "get")
    files = catalog.files(item.id)
    if item.kind == "show":
        have = local_episodes(catalog, item.id) if (node.selection.new_only or node.selection.next_count) else set()
        files = select(files, node.selection, item.title, have)
    elif not node.selection.is_everything:
        raise PlexError(f"{label(item)} is a movie: seasons and episodes mean nothing for it")
    if not files:
        raise PlexError(f"nothing to get: every chosen episode of {label(item)} is already local")
    from plexsh.engine.plan import make_plan

    verify = node.verify or ("checksum" if session.config.sync.checksum_validation else "size")
    from plexsh.library.local import local_files
    from plexsh.library.overlap import refuse_overlaps

    destinations = _destinations(session, node)
    plan = make_plan([(item, files)], destinations, verify=verify, all_versions=node.all_versions,
                     replace=node.replace, placed=local_files(catalog).copy)
    # The roots, and every folder a copy lands in (one may be a link into a source).
    refuse_overlaps([*map(str, destinations.values()), *{str(e.destination.parent) for e in plan.entries}],
                    [s for found in session.config.sources.values() for s in found])
    reply = Reply("get", data={"item": item.as_dict(), "dry_run": node.dry_run, "total": plan.total,
                               "files": [_entry(e) for e in plan.entries]})
    for entry in plan.skipped:
        reply.say(f"skipped {entry.destination.name}: {entry.skipped}", "dim")
    conflicts = [e for e in plan.skipped if e.skipped.startswith("conflict")]
    if not plan.fits:
        space = next(s for s in plan.space if not s.fits)
        raise PlexError(f"not enough room in {space.path}: {format_size(space.needed)} to copy, "
                        f"{format_size(space.free)} free", "free some space, or `get ... to PATH` elsewhere")
    if node.dry_run or not plan.to_copy:
        return _conflicts(_plan_reply(reply, plan, item), conflicts, node.dry_run)
    sup = transfers.supervisor(session)
    action = _journal(session, plan.to_copy)  # written before any folder is made or any job queued
    ids = sup.enqueue(plan.to_copy, priority=node.priority or "normal",
                      bwlimit=node.bwlimit, verify=verify)
    reply.data["jobs"] = ids
    reply.data["action"] = action.id if action is not None else None
    if session.engine is not None:  # the shell: the jobs run in the background
        return _conflicts(reply.say(f"queued {len(ids)} file{'s' if len(ids) != 1 else ''} of {label(item)} "
                                    f"({format_size(plan.total)}): jobs {', '.join(map(str, ids))}", "note"),
                          conflicts)
    note = transfers.recovered_note(session)
    views = transfers.run_until_finished(session, ids)
    if action is not None:
        _nothing_placed(session, action.id)
    return _conflicts(finished_reply(reply, views, note), conflicts)


def _nothing_placed(session, action_id: int) -> None:
    """A get whose copies all failed changed nothing: its folders go again and the action is marked failed."""
    from plexsh import journal

    db = session.catalog.db
    found = journal.action(db, action_id)
    if found.state == "pending" and not any(s.state == "done" for s in found.steps if s.op in ("place", "trash")):
        journal.roll_back(db, found, [s for s in found.steps if s.state == "done"], state="failed")


def _journal(session, entries, verb: str = "get"):
    """The get's action in the journal: the folders it makes (made here, now), then per file the file it
    replaces (to the trash) and the copy's rename into place, both done by the supervisor as the copy
    lands. A file already on its way for an earlier get keeps that get's step. (resync's too, as VERB.)"""
    from plexsh import journal
    from plexsh.engine.jobs import FINISHED, STATES
    from plexsh.library.local import local_files

    if not journal.enabled():
        return None
    live = {j.destination for j in transfers.job_store(session).jobs(s for s in STATES if s not in FINISHED)}
    entries = [e for e in entries if str(e.destination) not in live]
    steps = [journal.mkdir_step(folder) for folder in journal.folders_to_make(e.destination for e in entries)]
    for entry in entries:
        if entry.replaces:
            try:
                steps.append(_replaced_step(journal.trash_step(entry.destination),
                                            local_files(session.catalog).copy(str(entry.destination)), entry))
            except FileNotFoundError:
                pass  # gone since the plan: nothing to put aside
        steps.append(journal.place_step(entry.partial, entry.destination, entry.size, entry.file.sha256,
                                        entry.source))
    if not steps:
        return None
    db = session.catalog.db
    action = journal.record(db, verb, session.command_text or verb, steps)
    try:
        return journal.perform(db, action, ops=("mkdir",))
    except journal.StepProblem:
        # A folder that cannot be made (a file in its way): each copy fails with that reason, as a
        # transfer; the action waits for them like any get's, its folders not made.
        journal.mark_action(db, action.id, "pending")
        return journal.action(db, action.id)


def _replaced_step(step, recorded, entry):
    """The trash step of a file a copy replaces: plexsh's own copy of the same source file is forgotten
    with it and recorded again when undo puts it back (its origin and recorded SHA-256)."""
    from dataclasses import replace

    if recorded is None or recorded.file_id != entry.file.id:
        return step
    return replace(step, sha256=recorded.sha256, origin=entry.source)


def _conflicts(reply: Reply, conflicts: list, dry_run: bool = False) -> Reply:
    """A get that left files out because something else is at their destination did not do all it was asked."""
    if conflicts and not dry_run and reply.ok:
        reply.ok = False
        reply.error = (f"{len(conflicts)} file{'s' if len(conflicts) != 1 else ''} not copied: "
                       "a different file is at the destination")
        reply.hint = "`get ... replace` replaces it"
    return reply


def _destinations(session, node: ast.Get) -> dict:
    if node.to:
        target = Path(node.to).expanduser()
        return {"movies": target, "tv": target}
    return dict(session.config.destinations)


def _entry(entry) -> dict:
    return {"source": entry.source, "destination": str(entry.destination), "size": entry.size,
            "skipped": entry.skipped}


def _plan_reply(reply: Reply, plan, item) -> Reply:
    rows = [[e.destination.name, format_size(e.size), str(e.destination.parent)] for e in plan.to_copy]
    if rows:
        reply.table(["file", "size", "to"], rows, align=["left", "right", "left"])
    free = min((s.free_after for s in plan.space), default=None)
    reply.data["free_after"] = free
    reply.say(f"{len(rows)} file{'s' if len(rows) != 1 else ''}, {format_size(plan.total)}"
              + (f"; {format_size(free)} free after" if free is not None else "")
              + ("; nothing copied (dry-run)" if reply.data["dry_run"] else "; nothing to copy"), "note")
    return reply
