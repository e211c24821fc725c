"""The rsync backend against a real rsync daemon on the loopback: copies, resumes, and failures named."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import trio

from plexsh.config import Config, Sync
from plexsh.engine import fetch
from plexsh.engine.plan import partial_path
from plexsh.engine.reach import endpoint
from enginekit import Entry, running
from rsyncd import rsync_daemon
from test_copier import assert_whole_checkpoint

CHUNK = 64 << 10
HANG_GUARD = 60.0  # not a timing assertion: only keeps a broken backend from hanging the suite


def write(folder: Path, name: str, size: int, seed: int = 1) -> bytes:
    block = hashlib.sha256(f"{name}{seed}".encode()).digest() * 2048
    data = b"".join(n.to_bytes(8, "little") + block[8:] for n in range(size // len(block) + 1))[:size]
    (folder / name).write_bytes(data)
    return data


def events_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_fetch(source: str, partial: Path, *options: str) -> tuple[int, list[dict]]:
    done = subprocess.run([*fetch.command(), "--chunk-size", str(CHUNK), *options, "--", source, str(partial)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=HANG_GUARD)
    return done.returncode, events_of(done.stdout)


def start_fetch(source: str, partial: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*fetch.command(), "--chunk-size", str(CHUNK), *options, "--", source, str(partial)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_state(partial: Path) -> None:
    """Until the backend has saved its first checkpoints (the transfer is under way)."""
    deadline = time.monotonic() + HANG_GUARD
    while not Path(str(partial) + ".state").exists():
        assert time.monotonic() < deadline, "no checkpoint was ever saved"
        time.sleep(0.05)


@pytest.mark.parametrize("size", [3_000_001, 1, 0])
def test_a_file_arrives_byte_identical_with_its_sha256(tmp_path, size):
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Heat (1995).mkv", size)
        partial = tmp_path / ".Heat (1995).mkv.plexsh-partial"
        code, events = run_fetch(nas.url("Heat (1995).mkv"), partial)
    assert code == 0, events
    done = events[-1]
    assert done["event"] == "done" and done["bytes"] == len(data) and done["copied"] == len(data)
    assert done["sha256"] == done["dest_sha256"] == hashlib.sha256(data).hexdigest()
    assert done["guarantee"] == "rsync-checksum+local-sha256"
    assert partial.read_bytes() == data
    assert_whole_checkpoint(Path(str(partial) + ".state"), len(data))


def test_a_stopped_transfer_resumes_from_its_verified_bytes_and_a_zeroed_tail_is_fetched_again(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Alien (1979).mkv", 4 << 20)
        partial = tmp_path / ".alien.partial"
        child = start_fetch(nas.url("Alien (1979).mkv"), partial, "--bwlimit", str(1 << 20))
        wait_for_state(partial)
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=HANG_GUARD)
        assert child.returncode == 20
        cancelled = events_of(out)[-1]
        assert cancelled["event"] == "cancelled"
        kept = cancelled["bytes"]
        assert 0 < kept < len(data) and kept % CHUNK == 0
        assert partial.read_bytes() == data[:kept]
        # What a dead mount or a crash leaves: a tail of zeros the partial's size would vouch for.
        with open(partial, "ab") as f:
            f.write(bytes(300_000))
        code, events = run_fetch(nas.url("Alien (1979).mkv"), partial)
    assert code == 0, events
    done = events[-1]
    assert done["resumed_from"] == kept and done["discarded"] == 300_000
    assert done["copied"] == len(data) - kept  # only the unverified tail crossed the network again
    assert partial.read_bytes() == data


def test_sigkill_mid_transfer_then_a_rerun_recopies_at_most_the_unverified_tail(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Dune (2021).mkv", 4 << 20)
        partial = tmp_path / ".dune.partial"
        child = start_fetch(nas.url("Dune (2021).mkv"), partial, "--bwlimit", str(1 << 20))
        wait_for_state(partial)
        time.sleep(0.6)  # let it write more than it has checkpointed
        os.killpg(child.pid, signal.SIGKILL)  # the backend and its rsync, with no chance to tidy up
        child.communicate(timeout=HANG_GUARD)
        state = json.loads(Path(str(partial) + ".state").read_text())
        saved = state["checkpoints"][-1][0]
        code, events = run_fetch(nas.url("Dune (2021).mkv"), partial)
    assert code == 0, events
    done = events[-1]
    assert done["resumed_from"] >= saved > 0
    assert done["copied"] == len(data) - done["resumed_from"]
    assert partial.read_bytes() == data


def test_failures_are_classified_with_rsync_s_reason(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Film (2000).mkv", 1000)
        code, missing = run_fetch(nas.url("Nope (2000).mkv"), tmp_path / ".p1")
        _, module = run_fetch(f"rsync://127.0.0.1:{nas.port}/films/Film (2000).mkv", tmp_path / ".p2")
        port = nas.port
    _, down = run_fetch(f"rsync://127.0.0.1:{port}/media/Film (2000).mkv", tmp_path / ".p3")
    assert code == 1
    assert (missing[-1]["kind"], module[-1]["kind"], down[-1]["kind"]) == ("source_unreadable", "fatal", "network")
    assert "No such file or directory" in missing[-1]["message"]
    assert "Unknown module 'films'" in module[-1]["message"]
    assert down[-1]["message"].startswith("rsync exit 10 (error in socket I/O)")
    assert "Connection refused" in down[-1]["message"]


def test_a_source_replaced_during_the_transfer_is_never_stored_as_a_mix(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 3 << 20, seed=1)
        partial = tmp_path / ".heat.partial"
        child = start_fetch(nas.url("Heat (1995).mkv"), partial, "--bwlimit", str(1 << 20))
        wait_for_state(partial)
        # Replaced the way a NAS user does it: a new file moved over the old name.
        new = write(nas.folder, "new.tmp", 3 << 20, seed=2)
        os.utime(nas.folder / "new.tmp", (time.time() + 10, time.time() + 10))
        os.replace(nas.folder / "new.tmp", nas.folder / "Heat (1995).mkv")
        out, _ = child.communicate(timeout=HANG_GUARD)
        error = events_of(out)[-1]
        assert error["event"] == "error" and error["kind"] == "source_changed", error
        code, events = run_fetch(nas.url("Heat (1995).mkv"), partial)
    assert code == 0 and events[-1]["resumed_from"] == 0  # nothing of the old version kept
    assert partial.read_bytes() == new


async def test_the_engine_fetches_rsync_sources_and_rides_out_the_nas_going_away(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Heat (1995).mkv", 3 << 20)
        destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
        sync = Sync(retry_attempts=10, retry_backoff_base=0.2, retry_backoff_max=0.5, stall_timeout=10.0)
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            (job_id,) = sup.enqueue([Entry(nas.url("Heat (1995).mkv"), destination,
                                           partial_path(destination), len(data))], bwlimit=1 << 20)
            while sup.view(job_id).bytes_done < 512 << 10:
                await trio.sleep(0.02)
            nas.stop()  # the NAS goes away mid-transfer ...
            while sup.view(job_id).attempts < 2:
                await trio.sleep(0.02)
            failed_with = sup.view(job_id).error
            nas.start()  # ... and comes back
            (view,) = await sup.wait([job_id])
            events = sup.store.events(job_id)
    assert view.state == "done", view.error
    assert destination.read_bytes() == data
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    assert failed_with.startswith("rsync exit")  # the reason a user sees while it retries
    resumed = [e for e in events if e["event"] == "attempt_started"]
    assert len(resumed) >= 2
    verified = [e for e in events if e["event"] == "verified"]
    assert verified[-1]["guarantee"] == "rsync-checksum+local-sha256"


async def test_a_job_waiting_out_a_long_backoff_retries_as_soon_as_the_nas_answers_again(tmp_path):
    """Backoff starts at two minutes here: only the engine noticing the daemon is back can finish
    the job within the test's guard."""
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Alien (1979).mkv", 2 << 20)
        destination = tmp_path / "local" / "Alien (1979)" / "Alien (1979).mkv"
        sync = Sync(retry_attempts=5, retry_backoff_base=120, retry_backoff_max=300, stall_timeout=10.0)
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            nas.stop()
            (job_id,) = sup.enqueue([Entry(nas.url("Alien (1979).mkv"), destination,
                                           partial_path(destination), len(data))])
            while not (sup.view(job_id).state == "queued" and sup.view(job_id).attempts == 1):
                await trio.sleep(0.02)
            assert "Connection refused" in sup.view(job_id).error
            # Until the engine's probes have found the NAS away (however long a busy machine takes):
            # only a NAS seen away and then answering cuts the backoff short.
            while endpoint(nas.url("Alien (1979).mkv")) not in sup._down:
                await trio.sleep(0.05)
            nas.start()
            (view,) = await sup.wait([job_id])
            events = [e["event"] for e in sup.store.events(job_id)]
    assert view.state == "done" and view.attempts == 2
    assert "source_back" in events
    assert destination.read_bytes() == data


def cancel_mid_transfer(source: str, partial: Path) -> int:
    """Start a slow fetch, stop it after its first checkpoints; the bytes it kept."""
    child = start_fetch(source, partial, "--bwlimit", str(1 << 20))
    wait_for_state(partial)
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=HANG_GUARD)
    cancelled = events_of(out)[-1]
    assert cancelled["event"] == "cancelled", cancelled
    return cancelled["bytes"]


@pytest.mark.parametrize("new_size", ["longer", "as long as the kept prefix"])
def test_a_partial_whose_source_changed_between_runs_is_dropped_not_appended_to(tmp_path, new_size):
    """No listing precedes the transfer: rsync names the source as it starts, and a resumed prefix
    of another version is dropped (or, when rsync has nothing to append, the closing listing)."""
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 3 << 20, seed=1)
        partial = tmp_path / ".heat.partial"
        kept = cancel_mid_transfer(nas.url("Heat (1995).mkv"), partial)
        assert kept > 0
        size = (5 << 20) if new_size == "longer" else kept
        new = write(nas.folder, "Heat (1995).mkv", size, seed=2)
        os.utime(nas.folder / "Heat (1995).mkv", (time.time() + 10, time.time() + 10))
        code, changed = run_fetch(nas.url("Heat (1995).mkv"), partial)
        assert code == 1 and changed[-1]["kind"] == "source_changed", changed
        assert partial.stat().st_size == 0 and not Path(str(partial) + ".state").exists(), changed
        code, events = run_fetch(nas.url("Heat (1995).mkv"), partial)
    assert code == 0 and events[-1]["resumed_from"] == 0, events
    assert partial.read_bytes() == new


async def test_verify_sha256_catches_a_change_that_size_and_mtime_cannot_show(tmp_path):
    """Bytes the sender had already sent are rewritten in place and the mtime put back: the listing
    after the transfer sees nothing, the NAS's own checksum of the source does. The engine then
    fetches the file afresh."""
    with rsync_daemon(tmp_path) as nas:
        data = write(nas.folder, "Heat (1995).mkv", 3 << 20, seed=1)
        source = nas.folder / "Heat (1995).mkv"
        mtime_ns = source.stat().st_mtime_ns
        destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
        sync = Sync(retry_attempts=3, retry_backoff_base=0.2, stall_timeout=10.0)
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            (job_id,) = sup.enqueue([Entry(nas.url("Heat (1995).mkv"), destination, partial_path(destination),
                                           len(data))], bwlimit=1 << 20, verify="sha256")
            while sup.view(job_id).bytes_done < 512 << 10:
                await trio.sleep(0.02)
            new = b"rewritten on the NAS".ljust(4096, b"!") + data[4096:]
            with open(source, "r+b") as f:
                f.write(new[:4096])
            os.utime(source, ns=(mtime_ns, mtime_ns))
            (view,) = await sup.wait([job_id])
            events = sup.store.events(job_id)
    assert view.state == "done", view.error
    assert destination.read_bytes() == new
    ended = [e["reason"] for e in events if e["event"] == "attempt_ended"]
    assert ended == ["verify", "done"], ended
    verified = [e for e in events if e["event"] == "verified"]
    assert verified[-1]["guarantee"] == "rsync-checksum+local-sha256+source-sha1"
    assert verified[-1]["sha256"] == hashlib.sha256(new).hexdigest()
