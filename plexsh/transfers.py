"""Glue between a Session and the engine: the job store, a supervisor, and running jobs to the end under trio."""

from __future__ import annotations


import trio

from plexsh.render import format_size


def job_store(session):
    """The session's JobStore, opened once (opening it requeues jobs a killed plexsh left running)."""
    if session._jobs is None:
        from plexsh.engine.jobs import JobStore

        session._jobs = session.open_database(JobStore)
    return session._jobs


def supervisor(session):
    """The live engine in the shell; in scripts a supervisor over the stored jobs (run on demand)."""
    if session.engine is not None:
        return session.engine
    if session._supervisor is None:
        from plexsh.engine.supervisor import Supervisor

        session._supervisor = Supervisor(job_store(session), session.config, on_verified=recorder(session))
    return session._supervisor


def recorder(session):
    """The on_verified hook: the copy goes into the local record, its SHA-256 into the catalog's hashes."""
    from plexsh.library.local import local_files

    def record(job) -> None:
        local_files(session.catalog).record(job.file_id, job.source, job.destination, job.bytes_done or job.total,
                                            job.sha256, job.finished)

    return record


def local_pairs(session, item_id: int) -> set[tuple[int, int]]:
    """(season, episode) pairs of a show already local: recorded copies still on disk at their size."""
    from plexsh.library.local import local_files

    files = {f.id: f for f in session.catalog.files(item_id)}
    have = set()
    for copy in local_files(session.catalog).copies(item_id=item_id, present=True):
        f = files.get(copy.file_id)
        if f is not None:
            have.update((f.season, e) for e in f.episodes)
    return have


def recovered_note(session) -> str | None:
    """Once per session: which jobs a killed plexsh left unfinished (they run again with the queue)."""
    store = job_store(session)
    if not store.recovered or session._recovered_said:
        return None
    session._recovered_said = True
    ids = ", ".join(map(str, store.recovered))
    return f"resuming job{'s' if len(store.recovered) > 1 else ''} {ids}, left unfinished by a stopped plexsh"


def run_until_finished(session, ids: list[int] | None) -> list:
    """Run the engine under trio until these jobs (None: every unfinished one) end; their final views."""
    sup = supervisor(session)
    if ids is not None:
        ids = sorted(set(ids) | set(job_store(session).recovered))

    async def main():
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            views = await sup.wait(ids)
            # Stopping the engine puts other jobs still in flight back in the queue: no event to show.
            sup.on_change = None
            nursery.cancel_scope.cancel()
        return views

    with session.renderer.job_progress(sup.active()) as show:
        sup.on_change = show
        try:
            return trio.run(main)
        finally:
            sup.on_change = None


def job_row(view) -> list[str]:
    """A job as a table row: id, state, file, progress, size, rate or error."""
    note = view.error or ""
    if view.rate:
        note = f"{format_size(int(view.rate))}/s"
    return [str(view.id), view.state, view.label, f"{view.percent:.0f}%", format_size(view.total), note]


JOB_COLUMNS = ["job", "state", "file", "done", "size", "note"]
JOB_ALIGN = ["right", "left", "left", "right", "right", "left"]


def engine_call(method, *args):
    """A supervisor control call; its SupervisorError becomes a PlexError the user reads."""
    from plexsh.engine.supervisor import SupervisorError
    from plexsh.errors import PlexError

    try:
        return method(*args)
    except (SupervisorError, KeyError) as error:
        raise PlexError(str(error).strip("'")) from None


def control(session, verb: str, ids):
    """cancel/pause/resume/retry over the engine; retry in a script runs the retried jobs to the end."""
    from plexsh.reply import Reply

    sup = supervisor(session)
    done = engine_call(getattr(sup, verb), ids)
    reply = Reply(verb, data={"jobs": done})
    past = {"cancel": "cancelled", "pause": "paused", "resume": "resumed", "retry": "queued again"}[verb]
    if not done:
        return reply.say(f"no job to {verb}", "dim")
    reply.say(f"{past}: job{'s' if len(done) > 1 else ''} {', '.join(map(str, done))}", "note")
    if verb in ("retry", "resume") and session.engine is None:
        from plexsh.commands.get import finished_reply

        note = recovered_note(session)
        return finished_reply(reply, run_until_finished(session, done), note)
    return reply
