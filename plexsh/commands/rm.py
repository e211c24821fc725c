"""`rm [movie|tv] TITLE [SELECTION] [dry-run]`: local copies to plexsh's trash (never a source), and the folders left empty."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.printable import quoted
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select, selection_text
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh.usage.records import record


@command("rm", ast.Rm, usage="rm [movie|tv] TITLE [SELECTION] [dry-run]",
         summary="remove local copies (to the trash: `undo` or `trash restore` brings them back)",
         details='rm "Breaking Bad" s2         the local copies of season 2, and its folders once empty\n'
                 'rm movie "Heat" dry-run      what would go, removing nothing\n'
                 "Only copies plexsh made are removed, never a file of a source; the season and show\n"
                 "folders plexsh made go too once empty. `trash empty` is what deletes for good.")
def rm(session, node: ast.Rm) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "rm")
    files = catalog.files(item.id)
    if item.kind == "show":
        if node.selection.new_only or node.selection.next_count:
            raise PlexError("`new-only` and `next` pick episodes that are not local: rm takes seasons and episodes",
                            f"rm {quoted(item.title)} s1 e1-3")
        files = select(files, node.selection, item.title)
    elif not node.selection.is_everything:
        raise PlexError(f"{label(item)} is a movie: seasons and episodes mean nothing for it")
    copies = _local_copies(catalog, {f.id: f for f in files}, item.id)
    chosen = f" {selection_text(node.selection)}" if not node.selection.is_everything else ""
    if not copies:
        raise PlexError(f"nothing to remove: {label(item)}{chosen} has no local copy",
                        "`show` marks what is local with ✅")
    sources = [s for found in session.config.sources.values() for s in found]
    _refuse_sources([path for path, _ in copies], sources)
    folders = _emptied_folders(session, [path for path, _ in copies], item.kind)
    size = sum(os.lstat(path).st_size for path, _ in copies)
    reply = Reply("rm", data={"item": item.as_dict(), "dry_run": node.dry_run, "bytes": size,
                              "files": [{"path": path, "size": os.lstat(path).st_size} for path, _ in copies],
                              "folders": [{"path": str(f), "why": why} for f, why in folders]})
    if node.dry_run:
        return _plan(reply, copies, folders, size)
    action = _remove(session, copies, folders)
    reply.data["action"] = action.id if action is not None else None
    for path, _ in copies:
        record(session.catalog, path, "rm", {"title": item.title, "action": reply.data["action"]},
               analytics=analytics(session))
    for folder, why in folders:
        if why == GUESSED:
            reply.say(f"removed the empty folder {folder} ({why})", "dim")
    count = len(copies)
    return reply.say(f"moved {count} file{'s' if count != 1 else ''} of {label(item)} ({format_size(size)}) to the "
                     f"trash{_folders_said(folders)}; `undo` brings {'them' if count != 1 else 'it'} back", "note")


MADE = "made by plexsh"
GUESSED = "empty, under a destination; the journal has no record of who made it"


def _local_copies(catalog, files: dict, item_id: int) -> list[tuple[str, object]]:
    """(path, copy) of the recorded copies of FILES still on disk, in the order they were made."""
    from plexsh.library.local import local_files

    found = []
    for copy in local_files(catalog).copies(item_id=item_id):
        if copy.file_id in files and os.path.lexists(copy.path):
            found.append((copy.path, (copy, files[copy.file_id])))
    return found


def _refuse_sources(paths: list[str], sources: list[str]) -> None:
    """A copy that is, or lies inside, a local source is never touched: one line naming the first."""
    from plexsh.library.overlap import find_overlaps

    folders = sorted({os.path.dirname(path) for path in paths})
    for folder, how, source in find_overlaps(folders, sources):
        if how in ("is", "lies inside"):
            path = next(p for p in paths if os.path.dirname(p) == folder)
            raise PlexError(f"{path} lies inside the source {source}: plexsh never removes anything from a source",
                            "remove it by hand if it really must go")


def _emptied_folders(session, paths: list[str], kind: str) -> list[tuple[Path, str]]:
    """The season and show folders (a movie's folder) that removing PATHS leaves empty and that plexsh
    made (the journal's mkdir steps), deepest first. A folder the journal knows nothing of (copies made
    before it) goes when it lies under a configured destination; a destination itself always stays."""
    from plexsh.journal.folders import made_by_plexsh

    destinations = [os.path.realpath(d) for d in session.config.destinations.values()]
    levels = 2 if kind == "show" else 1
    removing = {os.path.abspath(p) for p in paths}
    chains = [[Path(os.path.abspath(p)).parents[i] for i in range(levels)] for p in paths]
    made = made_by_plexsh(session.catalog.db, {str(f) for chain in chains for f in chain})
    folders: list[tuple[Path, str]] = []
    for chain in chains:
        for folder in chain:
            if str(folder) in removing:
                continue
            real = os.path.realpath(folder)
            if real in destinations or real == os.path.realpath(folder.parent) or not _empty_after(folder, removing):
                break
            under = any(real.startswith(d.rstrip("/") + "/") for d in destinations)
            why = MADE if made[str(folder)] else GUESSED if made[str(folder)] is None and under else None
            if why is None:
                break
            removing.add(str(folder))
            folders.append((folder, why))
    return sorted(folders, key=lambda pair: -len(pair[0].parts))


def _empty_after(folder: Path, removing: set[str]) -> bool:
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    return all(str(folder / name) in removing for name in names)


def _remove(session, copies, folders):
    """The removal as one journaled action, written before any file moves."""
    from plexsh import journal

    db = session.catalog.db
    steps = [replace(journal.trash_step(path, sha256=copy.sha256), origin=source_file.path)
             for path, (copy, source_file) in copies]
    steps += [journal.rmdir_step(folder) for folder, _ in folders]
    action = journal.record(db, "rm", session.command_text or "rm", steps)
    return journal.perform(db, action)  # a trash step with an origin forgets the copy (undo records it again)


def _plan(reply: Reply, copies, folders, size: int) -> Reply:
    rows = [[Path(path).name, format_size(os.lstat(path).st_size), str(Path(path).parent)] for path, _ in copies]
    reply.table(["file", "size", "in"], rows, align=["left", "right", "left"])
    for folder, why in folders:
        reply.say(f"and the folder {folder} ({why})", "dim")
    count = len(copies)
    return reply.say(f"{count} file{'s' if count != 1 else ''}, {format_size(size)} would go to the trash"
                     f"{_folders_said(folders, 'would go too')}; nothing removed (dry-run)", "note")


def _folders_said(folders, how: str = "removed") -> str:
    if not folders:
        return ""
    return f", {len(folders)} empty folder{'s' if len(folders) != 1 else ''} {how}"
