"""`jobs`: running, queued, failed and recent transfers."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import JOB_ALIGN, JOB_COLUMNS, job_row
from plexsh.transfers import supervisor


@command("jobs", ast.Jobs, usage="jobs", summary="transfers: running, queued, failed and recent")
def jobs(session, node: ast.Jobs) -> Reply:
    views = supervisor(session).snapshot()
    reply = Reply("jobs", data={"jobs": [v.as_dict() for v in views]})
    if not views:
        return reply.say("no transfers yet: `get TITLE` starts one", "dim")
    return reply.table(JOB_COLUMNS, [job_row(v) for v in views], align=JOB_ALIGN)
