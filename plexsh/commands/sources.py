"""`sources`: the configured sources (local, rsync, ssh), whether each answers now, and what the catalog holds from it."""

import time

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.library.sources import probe_all, sources_from_config
from plexsh.render import format_age
from plexsh.reply import Reply

PROBE_TIMEOUT = 3.0


@command("sources", ast.Sources, usage="sources", summary="the configured sources and whether they answer")
def sources(session, node: ast.Sources) -> Reply:
    specs = sources_from_config(session.config)
    reply = Reply("sources", data={"sources": []})
    if not specs:
        return reply.say("no sources are configured: `config init` writes a config file to fill in", "warn")
    known = {row.name: row for row in session.catalog.source_rows()}
    rows = []
    for spec, probe in probe_all(specs, timeout=PROBE_TIMEOUT):
        row = known.get(spec.name)
        scanned = row.last_scan if row else None
        reply.data["sources"].append(dict(spec.as_dict(), transport=spec.transport, reachable=probe.ok,
                                          reason=probe.reason, files=row.files if row else 0, last_scan=scanned))
        age = f"{format_age(time.time() - scanned)} ago" if scanned else "never"
        rows.append([spec.name, spec.kind, spec.transport, spec.root, "ok" if probe.ok else probe.reason,
                     f"{row.files if row else 0:,}", age])
    return reply.table(["name", "kind", "via", "root", "status", "files", "scanned"], rows,
                       align=["left", "left", "left", "left", "left", "right", "left"])
