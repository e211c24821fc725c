"""Replies about transfer jobs, shared by the job verbs: a job as a table row, jobs' final states, the control verbs."""

from __future__ import annotations

from pathlib import Path

from plexsh import transfers
from plexsh.errors import PlexError
from plexsh.render import format_size
from plexsh.reply import Reply

JOB_COLUMNS = ["job", "state", "file", "done", "size", "note"]
JOB_ALIGN = ["right", "left", "left", "right", "right", "left"]


def job_row(view) -> list[str]:
    """A job as a table row: id, state, file, progress, size, rate or error."""
    note = view.error or ""
    if view.rate:
        note = f"{format_size(int(view.rate))}/s"
    return [str(view.id), view.state, view.label, f"{view.percent:.0f}%", format_size(view.total), note]


def finished_reply(reply: Reply, views, note: str | None = None) -> Reply:
    """The jobs' final states in the reply; not ok when any failed."""
    reply.data["jobs"] = [v.as_dict() for v in views]
    if note:
        reply.say(note, "note")
    for v in views:
        if v.state == "done":
            reply.say(f"copied {v.label} ({format_size(v.total)}) to {Path(v.destination).parent}", "good")
        else:
            reply.say(f"{v.state}: {v.label}" + (f": {v.error}" if v.error else ""), "bad")
    failed = [v for v in views if v.state != "done"]
    if failed:
        reply.ok = False
        reply.error = f"{len(failed)} of {len(views)} transfers did not finish"
        reply.hint = "`retry failed` tries them again"
    return reply


def engine_call(method, *args):
    """A supervisor control call; its SupervisorError becomes a PlexError the user reads."""
    from plexsh.engine.supervisor import SupervisorError

    try:
        return method(*args)
    except (SupervisorError, KeyError) as error:
        raise PlexError(str(error).strip("'")) from None


def control(session, verb: str, ids) -> Reply:
    """cancel/pause/resume/retry over the engine; retry in a script runs the retried jobs to the end."""
    sup = transfers.supervisor(session)
    done = engine_call(getattr(sup, verb), ids)
    reply = Reply(verb, data={"jobs": done})
    past = {"cancel": "cancelled", "pause": "paused", "resume": "resumed", "retry": "queued again"}[verb]
    if not done:
        return reply.say(f"no job to {verb}", "dim")
    reply.say(f"{past}: job{'s' if len(done) > 1 else ''} {', '.join(map(str, done))}", "note")
    if verb in ("retry", "resume") and session.engine is None:
        note = transfers.recovered_note(session)
        return finished_reply(reply, transfers.run_until_finished(session, done), note)
    return reply
