"""`log export json [FILE]`: transfer metrics (per job and per event) for analysis."""

import json
from pathlib import Path

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.transfers import job_store


@command("log", ast.Log, usage="log export json [FILE]", summary="export transfer metrics as JSON")
def log(session, node: ast.Log) -> Reply:
    store = job_store(session)
    export = {"jobs": [j.as_dict() for j in store.jobs()], "events": store.events()}
    reply = Reply("log")
    if node.path is None:
        reply.data.update(export)
        return reply.say(json.dumps(export, indent=2), None) if session.renderer.mode != "json" else reply
    path = Path(node.path).expanduser()
    path.write_text(json.dumps(export, indent=2), encoding="utf-8")
    reply.data["path"] = str(path)
    return reply.say(f"wrote {len(export['jobs'])} jobs and {len(export['events'])} events to {path}", "note")
