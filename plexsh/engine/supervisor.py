"""The transfer supervisor: a trio nursery running copier children, with pause, cancel, stall detection and retries."""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import trio

from plexsh.config import Config
from plexsh.engine import fetch
from plexsh.engine.copier import command as copier_command
from plexsh.engine.jobs import FINISHED, PRIORITIES, Job, JobStore, engine_identity
from plexsh.engine.reach import endpoint, probe
from plexsh.engine.retry import backoff_delay, decide
from plexsh.engine.tempnames import beside
from plexsh.engine.workers import Worker, WorkerPool, send_signal
from plexsh.home import home_dir
from plexsh.library.overlap import inside

__all__ = ["JobView", "Supervisor", "SupervisorError", "COPIER"]

# The copier's lean start-up line: `python -m plexsh.engine.copier` costs ~25 ms more per file.
COPIER = tuple(copier_command())
FETCH = tuple(fetch.command())  # rsync, for rsync:// and [user@]host:/path sources
WAITING = ("queued", "stalled")  # states the scheduler starts from (once retry_at has passed)
_SAVE_EVERY = 1.0  # seconds between byte positions written per job
_NOTIFY_EVERY = 0.25  # seconds between progress notifications per job
_RATE_WINDOW = 5.0  # seconds of samples behind the rate
_QUIT_GRACE = 1.5  # seconds a child gets to stop at a checkpoint when plexsh quits (it needs milliseconds)
_PROBE_EVERY = 1.0  # seconds between looks at sources that failed, while their jobs wait
# Failures that mean "the source is away": their jobs retry as soon as it answers again instead of
# sitting out the rest of their backoff.
_UNREACHABLE = frozenset({"network", "stall", "source_unreadable"})


class SupervisorError(Exception):
    """A control request that cannot be done (unknown job, removing a running one ...)."""


@dataclass(frozen=True)
class JobView:
    """What the shell shows of a job: file, state, percent, rate, ETA."""

    id: int
    label: str
    source: str
    destination: str
    state: str
    priority: str
    position: int
    bytes_done: int
    total: int
    percent: float
    rate: float | None  # bytes/s over the last few seconds, while running
    eta: float | None  # seconds
    attempts: int
    resumed_from: int
    error: str | None
    error_kind: str | None
    sha256: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Run:
    """One attempt in flight: the child, its liveness and what the user asked of it."""

    process: trio.Process | None = None
    worker: Worker | None = None
    paused: bool = False
    stop: bool = False  # cancel requested
    discard: bool = False
    last_progress: float = field(default_factory=time.monotonic)
    final: dict | None = None
    eof: bool = False  # no more output for this attempt: its last event came, or the output ended
    wake: trio.Event = field(default_factory=trio.Event)


class Supervisor:
    """Owns every transfer. Start with `await nursery.start(sup.run)`; control from the shell with
    the plain methods (same thread as trio, or through trio.from_thread)."""

    def __init__(self, store: JobStore, config: Config, *, copier: Sequence[str] = COPIER,
                 on_change: Callable[[JobView], None] | None = None,
                 on_verified: Callable[[Job], None] | None = None, grace: float = 5.0,
                 env: dict[str, str] | None = None, chunk_size: str | None = None,
                 serve: bool | None = None):
        self.store = store
        self.sync = config.sync
        self.ssh_key = config.security.ssh_key_path
        self.ssh_ciphers = config.security.ssh_ciphers
        # The local sources, deepest first: the copier checks a file is inside the one it is in.
        self.roots = sorted((r for roots in config.sources.values() for r in roots if not fetch.is_remote(r)),
                            key=len, reverse=True)
        self.follow_symlinks = config.discovery.follow_symlinks
        self.identity = engine_identity()  # on each job it runs: another plexsh must not recover it
        self.copier = list(copier)
        # Workers that copy file after file (`--serve`) spare a small file the interpreter's
        # start-up; a stand-in copier in tests may only know the one-file command line.
        self.serve = list(copier) == list(COPIER) if serve is None else serve
        self.pool = WorkerPool(self.copier, env)
        from plexsh.journal import enabled as journal_enabled

        self.journaled = journal_enabled()
        self._nursery: trio.Nursery | None = None
        self._down: set[tuple] = set()  # endpoints seen not answering since their jobs failed
        self._probing: set[tuple] = set()
        self.on_change = on_change
        self.on_verified = on_verified
        self.grace = grace
        self.env = env
        self.chunk_size = chunk_size
        self._jobs: dict[int, Job] = {job.id: job for job in store.jobs()}
        # The unfinished ones, kept apart: the scheduler and progress look only at these, so a
        # long history of finished jobs costs nothing per file.
        self._pending: dict[int, Job] = {i: j for i, j in self._jobs.items() if j.state not in FINISHED}
        self._runs: dict[int, _Run] = {}
        self._samples: dict[int, deque] = {}
        self._saved: dict[int, float] = {}
        self._notified: dict[int, float] = {}
        self._token: trio.lowlevel.TrioToken | None = None
        self._wake = trio.Event()
        self._changed = trio.Event()

    @property
    def recovered(self) -> list[int]:
        """Jobs a killed plexsh left unfinished, queued again when the store opened."""
        return list(self.store.recovered)

    # --- the engine ------------------------------------------------------------------------------

    async def run(self, task_status=trio.TASK_STATUS_IGNORED) -> None:
        """Schedule jobs until cancelled; on cancel, children are stopped and their jobs stay queued."""
        self._token = trio.lowlevel.current_trio_token()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self.pool.run)
            nursery.start_soon(self._watch_sources)
            task_status.started(self)
            try:
                while True:
                    self._schedule(nursery)
                    self.pool.retire_idle()
                    self._wake = trio.Event()
                    with trio.move_on_after(min(self._next_retry_in(), self.pool.next_retirement_in())):
                        await self._wake.wait()
            finally:
                self._nursery = None
                nursery.cancel_scope.cancel()

    def _schedule(self, nursery: trio.Nursery) -> None:
        now = time.time()
        free = self.sync.parallel_workers - len(self._runs)
        for job in self._queue_order(unfinished=True):
            if free <= 0:
                break
            if job.state in WAITING and job.id not in self._runs and (job.retry_at or 0) <= now:
                run = self._runs[job.id] = _Run()
                nursery.start_soon(self._attempt, job, run)
                free -= 1

    def _next_retry_in(self) -> float:
        times = [j.retry_at for j in self._pending.values() if j.state in WAITING and j.retry_at]
        return max(0.0, min(times) - time.time()) if times else float("inf")

    def _queue_order(self, unfinished: bool = False) -> list[Job]:
        jobs = self._pending.values() if unfinished else self._jobs.values()
        return sorted(jobs, key=lambda j: (PRIORITIES.index(j.priority), j.position, j.id))

    # --- sources coming back ---------------------------------------------------------------------

    async def _watch_sources(self) -> None:
        """Probe the sources of jobs waiting out a backoff after losing them; when one that did not
        answer answers again, its jobs retry at once (recovery in seconds, not a backoff's minutes)."""
        while True:
            await trio.sleep(_PROBE_EVERY)
            waiting: dict[tuple, list[Job]] = {}
            for job in self._pending.values():
                if job.state in WAITING and job.retry_at and job.error_kind in _UNREACHABLE:
                    waiting.setdefault(endpoint(job.source), []).append(job)
            self._down &= set(waiting)
            for where in waiting:
                if where not in self._probing and self._nursery is not None:
                    self._probing.add(where)
                    self._nursery.start_soon(self._probe, where)

    async def _probe(self, where: tuple) -> None:
        try:
            answers = await probe(where)
        finally:
            self._probing.discard(where)
        if not answers:
            self._down.add(where)
            return
        if where not in self._down:
            return  # it never stopped answering: the failure was something else, keep the backoff
        self._down.discard(where)
        now = time.time()
        for job in list(self._pending.values()):
            if job.state in WAITING and job.retry_at and job.retry_at > now and endpoint(job.source) == where:
                self._set(job, retry_at=now)
                self.store.event(job.id, "source_back", bytes_=job.bytes_done, reason="the source answers again")
        self._poke()

    # --- one attempt -----------------------------------------------------------------------------

    async def _attempt(self, job: Job, run: _Run) -> None:
        attempt = job.attempts + 1
        fresh = job.fresh
        self._set(job, state="running", attempts=attempt, started=job.started or time.time(),
                  retry_at=None, fresh=False, finished=None)
        self.store.event(job.id, "attempt_started", attempt=attempt, bytes_=job.bytes_done, fresh=fresh)
        self._samples[job.id] = deque()
        ended = False
        try:
            outcome, kind, message = await self._copy(job, run, fresh)
            if outcome == "done":
                # The next file starts copying while this one is checked and fsynced: the disk
                # flush of one overlaps the copy of the next (most of a small file's cost).
                self._runs.pop(job.id, None)
                self._poke()
                outcome, kind, message = await self._finish(job, run.final or {})
            ended = True
        finally:
            self._runs.pop(job.id, None)
            self._poke()
            if not ended:  # the supervisor is stopping (cancelled, possibly inside an exception group)
                self._set(job, state="queued", pid=None, bytes_done=job.bytes_done)
                self.store.event(job.id, "interrupted", attempt=attempt, bytes_=job.bytes_done,
                                 reason="plexsh stopped")
        self.store.event(job.id, "attempt_ended", attempt=attempt, bytes_=job.bytes_done,
                         reason=outcome if kind is None else kind, message=message)
        if outcome == "done":
            return
        if outcome == "cancelled":
            if run.discard:
                _discard(job.partial)
            self._set(job, state="cancelled", finished=time.time(), last_error=None, error_kind=None)
            return
        decision = decide(kind)
        if decision == "fail":
            self._set(job, state="failed", finished=time.time(), last_error=message, error_kind=kind)
        elif attempt > self.sync.retry_attempts:
            self._set(job, state="failed", finished=time.time(), error_kind=kind,
                      last_error=f"gave up after {attempt} attempts: {message}")
        elif decision == "fresh":
            self._set(job, state="queued", fresh=True, retry_at=None, last_error=message, error_kind=kind)
        else:
            delay = backoff_delay(attempt, self.sync.retry_backoff_base, self.sync.retry_backoff_max,
                                  self.sync.retry_backoff)
            self._set(job, state="stalled" if kind == "stall" else "queued", retry_at=time.time() + delay,
                      last_error=message, error_kind=kind)

    async def _copy(self, job: Job, run: _Run, fresh: bool) -> tuple[str, str | None, str]:
        """Run the copier once: ("done" | "cancelled" | "stalled" | "error", error kind, message)."""
        remote = fetch.is_remote(job.source)
        argv = list(FETCH) if remote else list(self.copier)
        if remote:
            argv += ["--timeout", str(max(5, int(self.sync.stall_timeout)))]
            if self.ssh_key:
                argv += ["--ssh-key", os.fspath(self.ssh_key)]
            argv += ["--ssh-ciphers", self.ssh_ciphers or ""]
            if job.verify == "sha256":  # asked for: the source-side check (fetch's docstring)
                argv.append("--source-check")
            argv += ["--known-hosts", str(home_dir() / "known_hosts")]
        bwlimit = job.bwlimit if job.bwlimit is not None else self.sync.bandwidth_limit
        if bwlimit:
            argv += ["--bwlimit", str(bwlimit)]
        if self.chunk_size:
            argv += ["--chunk-size", str(self.chunk_size)]
        if fresh:
            argv.append("--fresh")
        request = {"source": job.source, "partial": job.partial, "bwlimit": bwlimit or 0,
                   "chunk_size": self.chunk_size, "fresh": fresh}
        root = None if remote else next((r for r in self.roots if inside(job.source, r)), None)
        if root is not None:  # a file swapped for a link out of its source since the scan is refused
            argv += ["--root", root, "--links", self.follow_symlinks]
            request.update(root=root, links=self.follow_symlinks)
        try:
            Path(job.partial).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return "error", "dest_unwritable", f"cannot create {Path(job.partial).parent}: {error.strerror}"
        worker = await self.pool.start(argv, request, serve=self.serve and not remote)
        process = worker.process
        run.process, run.worker = process, worker
        run.last_progress = time.monotonic()
        self._set(job, pid=process.pid, engine=self.identity)
        if run.paused:  # paused between scheduling and start
            send_signal(process, signal.SIGSTOP)
        verdict = None
        reusable = False
        try:
            async with trio.open_nursery() as readers:
                readers.start_soon(self._read_events, job, run, worker)
                verdict = await self._watch(run)
                # A serving worker that answered done or error is healthy: it waits for the next file.
                reusable = (verdict == "eof" and worker.serving and process.poll() is None
                            and (run.final or {}).get("event") in ("done", "error"))
                if verdict == "eof" and not reusable:
                    with trio.move_on_after(self.grace):
                        await process.wait()
                elif verdict == "cancel":
                    await self._terminate(run)
                elif verdict == "stall":  # kill and never wait for it here (it may sit in uninterruptible I/O)
                    send_signal(process, signal.SIGKILL)
                readers.cancel_scope.cancel()
        finally:
            if process.returncode is None and not reusable:
                if verdict is None:  # the supervisor is stopping (plexsh quits): never hold that up long
                    with trio.CancelScope(shield=True):
                        await self._terminate(run, grace=min(self.grace, _QUIT_GRACE))
                if process.returncode is None:
                    send_signal(process, signal.SIGKILL)
                    self.pool.abandon(process)
            self._set(job, pid=None)
        final = run.final or {}
        if reusable:
            if run.paused:  # paused as it finished: the next file must not start stopped
                send_signal(process, signal.SIGCONT)
            self.pool.release(worker)
            self._poke()
        if verdict == "stall":
            return ("stalled", "stall",
                    f"no progress for {self.sync.stall_timeout:g} s (the source may be unreachable)")
        if final.get("event") == "done" and (process.returncode == 0 or reusable):
            return "done", None, ""
        if verdict == "cancel":
            return "cancelled", None, "cancelled"
        if final.get("event") == "error":
            kind = final.get("kind") or "other"
            return "error", kind, _message(kind, final.get("message"), job)
        tail = worker.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        code = process.returncode
        return "error", "other", f"the copier ended without a result (exit {code}) {tail[0]}".strip()

    async def _watch(self, run: _Run) -> str:
        """Wait for the end of output, a cancel request, or a stall (the clock stops while paused)."""
        tick = min(0.25, self.sync.stall_timeout / 5)
        while True:
            if run.eof:
                return "eof"
            if run.stop:
                return "cancel"
            if run.paused:
                run.last_progress = time.monotonic()
            elif time.monotonic() - run.last_progress > self.sync.stall_timeout:
                return "stall"
            run.wake = trio.Event()
            with trio.move_on_after(tick):
                await run.wake.wait()

    async def _terminate(self, run: _Run, grace: float | None = None) -> None:
        """SIGTERM (and SIGCONT if stopped), then wait out the grace period for a clean stop. A child
        still there afterwards is SIGKILLed and left to the reaper by the caller (_attempt's finally),
        the one place that does so, since a child may sit in uninterruptible I/O even then."""
        process = run.process
        send_signal(process, signal.SIGTERM)
        if run.paused:
            send_signal(process, signal.SIGCONT)
        with trio.move_on_after(self.grace if grace is None else grace):
            await process.wait()

    async def _read_events(self, job: Job, run: _Run, worker: Worker) -> None:
        """This attempt's events, up to its last one (a serving worker's next file is another's)."""
        try:
            while True:
                while b"\n" in worker.buffer:
                    line, worker.buffer = worker.buffer.split(b"\n", 1)
                    self._on_line(job, run, worker, line)
                    if run.final is not None:
                        return
                chunk = await worker.process.stdout.receive_some(65536)
                if not chunk:
                    return
                worker.buffer += chunk
        finally:
            run.eof = True
            run.wake.set()

    def _on_line(self, job: Job, run: _Run, worker: Worker, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            worker.stderr += line[-500:] + b"\n"
            return
        if not isinstance(event, dict):
            return
        now = time.monotonic()
        run.last_progress = now
        if event.get("event") == "progress":
            job.bytes_done = int(event.get("bytes", job.bytes_done))
            # job.total stays the size the catalog listed: _finish holds the copy to it.
            job.resumed_from = int(event.get("resumed_from", job.resumed_from))
            samples = self._samples.setdefault(job.id, deque())
            samples.append((now, job.bytes_done))
            while samples and now - samples[0][0] > _RATE_WINDOW:
                samples.popleft()
            if now - self._saved.get(job.id, 0) >= _SAVE_EVERY:
                self._saved[job.id] = now
                self.store.update(job.id, bytes_done=job.bytes_done, total=job.total,
                                  resumed_from=job.resumed_from)
            if now - self._notified.get(job.id, 0) >= _NOTIFY_EVERY:
                self._notified[job.id] = now
                self._notify(job)
        elif event.get("event") in ("done", "error", "cancelled"):
            run.final = event

    async def _finish(self, job: Job, done: dict) -> tuple[str, str | None, str]:
        """Verify a finished copy and rename it into place; only then does the final name exist."""
        self._set(job, state="verifying", bytes_done=int(done.get("bytes", job.bytes_done)),
                  resumed_from=int(done.get("resumed_from", job.resumed_from)))
        partial, final = Path(job.partial), Path(job.destination)
        try:
            size = await trio.to_thread.run_sync(lambda: os.stat(partial).st_size)
        except OSError as error:
            _forget_checkpoints(partial)
            return "error", "other", f"the copied file vanished before verification: {error.strerror}"
        expected = int(done.get("bytes", -1))
        source_sha, dest_sha = done.get("sha256"), done.get("dest_sha256")
        problem, kind = None, "verify"
        if size != expected:
            problem = f"size mismatch: {size} bytes written, {expected} read"
        elif size != job.total:  # what the catalog listed: another file, or a changed one; no retry mends it
            kind = "source_refused"
            problem = (f"the source is {size} bytes, not the {job.total} the catalog listed for it (it changed "
                       "since the last scan, or is another file): scan, then get it again")
        elif job.verify in ("sha256", "checksum") and (not source_sha or source_sha != dest_sha):
            problem = "sha256 mismatch between the source as read and the copy"
        self.store.event(job.id, "verified", bytes_=size, reason="ok" if problem is None else problem,
                         mode=job.verify, sha256=source_sha, dest_sha256=dest_sha,
                         guarantee=done.get("guarantee"), copied=done.get("copied"))
        if problem is not None:
            if kind == "verify":  # the child's checkpoints vouch for bytes that failed the check
                _forget_checkpoints(partial)
            return "error", kind, problem
        placing = None
        if self.journaled:  # the get's journal steps for this file, marked around the rename (on this thread)
            from plexsh.journal.placing import Placing

            placing = Placing.find(self.store.db, final, source_sha, trio.from_thread.run_sync)
        try:
            await trio.to_thread.run_sync(_commit, partial, final, job.may_replace, done.get("identity"), placing,
                                          Path(self.store.path).parent)
        except ChangedSinceVerified:
            _forget_checkpoints(partial)
            return "error", "verify", ("the copy was changed by another program after it was verified "
                                       "(it is copied again from the start)")
        except FileExistsError:
            return "error", "conflict", (f"a different file appeared at {final} during the copy; it is kept "
                                         "(`get ... replace` replaces it)")
        except OSError as error:
            return "error", "dest_unwritable", f"cannot put {final.name} in place: {error.strerror}"
        self._set(job, state="done", sha256=source_sha, finished=time.time(), last_error=None,
                  error_kind=None, bytes_done=size)
        if self.on_verified is not None:
            self.on_verified(job)
        return "done", None, ""

    # --- bookkeeping -----------------------------------------------------------------------------

    def _set(self, job: Job, **values: Any) -> None:
        """Change a job in memory and in the store; state changes are announced."""
        for key, value in values.items():
            setattr(job, key, value)
        if "state" in values:
            if job.state in FINISHED:
                self._pending.pop(job.id, None)
            elif job.id in self._jobs:
                self._pending[job.id] = job
        self.store.update(job.id, **values)
        if "bytes_done" in values:
            self._saved[job.id] = time.monotonic()
        if "state" in values:
            self._notify(job)

    def _notify(self, job: Job) -> None:
        if self._token is not None:
            try:
                self._token.run_sync_soon(self._broadcast)
            except trio.RunFinishedError:
                pass
        if self.on_change is not None:
            self.on_change(self._view(job))

    def _broadcast(self) -> None:
        changed, self._changed = self._changed, trio.Event()
        changed.set()

    def _poke(self) -> None:
        """Wake the scheduler (from anywhere: it runs soon in trio's thread)."""
        if self._token is not None:
            try:
                self._token.run_sync_soon(lambda: self._wake.set())
            except trio.RunFinishedError:
                pass

    def _wake_run(self, run: _Run) -> None:
        if self._token is not None:
            try:
                self._token.run_sync_soon(run.wake.set)
            except trio.RunFinishedError:
                pass

    def _view(self, job: Job) -> JobView:
        rate = eta = None
        samples = self._samples.get(job.id)
        if job.state == "running" and samples and len(samples) > 1:
            (t0, b0), (t1, b1) = samples[0], samples[-1]
            if t1 > t0:
                rate = max(0.0, (b1 - b0) / (t1 - t0))
                eta = (job.total - job.bytes_done) / rate if rate > 0 else None
        percent = 100.0 * job.bytes_done / job.total if job.total else (100.0 if job.state == "done" else 0.0)
        return JobView(job.id, job.label or Path(job.destination).name, job.source, job.destination,
                       job.state, job.priority, job.position, job.bytes_done, job.total,
                       round(min(percent, 100.0), 1), rate, eta, job.attempts, job.resumed_from,
                       job.last_error, job.error_kind, job.sha256)

    def _select(self, ids: Iterable[int] | str | int) -> list[Job]:
        if ids == "all":
            return self._queue_order()
        if ids == "failed":
            return [j for j in self._queue_order() if j.state == "failed"]
        if isinstance(ids, int):
            ids = [ids]
        jobs = []
        for job_id in ids:
            if job_id not in self._jobs:
                raise SupervisorError(f"no job {job_id}")
            jobs.append(self._jobs[job_id])
        return jobs

    # --- control API -------------------------------------------------------------------------------

    def enqueue(self, entries: Iterable[Any], priority: str = "normal", bwlimit: int | None = None,
                verify: str | None = None) -> list[int]:
        """Queue plan entries (skipped ones are left out); returns job ids. A file already
        waiting or in flight keeps its job (two copiers must never share a partial)."""
        verify = verify or ("checksum" if self.sync.checksum_validation else "size")
        live = {j.destination: j.id for j in self._pending.values()}
        ids = []
        for entry in entries:
            if getattr(entry, "skipped", None):
                continue
            destination = str(entry.destination)
            if destination in live:
                ids.append(live[destination])
                continue
            item, file = getattr(entry, "item", None), getattr(entry, "file", None)
            job = self.store.add(str(entry.source), destination, str(entry.partial), int(entry.size),
                                 priority=priority, verify=verify, bwlimit=bwlimit,
                                 item_id=getattr(item, "id", None), file_id=getattr(file, "id", None),
                                 label=Path(destination).name,
                                 may_replace=bool(getattr(entry, "replaces", False)))
            self._jobs[job.id] = self._pending[job.id] = live[destination] = job
            ids.append(job.id)
            self._notify(job)
        self._poke()
        return ids

    def cancel(self, ids: Iterable[int] | str | int = "all", *, discard: bool = False) -> list[int]:
        """Stop jobs (SIGTERM, then SIGKILL after the grace period). Partials stay unless `discard`."""
        done = []
        for job in self._select(ids):
            if job.state in FINISHED:
                continue
            run = self._runs.get(job.id)
            if run is not None:
                run.stop, run.discard = True, discard
                self._wake_run(run)
            elif job.state == "verifying":  # copied whole; it lands in a moment
                continue
            else:
                if discard:
                    _discard(job.partial)
                self._set(job, state="cancelled", finished=time.time(), retry_at=None)
                self.store.event(job.id, "interrupted", bytes_=job.bytes_done, reason="cancelled")
            done.append(job.id)
        return done

    def pause(self, ids: Iterable[int] | str | int = "all") -> list[int]:
        """SIGSTOP running children; waiting jobs are held back. Paused jobs keep their worker."""
        done = []
        for job in self._select(ids):
            run = self._runs.get(job.id)
            if run is not None and not run.paused and not run.stop and job.state == "running":
                run.paused = True
                if run.process is not None:
                    send_signal(run.process, signal.SIGSTOP)
            elif run is not None or job.state not in WAITING:
                continue
            self._set(job, state="paused")
            self.store.event(job.id, "paused", bytes_=job.bytes_done)
            done.append(job.id)
        return done

    def resume(self, ids: Iterable[int] | str | int = "all") -> list[int]:
        """SIGCONT paused children; paused waiting jobs go back to the queue."""
        done = []
        for job in self._select(ids):
            if job.state != "paused":
                continue
            run = self._runs.get(job.id)
            if run is not None:
                run.paused = False
                run.last_progress = time.monotonic()
                if run.process is not None:
                    send_signal(run.process, signal.SIGCONT)
                self._set(job, state="running")
            else:
                self._set(job, state="queued", retry_at=None)
            self.store.event(job.id, "resumed", bytes_=job.bytes_done)
            done.append(job.id)
        self._poke()
        return done

    def retry(self, ids: Iterable[int] | str | int = "failed") -> list[int]:
        """Queue failed or cancelled jobs again with a full retry budget; waiting ones retry now."""
        done = []
        for job in self._select(ids):
            if job.state in ("failed", "cancelled", "stalled") or (job.state == "queued" and job.retry_at):
                self._set(job, state="queued", attempts=0, retry_at=None, finished=None)
                self.store.event(job.id, "retry", bytes_=job.bytes_done, reason="asked")
                done.append(job.id)
        self._poke()
        return done

    def move(self, job_id: int, position: int | str) -> None:
        """Put a waiting job at a 1-based position ("top" = 1) of the queue."""
        self._select([job_id])
        self.store.move(job_id, 1 if position == "top" else int(position))
        for job in self.store.jobs():
            if job.id in self._jobs:
                self._jobs[job.id].position = job.position
        self._notify(self._jobs[job_id])
        self._poke()

    def remove(self, job_id: int) -> None:
        """Forget a job that is not in flight (its partial, if any, stays)."""
        (job,) = self._select([job_id])
        if job.id in self._runs or job.state == "verifying":
            raise SupervisorError(f"job {job_id} is {job.state}: cancel it first")
        self.store.remove(job_id)
        del self._jobs[job_id]
        self._pending.pop(job_id, None)
        self._poke()

    async def wait(self, ids: Iterable[int] | int | None = None) -> list[JobView]:
        """Until the jobs (default: all unfinished now) are done, failed or cancelled."""
        if ids is None:
            targets = list(self._pending)
        else:
            targets = [j.id for j in self._select(ids)]
        while True:
            changed = self._changed
            if all(self._jobs[i].state in FINISHED for i in targets if i in self._jobs):
                return [self._view(self._jobs[i]) for i in targets if i in self._jobs]
            await changed.wait()

    def snapshot(self) -> list[JobView]:
        """Every job in queue order, with percent, rate and ETA."""
        return [self._view(job) for job in self._queue_order()]

    def active(self) -> list[JobView]:
        """The jobs not done, failed or cancelled, in queue order: what progress lines show (a
        long history of finished jobs must not slow every progress update)."""
        return [self._view(job) for job in self._queue_order(unfinished=True)]

    def view(self, job_id: int) -> JobView:
        return self._view(self._select([job_id])[0])


# --- helpers ---------------------------------------------------------------------------------------


def _message(kind: str, message: str | None, job: Job) -> str:
    if kind == "no_space":
        return (f"the destination is full ({Path(job.destination).parent}): free some space, then "
                f"`retry {job.id}` resumes from the bytes already copied")
    return message or kind.replace("_", " ")


def _discard(partial: str) -> None:
    for path in (partial, beside(partial, "state")):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


class ChangedSinceVerified(Exception):
    """The partial is not the file the child hashed, or was written to since."""


def _commit(partial: Path, final: Path, may_replace: bool, identity: list | None, placing=None,
            trash_home: Path | None = None) -> None:
    """fsync the copy, rename it into place, fsync the folder; drop the copier's state file.

    The partial must still be the file the child verified: IDENTITY is its device, inode, size,
    modification and change times as the child saw them after the last byte (the change time moves
    with any write and cannot be set back), so a partial replaced or rewritten since is refused
    without reading it again. Unless the job may replace what is there, a file that appeared at
    `final` since the plan stays: a hard link puts the copy in place only where nothing is
    (FileExistsError otherwise). A file the job may replace goes to the trash (of TRASH_HOME) first,
    never destroyed; PLACING (plexsh.journal.placing) marks the journal's steps around each file operation.
    """
    fd = os.open(partial, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        if identity != [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]:
            raise ChangedSinceVerified
        os.fsync(fd)
    finally:
        os.close(fd)
    if may_replace and os.path.lexists(final):
        if os.path.isdir(final) and not os.path.islink(final):  # replace means a file, never a folder
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(final))
        if placing is not None:
            placing.trash_old(final)
        else:
            from plexsh.journal.placing import trash_replaced

            trash_replaced(final, trash_home)
    elif placing is not None:
        placing.nothing_to_trash()  # the file it was to replace went meanwhile
    if placing is not None:
        placing.starting()
    _rename_unless_taken(partial, final)
    folder = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    _forget_checkpoints(partial)  # before the journal says done: a crash until then leaves the step to settle
    if placing is not None:
        placing.placed(final)


def _forget_checkpoints(partial: Path) -> None:
    """Remove the state file of PARTIAL: its copy is in place, gone, or failed its check."""
    try:
        os.unlink(beside(partial, "state"))
    except FileNotFoundError:
        pass


def _rename_unless_taken(partial: Path, final: Path) -> None:
    """Rename, failing with FileExistsError when anything is at `final`: one atomic rename
    (renameat2's RENAME_NOREPLACE) where the kernel has it, so a crash never leaves the copy under
    both names; elsewhere a hard link then an unlink (the journal settles a crash between the two)."""
    from plexsh.journal.trash import rename_unless_taken

    rename_unless_taken(partial, final)
