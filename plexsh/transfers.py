"""The engine a Session drives: its job store, a supervisor recording verified copies, and running jobs to the end under trio."""

from __future__ import annotations

import trio


def job_store(session):
    """This thread's JobStore over the session's file. The first one opened (the engine's) requeues
    jobs a killed plexsh left running; one opened later on another thread (a shell command's) does not."""
    from plexsh.engine.jobs import JobStore

    recover = not session.opened_before("jobs")
    return session.thread_database("jobs", lambda path: JobStore(path, recover=recover))


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
        from plexsh.usage.records import record as record_access  # the usage record of the get (plexsh/usage)

        record_access(session.catalog, job.destination, "get", {"job": job.id, "sha256": job.sha256},
                      when=job.finished, analytics=session.config.analytics)

    return record


def recovered_note(session) -> str | None:
    """Once per session: the actions a stopped plexsh left half done (finished or rolled back at start)
    and the jobs it left unfinished (they run again with the queue)."""
    store = job_store(session)  # opening the file first runs the journal's recovery, if nothing has yet
    # The shell says the journal's lines at its start; a script's go with the next reply, into its JSON.
    notes = session.take_journal_notes() if session.interactive else []
    if store.recovered and not session._recovered_said:
        session._recovered_said = True
        ids = ", ".join(map(str, store.recovered))
        notes.append(f"resuming job{'s' if len(store.recovered) > 1 else ''} {ids}, left unfinished by a stopped plexsh")
    return "; ".join(notes) or None


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
