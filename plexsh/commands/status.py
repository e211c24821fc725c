"""`status`: recent transfers, per file: bytes, speed, duration, retries, verified; and the trash's size."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh.transfers import job_store


@command("status", ast.Status, usage="status [storage]",
         summary="recent transfers: bytes, speed, duration, retries, verified; the trash's size",
         details="status            the last 20 finished transfers and the trash's size\n"
                 "status storage    the same as `storage`: where local space goes")
def status(session, node: ast.Status) -> Reply:
    if node.storage:
        from plexsh.commands.storage import storage

        return storage(session, node)
    finished = [j for j in job_store(session).jobs(("done", "failed", "cancelled"))]
    finished.sort(key=lambda j: j.finished or 0, reverse=True)
    finished = finished[:20]
    guarantees = job_store(session).guarantees(j.id for j in finished if j.state == "done")
    rows, data = [], []
    for j in finished:
        seconds = (j.finished - j.started) if j.finished and j.started else None
        speed = (j.bytes_done - j.resumed_from) / seconds if seconds else None
        data.append({"id": j.id, "file": j.label, "state": j.state, "bytes": j.bytes_done, "seconds": seconds,
                     "speed": speed, "attempts": j.attempts, "verify": j.verify, "guarantee": guarantees.get(j.id),
                     "sha256": j.sha256})
        rows.append([str(j.id), j.label or "", j.state, format_size(j.bytes_done),
                     f"{format_size(int(speed))}/s" if speed else "", f"{seconds:.1f} s" if seconds else "",
                     str(max(j.attempts - 1, 0)), _verified(j.verify, guarantees.get(j.id)) if j.state == "done" else ""])
    reply = Reply("status", data={"transfers": data})
    if not rows:
        reply.say("no finished transfers yet", "dim")
    else:
        reply.table(["job", "file", "state", "bytes", "speed", "took", "retries", "verified"], rows,
                    align=["right", "left", "left", "right", "right", "right", "right", "left"])
    return _trash(session, reply)


def _trash(session, reply: Reply) -> Reply:
    """The trash's size under the transfers: what `trash empty` would free."""
    from plexsh.commands.trash import ANSWER_SECONDS, trash_home
    from plexsh.journal import trash

    try:
        found = trash.total_within(trash_home(session), ANSWER_SECONDS)
    except OSError as error:
        reply.data["trash"] = None
        return reply.say(f"trash: cannot read it: {error}", "warn")
    if found is None:  # a trash on a mount that stopped answering
        reply.data["trash"] = None
        return reply.say("trash: a trash folder does not answer (a dead mount?)", "warn")
    count, size = found
    reply.data["trash"] = {"files": count, "bytes": size}
    return reply.say(f"trash: {count} entr{'ies' if count != 1 else 'y'}, {format_size(size)}"
                     + (" (`trash` lists them)" if count else ""), "dim")


def _verified(mode: str, guarantee: str | None) -> str:
    """The verify mode and, where known, what it proved: `checksum: rsync-checksum+local-sha256`."""
    return f"{mode}: {guarantee}" if guarantee else mode
