"""The supervisor with real child processes and real files: copy, verify, cancel, pause, stall, retry."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio

from plexsh.config import Config, Sync
from plexsh.engine.jobs import JobStore
from plexsh.engine.plan import partial_path
from plexsh.engine.supervisor import COPIER, Supervisor
from enginekit import Entry, proc_state, running

# The real copier, always; a fault (a child that hangs, one that ignores SIGTERM) is asked of it
# through its test hook, PLEXSH_TEST_COPIER_FAULT (see faulty()).
REAL = list(COPIER)
LIMIT = 60  # seconds: only to turn a hang into a failure, never a speed assertion


def make_source(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def entry(tmp_path: Path, name: str, size: int) -> tuple[Entry, bytes]:
    source = tmp_path / "nas" / name
    data = make_source(source, size)
    destination = tmp_path / "local" / "Movies" / name.rsplit(".", 1)[0] / name
    return Entry(source, destination, partial_path(destination), size), data


def faulty(fault: str, once: Path | None = None) -> dict[str, str]:
    """The environment of copier children that commit FAULT (copier.TEST_FAULT), only in the
    first run that comes to it when ONCE (a file that run creates) is given."""
    env = dict(os.environ, PLEXSH_TEST_COPIER_FAULT=fault)
    if once is not None:
        env["PLEXSH_TEST_COPIER_FAULT_ONCE"] = str(once)
    return env


@asynccontextmanager
async def supervising(tmp_path: Path, copier=None, grace: float = 2.0, env: dict | None = None, **sync):
    settings = dict(retry_attempts=3, retry_backoff_base=0.05, retry_backoff_max=0.2, stall_timeout=10.0)
    settings.update(sync)
    changes = []
    verified = []
    async with running(tmp_path, Config(sync=Sync(**settings)), LIMIT, copier=copier or REAL, grace=grace,
                       chunk_size="64K", on_change=changes.append, on_verified=verified.append,
                       env=env) as sup:
        sup.changes, sup.verified = changes, verified
        yield sup


async def until(predicate, step: float = 0.02):
    while not predicate():
        await trio.sleep(step)


def state(sup: Supervisor, job_id: int) -> str:
    return sup.view(job_id).state


async def test_files_arrive_byte_identical_and_appear_only_when_verified(tmp_path):
    slow, slow_data = entry(tmp_path, "Slow (2001).mkv", 1 << 20)
    others = [entry(tmp_path, f"Film {i} (200{i}).mkv", 300_000 + i) for i in range(3)]
    async with supervising(tmp_path) as sup:
        (slow_id,) = sup.enqueue([slow], bwlimit=256 << 10)
        ids = sup.enqueue([e for e, _ in others])
        seen_partial = False
        while (now := state(sup, slow_id)) != "done":
            if slow.destination.exists():  # only in the instant of the rename, and only whole
                assert now == "verifying" and slow.destination.read_bytes() == slow_data
            seen_partial |= slow.partial.exists()
            await trio.sleep(0.02)
        views = await sup.wait(ids)
    assert seen_partial
    assert slow.destination.read_bytes() == slow_data
    assert not slow.partial.exists() and not Path(str(slow.partial) + ".state").exists()
    for (e, data), view in zip(others, views):
        assert view.state == "done" and view.percent == 100.0
        assert e.destination.read_bytes() == data
        assert view.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(job.id for job in sup.verified) == sorted([slow_id, *ids])
    assert all(job.sha256 for job in sup.verified)


async def test_cancel_keeps_the_partial_and_a_new_get_resumes_it(tmp_path):
    e, data = entry(tmp_path, "Heat (1995).mkv", 1 << 20)
    async with supervising(tmp_path) as sup:
        (job_id,) = sup.enqueue([e], bwlimit=256 << 10)
        await until(lambda: sup.view(job_id).bytes_done >= 256 << 10)
        assert sup.store.get(job_id).pid  # the child is on record while it runs
        sup.cancel([job_id])
        (view,) = await sup.wait([job_id])
        assert view.state == "cancelled"
        assert e.partial.exists() and e.partial.stat().st_size > 0
        assert not e.destination.exists()
        (again,) = sup.enqueue([e])
        assert again != job_id
        (view,) = await sup.wait([again])
    assert view.state == "done" and view.resumed_from > 0
    assert e.destination.read_bytes() == data


async def test_pause_stops_the_child_and_its_stall_clock(tmp_path):
    e, data = entry(tmp_path, "Alien (1979).mkv", 1 << 20)
    # A stall timeout a busy machine cannot reach between two blocks of a running copy; the pause
    # outlasts it.
    async with supervising(tmp_path, stall_timeout=3.0) as sup:
        (job_id,) = sup.enqueue([e], bwlimit=256 << 10)
        await until(lambda: sup.view(job_id).bytes_done >= 128 << 10)
        pid = sup.store.get(job_id).pid
        assert sup.pause("all") == [job_id]
        assert state(sup, job_id) == "paused"
        await until(lambda: proc_state(pid) == "T")
        before, size = sup.view(job_id).bytes_done, e.partial.stat().st_size
        await trio.sleep(4.5)  # more than a stall timeout: a paused job is not stalled
        assert sup.view(job_id).bytes_done == before and e.partial.stat().st_size == size
        assert state(sup, job_id) == "paused"
        sup.resume([job_id])
        assert state(sup, job_id) == "running"
        (view,) = await sup.wait([job_id])
    assert view.state == "done" and view.attempts == 1
    assert e.destination.read_bytes() == data


async def test_a_silent_child_is_abandoned_as_stalled_and_retried(tmp_path):
    e, data = entry(tmp_path, "Dune (2021).mkv", 512 << 10)
    # The first copier falls silent after its first checkpoint, for good; the retry behaves. The
    # stall timeout is long enough for a busy machine to start the retry's child within it.
    hang_once = faulty("hang", once=tmp_path / "hung-once")
    async with supervising(tmp_path, env=hang_once, stall_timeout=3.0) as sup:
        (job_id,) = sup.enqueue([e])
        await until(lambda: sup.store.get(job_id).pid is not None)
        hung = sup.store.get(job_id).pid
        (view,) = await sup.wait([job_id])
        await until(lambda: proc_state(hung) in (None, "Z"))  # killed, then collected by the reaper
        ended = [ev["reason"] for ev in sup.store.events(job_id) if ev["event"] == "attempt_ended"]
    assert view.state == "done" and view.attempts == 2
    assert view.resumed_from > 0  # the retry kept the verified bytes of the stalled attempt
    assert e.destination.read_bytes() == data
    assert ended == ["stall", "done"]


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path):
    e, _ = entry(tmp_path, "Stubborn (2000).mkv", 1 << 20)
    async with supervising(tmp_path, env=faulty("ignore-sigterm"), grace=0.5) as sup:
        (job_id,) = sup.enqueue([e], bwlimit=128 << 10)
        await until(lambda: sup.view(job_id).bytes_done > 0)
        pid = sup.store.get(job_id).pid
        sup.cancel("all")
        (view,) = await sup.wait([job_id])
        assert view.state == "cancelled"
        await until(lambda: proc_state(pid) is None)  # SIGKILLed and collected
        assert e.partial.exists()


async def test_parallel_workers_and_high_priority_first(tmp_path):
    entries = [entry(tmp_path, f"Show {i} (2010).mkv", 256 << 10)[0] for i in range(5)]
    async with supervising(tmp_path, parallel_workers=2) as sup:
        ids = sup.enqueue(entries[:4], bwlimit=512 << 10)
        await until(lambda: sum(v.state == "running" for v in sup.snapshot()) == 2)
        started = [v.id for v in sup.snapshot() if v.state == "running"]
        (urgent,) = sup.enqueue(entries[4:], priority="high", bwlimit=512 << 10)
        most = 0
        while not all(v.state == "done" for v in sup.snapshot()):
            views = sup.snapshot()
            most = max(most, sum(v.state in ("running", "paused") for v in views))  # copies at once
            started += [v.id for v in views if v.state != "queued" and v.id not in started]
            await trio.sleep(0.01)
    assert most == 2
    # the first two queued jobs started at once; the high-priority one jumped the remaining queue
    assert set(started[:2]) == set(ids[:2])
    assert started[2] == urgent


async def test_one_failing_job_does_not_stop_the_others(tmp_path):
    good, data = entry(tmp_path, "Good (2000).mkv", 200_000)
    bad = Entry(tmp_path / "nas" / "Gone (2000).mkv", tmp_path / "local" / "Gone" / "Gone (2000).mkv",
                partial_path(tmp_path / "local" / "Gone" / "Gone (2000).mkv"), 1000)
    async with supervising(tmp_path, retry_attempts=1) as sup:
        ids = sup.enqueue([bad, good])
        views = {v.id: v for v in await sup.wait(ids)}
        assert sup.retry("failed") == [ids[0]]
        assert state(sup, ids[0]) in ("queued", "running")
        await sup.wait([ids[0]])
    assert views[ids[0]].state == "failed" and views[ids[0]].error_kind == "source_unreadable"
    assert views[ids[0]].attempts == 2 and "gave up after 2 attempts" in views[ids[0]].error
    assert views[ids[1]].state == "done"
    assert good.destination.read_bytes() == data
    assert not bad.destination.exists()


async def test_a_source_changed_mid_copy_is_fetched_again_from_scratch(tmp_path):
    e, _ = entry(tmp_path, "Changing (2020).mkv", 1 << 20)
    async with supervising(tmp_path) as sup:
        (job_id,) = sup.enqueue([e], bwlimit=256 << 10)
        await until(lambda: sup.view(job_id).bytes_done >= 256 << 10)
        new = os.urandom(1 << 20)  # as long as the catalog listed it: another size is refused (test_hostile_remote)
        with open(e.source, "r+b") as f:
            f.write(new)
        (view,) = await sup.wait([job_id])
        ended = [ev["reason"] for ev in sup.store.events(job_id) if ev["event"] == "attempt_ended"]
    assert view.state == "done" and view.attempts == 2 and view.resumed_from == 0
    assert e.destination.read_bytes() == new
    assert ended == ["source_changed", "done"]


async def test_queue_move_and_remove(tmp_path):
    entries = [entry(tmp_path, f"Q{i} (2000).mkv", 1000)[0] for i in range(3)]
    async with supervising(tmp_path) as sup:
        sup.pause("all")  # nothing is waiting yet: pausing all now holds nothing back
        ids = sup.enqueue(entries)
        sup.pause(ids)
        sup.move(ids[2], "top")
        assert [v.id for v in sup.snapshot()] == [ids[2], ids[0], ids[1]]
        sup.remove(ids[1])
        assert [v.id for v in sup.snapshot()] == [ids[2], ids[0]]
        sup.resume("all")
        views = await sup.wait()
    assert [v.state for v in views] == ["done", "done"]


@pytest.fixture
def tiny_tmpfs(tmpfs):
    return tmpfs("1m")


async def test_a_full_destination_fails_at_once_and_keeps_the_partial(tmp_path, tiny_tmpfs):
    source = tmp_path / "nas" / "Big (2000).mkv"
    make_source(source, 3 << 20)
    destination = tiny_tmpfs / "Big (2000)" / "Big (2000).mkv"
    e = Entry(source, destination, partial_path(destination), 3 << 20)
    async with supervising(tmp_path) as sup:
        (job_id,) = sup.enqueue([e])
        (view,) = await sup.wait([job_id])
    assert view.state == "failed" and view.error_kind == "no_space" and view.attempts == 1
    assert "full" in view.error
    assert e.partial.exists() and not destination.exists()


async def test_stopping_the_supervisor_stops_children_and_keeps_jobs_queued(tmp_path):
    e, data = entry(tmp_path, "Quit (2000).mkv", 1 << 20)
    store = JobStore(tmp_path / "plexsh.db")
    sup = Supervisor(store, Config(sync=Sync()), copier=REAL, grace=2.0, chunk_size="64K")
    with trio.fail_after(LIMIT):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            (job_id,) = sup.enqueue([e], bwlimit=256 << 10)
            await until(lambda: sup.view(job_id).bytes_done > 0)
            pid = store.get(job_id).pid
            nursery.cancel_scope.cancel()
    assert proc_state(pid) is None
    job = store.get(job_id)
    assert job.state == "queued" and job.pid is None and e.partial.exists()
    assert [ev["event"] for ev in store.events(job_id)][-1] == "interrupted"
    store.close()


KILLED_HOST = """
import json, sys, trio
from pathlib import Path
from plexsh.config import Config, Sync
from plexsh.engine.jobs import JobStore
from plexsh.engine.supervisor import Supervisor

async def main(db, copier, source, destination, partial, size):
    store = JobStore(db)
    sup = Supervisor(store, Config(sync=Sync()), copier=json.loads(copier), chunk_size="64K")
    class E: pass
    e = E(); e.source, e.destination, e.partial, e.size = source, destination, partial, int(size)
    async with trio.open_nursery() as n:
        await n.start(sup.run)
        (job_id,) = sup.enqueue([e], bwlimit=256 << 10)
        while sup.view(job_id).bytes_done < 300_000:
            await trio.sleep(0.02)
        print("copying", flush=True)
        await trio.sleep_forever()

trio.run(main, *sys.argv[1:])
"""


async def test_plexsh_killed_mid_copy_resumes_on_the_next_start(tmp_path):
    e, data = entry(tmp_path, "Killed (2000).mkv", 1 << 20)
    db = tmp_path / "plexsh.db"
    host = await trio.lowlevel.open_process(
        [sys.executable, "-c", KILLED_HOST, str(db), json.dumps(REAL), str(e.source), str(e.destination),
         str(e.partial), str(e.size)], stdout=subprocess.PIPE)
    with trio.fail_after(LIMIT):
        assert b"copying" in await host.stdout.receive_some(100)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            (orphan,) = conn.execute("SELECT pid FROM jobs").fetchone()
        # Stopped, as a copier stuck on a dead mount would be: a running one would see its parent
        # go and end by itself at its next checkpoint, and the recovery's kill would go untested.
        os.kill(orphan, signal.SIGSTOP)
        host.kill()  # kill -9: no cleanup at all; its copier child lives on, orphaned
        await host.wait()
    assert proc_state(orphan) == "T"  # still there, with nobody watching
    store = JobStore(db)  # the next start
    (job_id,) = store.recovered
    with trio.fail_after(LIMIT):
        await until(lambda: proc_state(orphan) in (None, "Z"))  # killed before anyone resumes
    sup = Supervisor(store, Config(sync=Sync()), copier=REAL, chunk_size="64K")
    with trio.fail_after(LIMIT):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            (view,) = await sup.wait([job_id])
            nursery.cancel_scope.cancel()
    assert view.state == "done" and view.resumed_from > 0
    assert e.destination.read_bytes() == data
    assert [ev["event"] for ev in store.events(job_id)].count("recovered") == 1
    store.close()


def test_control_from_an_asyncio_host_with_trio_as_guest(tmp_path):
    """The shell's arrangement (architecture decision 3): control calls come from asyncio callbacks."""
    import asyncio

    e, data = entry(tmp_path, "Guest (2000).mkv", 1 << 20)
    store = JobStore(tmp_path / "plexsh.db")
    sup = Supervisor(store, Config(sync=Sync()), copier=REAL, chunk_size="64K")
    root = trio.CancelScope()

    tokens = []

    async def engine():
        tokens.append(trio.lowlevel.current_trio_token())
        with root:
            async with trio.open_nursery() as nursery:
                await nursery.start(sup.run)

    async def host():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        trio.lowlevel.start_guest_run(
            engine, run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon, done_callback=done.set_result,
            host_uses_signal_set_wakeup_fd=True)

        async def poll(predicate):
            while not predicate():
                await asyncio.sleep(0.02)

        await poll(lambda: tokens)
        (job_id,) = sup.enqueue([e], bwlimit=512 << 10)
        await poll(lambda: sup.view(job_id).bytes_done > 0)
        assert sup.pause("all") == [job_id] and sup.view(job_id).state == "paused"
        assert sup.resume("all") == [job_id]
        await poll(lambda: sup.view(job_id).state == "done")
        tokens[0].run_sync_soon(root.cancel)  # quit
        outcome = await done
        outcome.unwrap()

    asyncio.run(asyncio.wait_for(host(), LIMIT))
    assert e.destination.read_bytes() == data
    store.close()


@pytest.mark.slow
async def test_a_copy_outlasting_trio_s_idle_thread_timeout_runs_in_one_attempt(tmp_path):
    """trio starts children from worker threads and retires an idle one after 10 s; a child
    watching its parent the wrong way (PR_SET_PDEATHSIG fires when the parent *thread* ends)
    would be stopped there. A 12 s copy must finish in its first attempt."""
    e, data = entry(tmp_path, "Long (2010).mkv", 12 << 20)
    async with supervising(tmp_path) as sup:
        (job_id,) = sup.enqueue([e], bwlimit=1 << 20)
        (view,) = await sup.wait([job_id])
    assert (view.state, view.attempts) == ("done", 1), view.error
    assert e.destination.read_bytes() == data
