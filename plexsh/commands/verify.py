"""`verify [[movie|tv] TITLE [SELECTION] | all] [quick]`: the local copies checked against the size and SHA-256 plexsh recorded."""

from __future__ import annotations

import os
import sqlite3

from plexsh.care.survey import COMPLETE, MARKS, STATES, survey
from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select, selection_text
from plexsh.reply import Reply
from plexsh.sizes import format_size


@command("verify", ast.Verify, usage="verify [[movie|tv] TITLE [SELECTION] | all] [quick]",
         summary="check the local copies against the SHA-256 recorded when they were copied",
         details='verify                       every local copy, and the files under the destinations plexsh never placed\n'
                 'verify "Breaking Bad" s2     the copies of season 2\n'
                 'verify quick                 size and mtime only: catches a truncated or rewritten copy,\n'
                 '                             not a flipped bit (only a full verify reads the bytes)\n'
                 "States: ✅ complete, ⚠️ partial (an interrupted copy), ❌ corrupted, ⛔ missing,\n"
                 "👻 orphaned (a file plexsh never placed, or whose source file is gone), 🔄 source changed.\n"
                 "Ctrl-C stops it; `verify` again resumes, without reading again what it checked.\n"
                 "`resync` repairs what it finds; `doctor` says when the copies were last verified.")
def verify(session, node: ast.Verify) -> Reply:
    catalog = session.catalog
    item_ids = file_ids = None
    item, chosen = None, ""
    if node.title is not None:
        item = resolve_title(catalog, node.title, node.kind, "verify")
        item_ids = [item.id]
        if not node.selection.is_everything:
            if item.kind != "show":
                raise PlexError(f"{label(item)} is a movie: seasons and episodes mean nothing for it")
            file_ids = [f.id for f in select(catalog.files(item.id), node.selection, item.title)]
            chosen = f" {selection_text(node.selection)}"
    destinations = [] if item is not None else _destinations(session)
    with session.renderer.progress("verifying" + (" (quick)" if node.quick else "")) as update:
        findings = survey(catalog, destinations, item_ids=item_ids, file_ids=file_ids, quick=node.quick,
                          progress=lambda *p: update(progress_text(*p)),
                          timeout=session.config.sync.stall_timeout)
    problems = [f for f in findings if f.state != COMPLETE]
    counts = findings.counts()
    reply = Reply("verify", data={
        "item": item.as_dict() if item is not None else None, "quick": node.quick, "run": findings.run_id,
        "resumed": findings.resumed, "counts": counts, "files": len(findings),
        "hashed": {"files": findings.hashed_files, "bytes": findings.hashed_bytes},
        "seconds": round(findings.seconds, 3), "findings": [f.as_dict() for f in problems]})
    if findings.resumed:
        reply.say(f"resumed the verify that was stopped: {findings.resumed:,} file"
                  f"{'s' if findings.resumed != 1 else ''} it had checked, unchanged since, not read again", "note")
    if not findings:
        what = f"{label(item)}{chosen} has" if item is not None else "there are"
        return reply.say(f"nothing to verify: {what} no local copies", "note")
    if problems:
        roots = destinations or _destinations(session)
        reply.table(["state", "file", "why"],
                    [[f"{MARKS[f.state]} {f.state}", _shown(f.path, roots), f.detail] for f in problems])
    return reply.say(totals_line(counts, findings), "good" if not problems else "warn")


def doctor_check(session, check) -> None:
    """`doctor`'s line: how old the oldest verification of a local copy is, and how many verify never read."""
    import time

    from plexsh.care.checks import Checks
    from plexsh.render import format_age

    try:
        oldest, never, copies = Checks(session.catalog.db).oldest_verification()
    except (PlexError, sqlite3.Error):
        return  # a catalog that cannot be read is the catalog line's problem
    if not copies:
        check("verified", True, "no local copies yet")
        return
    text = f"{copies:,} cop{'ies' if copies != 1 else 'y'}, the oldest verified {format_age(time.time() - oldest)} ago"
    if never:
        text += (f"; {never:,} never read again since {'it was' if never == 1 else 'they were'} copied "
                 "(`verify` reads them, `verify quick` checks size and mtime)")
    check("verified", True, text)


def progress_text(files_done: int, files: int, bytes_done: int, total: int) -> str:
    """The status line's words.

    >>> progress_text(3, 10, 3 << 30, 10 << 30)
    '3 of 10 files, 3.0 GiB of 10.0 GiB'
    """
    return f"{files_done:,} of {files:,} files, {format_size(bytes_done)} of {format_size(total)}"


def totals_line(counts: dict[str, int], findings) -> str:
    """One line: how many files in each state, and what was read how fast."""
    parts = [f"{counts[s]:,} {MARKS[s]} {s}" for s in STATES if counts[s]]
    speed = ""
    if findings.hashed_bytes:
        rate = findings.hashed_bytes / findings.seconds if findings.seconds > 0 else 0
        speed = f", {format_size(findings.hashed_bytes)} read at {format_size(int(rate))}/s"
    mode = " (quick: size and mtime)" if findings.quick else ""
    return (f"{len(findings):,} file{'s' if len(findings) != 1 else ''} checked{mode} in {findings.seconds:.1f} s"
            f"{speed}: {', '.join(parts)}")


def _destinations(session) -> list[str]:
    try:
        return [os.fspath(d) for d in session.config.destinations.values()]
    except PlexError:
        return []


def _shown(path: str, roots: list[str]) -> str:
    """A path inside a destination from that destination's name on (`TV/Show/Season 01/x.mkv`), else whole."""
    for root in roots:
        root = root.rstrip("/")
        if path.startswith(root + "/"):
            return os.path.join(os.path.basename(root), path[len(root) + 1:])
    return path
