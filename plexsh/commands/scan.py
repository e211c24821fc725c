"""`scan [SOURCE ...]` / `discover`: walk the sources and bring the catalog up to date."""

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.scanner import scan as scan_sources
from plexsh.library.sources import sources_from_config
from plexsh.reply import Reply


@command("scan", ast.Scan, usage="scan [full] [SOURCE ...]", summary="walk the sources and update the catalog",
         details="Only folders that changed since the last scan are read again; `scan full` re-reads them all\n"
                 "(for files changed in place). Name sources (as `sources` lists them) to scan just those.\n"
                 "A missing or hanging source is reported by name; the others are still scanned.")
def scan(session, node: ast.Scan) -> Reply:
    config = session.config
    specs = sources_from_config(config)
    if not specs:
        raise PlexError("no sources are configured",
                        "`config init` writes a config file; list your media folders under sources:")
    with session.renderer.progress("scanning") as update:
        report = scan_sources(session.catalog, specs, config.discovery, only=list(node.sources) or None,
                              full=node.full, progress=lambda p: update(progress_text(p)))
    reply = Reply("scan", data={"report": report.as_dict()})
    rows = []
    for s in report.sources:
        status = "ok" if s.ok else f"FAILED: {s.reason}"
        rows.append([s.name, s.kind, status, f"{s.files_total:,}", f"+{s.added:,}", f"-{s.removed:,}",
                     f"{s.seconds:.1f} s"])
    from plexsh.commands.usage import atime_scan, scan_line  # reads by other players, counted after each scan

    reply.data["usage"] = found = atime_scan(session)
    totals = report.totals
    stats = session.catalog.stats()
    caption = (f"{stats.movies:,} movies · {stats.shows:,} shows · {stats.files:,} files in the catalog "
               f"· scanned in {report.seconds:.1f} s")
    reply.table(["source", "kind", "status", "files", "added", "removed", "time"], rows, caption=caption,
                align=["left", "left", "left", "right", "right", "right", "right"])
    if found["reads"] or found["pruned"]:
        reply.say(scan_line(found), "note")
    for s in report.sources:
        for warning in s.warnings[:5]:
            reply.say(f"{s.name}: {warning}", "warn")
    if report.failed:
        reply.ok = False
        names = ", ".join(f"{s.name} ({s.reason})" for s in report.failed)
        reply.error = f"{len(report.failed)} of {len(report.sources)} sources could not be scanned: {names}"
        reply.hint = "`doctor` checks every source; the others were scanned"
    elif totals["added"] == 0 and totals["removed"] == 0:
        reply.say("nothing changed since the last scan", "dim")
    return reply


def progress_text(p, shown: int = 3) -> str:
    """Folders and files found so far in each source still being walked, then how many sources are done.

    >>> from plexsh.library.scanner import ScanProgress
    >>> progress_text(ScanProgress("TV", 40, 900, 900, 1, 3, (("Movies", 12, 345), ("TV", 28, 555))))
    'Movies 12 folders 345 files · TV 28 folders 555 files · 1/3 sources done'
    """
    walking = " · ".join(f"{name} {folders:,} folders {files:,} files" for name, folders, files in p.walking[:shown])
    if len(p.walking) > shown:
        walking += f" · {len(p.walking) - shown} more"
    return f"{walking or p.source} · {p.sources_done}/{p.sources_total} sources done"
