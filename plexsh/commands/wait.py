"""`wait [N...]`: run the queue until these transfers (or all) finish."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.jobreplies import finished_reply
from plexsh.reply import Reply
from plexsh.transfers import job_store, recovered_note, run_until_finished


@command("wait", ast.Wait, usage="wait [N...]", summary="wait until transfers finish")
def wait(session, node: ast.Wait) -> Reply:
    if session.engine is not None:
        raise_in_shell()
    unknown = [job_id for job_id in node.ids if job_store(session).get(job_id) is None]
    if unknown:
        from plexsh.errors import NotFound

        raise NotFound(f"no job {' or '.join(map(str, unknown))}", "`jobs` lists the transfers and their numbers")
    note = recovered_note(session)
    views = run_until_finished(session, list(node.ids) or None)
    if not views:
        return Reply("wait", data={"jobs": []}).say("no transfers waiting", "dim")
    return finished_reply(Reply("wait"), views, note)


def raise_in_shell():
    from plexsh.errors import PlexError

    raise PlexError("in the shell transfers run in the background", "`jobs` shows how far they are")
