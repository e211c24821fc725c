"""`log export json [FILE]`: transfer metrics (per job and per event) for analysis."""

import json
from pathlib import Path

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.redact import job_replacements, redact_value, source_replacements
from plexsh.reply import Reply
from plexsh.transfers import job_store


@command("log", ast.Log, usage="log export json [FILE]", summary="export transfer metrics as JSON")
def log(session, node: ast.Log) -> Reply:
    store = job_store(session)
    export = {"jobs": [j.as_dict() for j in store.jobs()], "events": store.events()}
    # A broken config raises here: better no export than one showing paths the user may have asked to hide.
    if session.config.security.path_redaction:
        export = redacted(export, source_replacements(session.config))
    reply = Reply("log")
    if node.path is None:
        reply.data.update(export)
        return reply.paragraph(json.dumps(export, indent=2)) if session.renderer.mode != "json" else reply
    path = Path(node.path).expanduser()
    write_export(path, json.dumps(export, indent=2))
    reply.data["path"] = str(path)
    return reply.say(f"wrote {len(export['jobs'])} jobs and {len(export['events'])} events to {path}", "note")


def write_export(path: Path, text: str) -> None:
    """Write the export to `path`; PlexError naming the path and why it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except IsADirectoryError:
        raise PlexError(f"cannot write {path}: it is a folder",
                        f"name a file in it, like {path / 'metrics.json'}") from None
    except FileNotFoundError:
        raise PlexError(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except OSError as error:
        raise PlexError(f"cannot write {path}: {error.strerror or error}") from None


def redacted(export: dict, roots: dict[str, str]) -> dict:
    """The export with each job's source path as its title, in the job and in its events' texts.

    Destinations stay: they are on the user's own disk. Paths no job names fall back to `<source name>`.
    """
    by_job = {job["id"]: {**roots, **job_replacements(job["source"], job["label"])} for job in export["jobs"]}
    return {"jobs": [redact_value(job, by_job[job["id"]]) for job in export["jobs"]],
            "events": [redact_value(event, by_job.get(event["job_id"], roots)) for event in export["events"]]}
