"""`resync [TITLE [SELECTION] | all] [orphans] [priority LEVEL] [dry-run]`: fetch damaged local copies again through get's path, the bad ones to the trash once replaced."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from plexsh import transfers
from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select
from plexsh.printable import quoted
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh.usage.records import record


@command("resync", ast.Resync, usage="resync [[movie|tv] TITLE [SELECTION] | all] [orphans] "
         "[priority high|normal|low] [dry-run]",
         summary="repair local copies: fetch corrupted, partial and missing ones again",
         details='resync                       every local copy checked as `verify` does, the damaged fetched again\n'
                 'resync "Breaking Bad" s2     only those copies\n'
                 'resync orphans               also files no source has (or plexsh never placed) to the trash\n'
                 'resync dry-run               what it would do, changing nothing\n'
                 "Corrupted copies are fetched first, then partial, then missing ones. A bad copy stays until\n"
                 "its new copy is verified, then goes to the trash: `undo` puts it back. Copies whose NAS file\n"
                 "changed are left alone (`get ... replace` fetches the new version).")
def resync(session, node: ast.Resync) -> Reply:
    from plexsh.care.repair import plan_repairs

    catalog = session.catalog
    item, chosen = _scope(session, node)
    title = None if item is None else label(item)
    findings = _survey(session, item, chosen)
    plan = plan_repairs(catalog, findings, orphans=node.orphans)
    reply = Reply("resync", data={
        "scope": None if item is None else item.as_dict(), "dry_run": node.dry_run, "checked": len(findings),
        "complete": plan.complete, "repairs": [r.as_dict() for r in plan.repairs],
        "orphans": [f.as_dict() for f in plan.orphans], "failed": [f.as_dict() for f in plan.failed],
        "left_alone": [f.as_dict() for f in plan.left_alone], "repaired": [], "jobs": []})
    _refuse_sources(session, plan)
    transfer = plan.transfer_plan()
    if not node.dry_run and not transfer.fits:
        space = next(s for s in transfer.space if not s.fits)
        raise PlexError(f"not enough room in {space.path}: {format_size(space.needed)} to copy again, "
                        f"{format_size(space.free)} free", "free some space (`trash empty` frees the trash's)")
    if node.orphans and item is not None:
        reply.say("orphans are looked for over every copy only: `resync orphans`", "dim")
    if node.dry_run:
        return _report(_planned(reply, plan), plan, title, dry_run=True)
    if plan.orphans:
        reply.data["orphans_action"] = _trash_orphans(session, plan.orphans)
    if plan.repairs:
        _repair(session, node, plan, reply)
    return _report(reply, plan, title)


def _scope(session, node: ast.Resync):
    """(the title, the ids of its chosen files) of `resync TITLE [SELECTION]`; (None, None) for all."""
    if node.title is None:
        return None, None
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "resync")
    files = catalog.files(item.id)
    if item.kind == "show":
        if node.selection.new_only or node.selection.next_count:
            raise PlexError("`new-only` and `next` pick episodes that are not local: resync takes seasons and "
                            "episodes", f"resync {quoted(item.title)} s1")
        files = select(files, node.selection, item.title)
    elif not node.selection.is_everything:
        raise PlexError(f"{label(item)} is a movie: seasons and episodes mean nothing for it")
    return item, (None if node.selection.is_everything else {f.id for f in files})


def _survey(session, item, chosen):
    """verify's findings over the title's chosen files (or every copy, and the destinations' orphans),
    with verify's progress on the status line."""
    from plexsh.care.survey import survey
    from plexsh.commands.verify import progress_text

    destinations = [] if item is not None else [os.fspath(d) for d in session.config.destinations.values()]
    with session.renderer.progress("verifying") as update:
        return survey(session.catalog, destinations, item_ids=None if item is None else [item.id],
                      file_ids=None if chosen is None else sorted(chosen),
                      progress=lambda *done: update(progress_text(*done)), timeout=session.config.sync.stall_timeout)


def _refuse_sources(session, plan) -> None:
    """The folders copies land in, and orphans' folders: never in a source (a link into one included)."""
    from plexsh.library.overlap import refuse_overlaps

    folders = {str(e.destination.parent) for e in plan.entries} | {os.path.dirname(f.path) for f in plan.orphans}
    if folders:
        refuse_overlaps(sorted(folders), [s for found in session.config.sources.values() for s in found])


def _trash_orphans(session, orphans) -> int | None:
    """The orphans to the trash as one journaled action (undo brings them back); its id. A copy plexsh
    recorded whose source is gone is forgotten with it (and recorded again by undo)."""
    from plexsh import journal
    from plexsh.library.local import local_files

    db = session.catalog.db
    recorded = local_files(session.catalog).copy
    steps, going = [], []
    for finding in orphans:
        try:
            step = journal.trash_step(finding.path)
        except FileNotFoundError:
            continue  # gone since the check: nothing to put aside
        copy = recorded(finding.path)
        if copy is not None:  # the trash step forgets it; its undo records it again
            step = replace(step, sha256=copy.sha256, origin=f"{copy.source}:{copy.relpath}")
        steps.append(step)
        going.append(finding)
    if not steps:
        return None
    action = journal.record(db, "resync", session.command_text or "resync orphans", steps)
    action = journal.perform(db, action)
    for finding in going:
        record(session.catalog, finding.path, "resync", {"state": finding.state, "action": action.id, "trashed": True},
               analytics=analytics(session))
    return action.id


def _repair(session, node: ast.Resync, plan, reply: Reply) -> None:
    """The copies fetched again as a get fetches them: one journaled action (a bad copy's `trash` step
    and its new copy's `place` step, both done as the verified copy lands), queued in REPAIR_ORDER. An
    interrupted copy's own job is retried, so it resumes from its verified bytes."""
    from plexsh.care.survey import PARTIAL
    from plexsh.commands.get import _journal, _nothing_placed

    sup = transfers.supervisor(session)
    verify = "checksum" if session.config.sync.checksum_validation else "size"
    action = _journal(session, plan.entries, verb="resync")  # written before any job is queued
    reply.data["action"] = action.id if action is not None else None
    by_job = {}
    for repair in plan.repairs:
        job = _interrupted_job(session, repair)
        if job is not None and job.state == "paused":  # paused by the user: theirs to resume
            reply.data["left_alone"].append({**repair.finding.as_dict(), "why": f"its copy is paused (job {job.id}): "
                                             f"`resume {job.id}` continues it"})
            continue
        if job is not None:
            sup.retry([job.id])  # a job waiting out a backoff (or failed) goes now, resuming its partial
            by_job[job.id] = repair
        else:
            (job_id,) = sup.enqueue([repair.entry], priority=node.priority, verify=verify)
            by_job[job_id] = repair
    ids = list(by_job)
    reply.data["jobs"] = ids
    if not ids:
        return
    if any(r.finding.state == PARTIAL for r in by_job.values()):
        _in_repair_order(sup, ids)
    if session.engine is not None:  # the shell: the copies run in the background, like a get's
        for repair in by_job.values():
            record(session.catalog, repair.finding.path, "resync", {"state": repair.finding.state, "queued": True},
                   analytics=analytics(session))
        size = sum(r.entry.size for r in by_job.values())
        reply.say(f"queued {_files(len(ids))} to fetch again ({format_size(size)}): jobs {', '.join(map(str, ids))}; "
                  "`jobs` follows them", "note")
        return
    note = transfers.recovered_note(session)
    if note:
        reply.say(note, "note")
    views = transfers.run_until_finished(session, ids)
    if action is not None:
        _nothing_placed(session, action.id)
    reply.data["jobs"] = [v.as_dict() for v in views]
    finished = {view.id: view for view in views}
    for job_id, repair in by_job.items():  # in repair order (the views come by job id)
        view = finished[job_id]
        if view.state == "done":
            reply.data["repaired"].append(repair.as_dict())
            record(session.catalog, repair.finding.path, "resync",
                   {"state": repair.finding.state, "job": view.id, "sha256": view.sha256}, analytics=analytics(session))
        else:
            reply.data["failed"].append({**repair.finding.as_dict(),
                                         "why": view.error or f"the copy was {view.state}", "job": view.id})


def _in_repair_order(sup, ids: list[int]) -> None:
    """An interrupted copy's own job kept its old place in the queue, ahead of the new jobs of corrupted
    copies: the waiting ones among IDS are put back together, in repair order, where the first of them is."""
    waiting = [v.id for v in sup.active() if v.state in ("queued", "stalled", "paused")]
    mine = [job_id for job_id in ids if job_id in waiting]
    if len(mine) < 2:
        return
    start = min(waiting.index(job_id) for job_id in mine) + 1
    for offset, job_id in enumerate(mine):
        sup.move(job_id, start + offset)


def _interrupted_job(session, repair):
    """The unfinished job of a partial copy, to run again rather than start over (None: none waits)."""
    from plexsh.care.survey import PARTIAL

    if repair.finding.state != PARTIAL:
        return None
    store = transfers.job_store(session)
    found = [j for j in store.jobs(("queued", "stalled", "failed", "running", "verifying", "paused"))
             if j.destination == str(repair.entry.destination)]
    return found[-1] if found else None


def _planned(reply: Reply, plan) -> Reply:
    rows = [[repair.finding.state, Path(repair.finding.path).name, format_size(repair.entry.size),
             str(Path(repair.finding.path).parent)] for repair in plan.repairs]
    rows += [["orphaned", Path(f.path).name, format_size(f.size or 0), str(Path(f.path).parent)] for f in plan.orphans]
    if rows:
        reply.table(["state", "file", "size", "in"], rows, align=["left", "left", "right", "left"])
    return reply


def _report(reply: Reply, plan, title: str | None, dry_run: bool = False) -> Reply:
    """What was repaired, what failed and why, what was left alone; not ok when something failed."""
    data = reply.data
    for repaired in data["repaired"]:
        reply.say(f"repaired ({repaired['state']}): {repaired['path']}", "good")
    for orphan in plan.orphans if not dry_run else ():
        reply.say(f"to the trash (orphaned): {orphan.path}", "good")
    for failed in data["failed"]:
        reply.say(f"failed ({failed['state']}): {failed['path']}: {failed['why']}", "bad")
    for left in data["left_alone"]:
        reply.say(f"left alone ({left['state']}): {left['path']}: {left['why']}", "dim")
    if not data["checked"]:
        where = f"{title} has" if title else "there are"
        return reply.say(f"nothing to resync: {where} no local copies", "note")
    summary = [f"{data['checked']} checked", f"{plan.complete} complete"]
    queued = bool(data["jobs"]) and not data["repaired"] and not data["failed"] and not dry_run  # the shell
    if not plan.repairs and not plan.orphans and not data["failed"]:
        summary.append("nothing to repair")
    elif dry_run:
        summary.append(f"{_files(len(plan.repairs))} would be fetched again ({format_size(plan.total)})")
        if plan.orphans:
            summary.append(f"{_files(len(plan.orphans))} would go to the trash")
        summary.append("nothing changed (dry-run)")
    else:
        if not queued:
            summary.append(f"{len(data['repaired'])} repaired")
        if plan.orphans:
            summary.append(f"{_files(len(plan.orphans))} to the trash")
        if data["failed"]:
            summary.append(f"{len(data['failed'])} failed")
    if data["left_alone"]:
        summary.append(f"{len(data['left_alone'])} left alone")
    reply.say("; ".join(summary), "note")
    replaced = any(r["replaces"] for r in data["repaired"]) or (queued and any(r.entry.replaces for r in plan.repairs))
    if replaced or (plan.orphans and not dry_run):
        reply.say(f"the bad copies {'go to' if queued else 'are in'} the trash; `undo` puts them back", "dim")
    if data["failed"]:
        reply.ok = False
        reply.error = f"{len(data['failed'])} of {len(data['failed']) + len(data['repaired'])} copies not repaired"
        reply.hint = "`retry failed` tries the copies again; `verify` checks them"
    return reply


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
