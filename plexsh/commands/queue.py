"""`queue [move N top|K | rm N]`: the waiting transfers, and their order."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import JOB_ALIGN, JOB_COLUMNS, engine_call, job_row
from plexsh.transfers import supervisor


@command("queue", ast.Queue, usage="queue [move N top|K | rm N]", summary="waiting transfers; reorder or drop them")
def queue(session, node: ast.Queue) -> Reply:
    sup = supervisor(session)
    reply = Reply("queue")
    if node.action == "move":
        engine_call(sup.move, node.job, node.position)
        reply.say(f"job {node.job} moved to {node.position}", "note")
    elif node.action == "rm":
        engine_call(sup.remove, node.job)
        reply.say(f"job {node.job} removed", "note")
    views = [v for v in sup.snapshot() if v.state in ("queued", "stalled", "paused", "running", "verifying")]
    reply.data["jobs"] = [v.as_dict() for v in views]
    if not views:
        return reply.say("the queue is empty", "dim")
    return reply.table(JOB_COLUMNS, [job_row(v) for v in views], align=JOB_ALIGN)
