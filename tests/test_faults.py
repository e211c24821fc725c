"""Transfers against the NAS bench while the network breaks under them: every test ends byte-identical, with nothing corrupt under a final name.

Recovery times (link or daemon back → bytes flowing again) are printed and, when PLEXSH_FAULT_REPORT
names a file, appended to it as JSON lines; they are figures for docs/benchmarks.md, not assertions.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
import trio

from conftest import ONE_EACH, REPO, plexsh_env, run_plexsh, write_config
from enginekit import Entry, proc_state, running
from plexsh.config import Config, Sync
from plexsh.engine.plan import partial_path
from plexsh.engine.supervisor import Supervisor

MIB = 1 << 20
BIG = 200 * MIB
GUARD = 240  # seconds: turns a hang into a failure; never a speed assertion
pytestmark = pytest.mark.slow  # every test here moves 100-200 MiB through faults lasting seconds
PROMPT = " › "


def write_movie(media: Path, rel: str, size: int, seed: int = 1) -> bytes:
    """SIZE bytes that differ in every 64 KiB block, so a misplaced or repeated block shows."""
    block = hashlib.sha256(f"{rel}{seed}".encode()).digest() * 2048
    data = b"".join(n.to_bytes(8, "little") + block[8:] for n in range(-(-size // len(block))))[:size]
    path = media / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".writing")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def report(what: str, seconds: float, **extra) -> None:
    print(f"\n{what}: {seconds:.2f} s")
    target = os.environ.get("PLEXSH_FAULT_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"what": what, "seconds": round(seconds, 3), **extra}) + "\n")


def no_partials_under_final_names(folder: Path, expected: dict[str, bytes]) -> None:
    """Every file with a final name is whole and right; the rest are hidden partials or state."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert path.name in expected, f"unexpected file {path}"
            assert path.read_bytes() == expected[path.name], f"{path} is not the source's bytes"


# --- the engine in this process, for rsync:// sources ---------------------------------------------


def engine(tmp_path: Path, **sync):
    """A supervisor with the shipped defaults (stall 30 s, 5 retries, backoff 2 s doubling) unless told."""
    return running(tmp_path, Config(sync=Sync(**sync)), GUARD)


def enqueue(sup: Supervisor, source: str, destination: Path, size: int) -> int:
    (job_id,) = sup.enqueue([Entry(source, destination, partial_path(destination), size)])
    return job_id


async def until_bytes(sup: Supervisor, job_id: int, at_least: int) -> None:
    while sup.view(job_id).bytes_done < at_least:
        assert sup.view(job_id).state not in ("failed", "cancelled"), sup.view(job_id).error
        await trio.sleep(0.05)


async def flowing_again(sup: Supervisor, job_id: int) -> float:
    """Seconds until the job's bytes grow again (a resume first drops to its verified prefix)."""
    started = time.monotonic()
    last = sup.view(job_id).bytes_done
    while True:
        await trio.sleep(0.05)
        view = sup.view(job_id)
        if view.bytes_done > last or view.state == "done":
            return time.monotonic() - started
        last = view.bytes_done


@pytest.mark.parametrize("outage", [5, 30])
async def test_link_down_mid_transfer_from_rsync(nas_bench, tmp_path, outage):
    data = write_movie(nas_bench.media_dir, "Movies/Big (2020)/Big (2020).mkv", BIG)
    destination = tmp_path / "local" / "Big (2020)" / "Big (2020).mkv"
    async with engine(tmp_path) as sup:
        job_id = enqueue(sup, f"{nas_bench.rsync_url}/Movies/Big (2020)/Big (2020).mkv", destination, BIG)
        await until_bytes(sup, job_id, 40 * MIB)
        nas_bench.link_down()
        await trio.sleep(outage)
        nas_bench.link_up()
        recovery = await flowing_again(sup, job_id)
        (view,) = await sup.wait([job_id])
    report(f"rsync:// link down {outage} s: link up to bytes flowing", recovery, outage=outage, path="rsync")
    assert view.state == "done", view.error
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    no_partials_under_final_names(tmp_path / "local", {destination.name: data})
    assert destination.read_bytes() == data


async def test_rsync_daemon_killed_mid_transfer_and_back_20_s_later(nas_bench, tmp_path):
    data = write_movie(nas_bench.media_dir, "Movies/Heat (1995)/Heat (1995).mkv", BIG)
    destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
    async with engine(tmp_path) as sup:
        job_id = enqueue(sup, f"{nas_bench.rsync_url}/Movies/Heat (1995)/Heat (1995).mkv", destination, BIG)
        await until_bytes(sup, job_id, 40 * MIB)
        nas_bench.kill_rsyncd()
        await trio.sleep(20)
        assert sup.view(job_id).state in ("queued", "stalled", "running")  # waiting, not failed
        nas_bench.start_rsyncd()
        recovery = await flowing_again(sup, job_id)
        (view,) = await sup.wait([job_id])
        events = sup.store.events(job_id)
    report("rsync daemon back after 20 s: restart to bytes flowing", recovery, path="rsync")
    assert view.state == "done", view.error
    assert destination.read_bytes() == data
    starts = [e for e in events if e["event"] == "attempt_started"]
    assert len(starts) >= 2 and starts[-1]["bytes"] >= 32 * MIB  # resumed, not started over


async def test_a_source_replaced_on_the_nas_mid_transfer_is_fetched_again_never_mixed(nas_bench, tmp_path):
    rel = "Movies/Alien (1979)/Alien (1979).mkv"
    write_movie(nas_bench.media_dir, rel, 120 * MIB, seed=1)
    destination = tmp_path / "local" / "Alien (1979)" / "Alien (1979).mkv"
    async with engine(tmp_path) as sup:
        job_id = enqueue(sup, f"{nas_bench.rsync_url}/{rel}", destination, 120 * MIB)
        await until_bytes(sup, job_id, 30 * MIB)
        # A new release, moved over the old; as long as the catalog listed (another size is refused).
        new = write_movie(nas_bench.media_dir, rel, 120 * MIB, seed=2)
        (view,) = await sup.wait([job_id])
        events = sup.store.events(job_id)
    assert view.state == "done", view.error
    assert destination.read_bytes() == new
    assert any(e["event"] == "attempt_ended" and e["reason"] == "source_changed" for e in events)


# --- plexsh itself, with the sshfs mount as its source ------------------------------------------


def configure(home: Path, sources: Path | str, local: Path, extra: str = "") -> None:
    """A config whose sources are SOURCES/Movies and SOURCES/TV (a folder, or an rsync:// URL)."""
    write_config(home, sources, extra, local=local, folders=ONE_EACH)


def jobs_of(home: Path) -> list[dict]:
    """The job store as plexsh left it (empty before the engine has created it)."""
    try:
        with sqlite3.connect(home / "plexsh.db") as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]
    except sqlite3.OperationalError:
        return []


def wait_for(predicate, what: str, timeout: float = GUARD, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(step)


def test_a_dead_mount_never_holds_up_the_shell_and_the_copy_completes_after_remount(nas_bench, tmp_path, monkeypatch):
    """The field notes' nasty case: the copier reading from sshfs hangs in uninterruptible sleep
    when the link goes; the shell still answers and quits; after the FUSE connection is aborted
    and the share mounted again, a new start finishes the file with the right bytes."""
    data = write_movie(nas_bench.media_dir, "Movies/Big (2020)/Big (2020).mkv", BIG)
    home, local = tmp_path / "home", tmp_path / "local"
    configure(home, nas_bench.mount, local, "sync:\n  stall_timeout: 5\n")
    monkeypatch.setenv("PLEXSH_HOME", str(home))
    assert run_plexsh("-c", "scan").returncode == 0
    env = plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="120", LINES="40")
    shell = pexpect.spawn(sys.executable, ["-m", "plexsh"], env=env, cwd=str(REPO), encoding="utf-8", timeout=30,
                          dimensions=(40, 120))
    try:
        shell.expect_exact(PROMPT)
        shell.sendline('get "Big"')
        shell.expect_exact(PROMPT)
        wait_for(lambda: (jobs_of(home) or [{}])[0].get("bytes_done", 0) >= 40 * MIB, "40 MiB copied")
        nas_bench.link_down()
        pid = jobs_of(home)[0]["pid"]
        # The copier blocks in the kernel on the dead mount; the engine gives up on it (stall).
        wait_for(lambda: proc_state(pid) == "D" or jobs_of(home)[0]["state"] == "stalled", "the copier to hang")
        shell.sendline("jobs")
        shell.expect("Big \\(2020\\)", timeout=20)  # answers (a stuck child would hold it forever; 20 s only bounds a busy machine)
        shell.expect_exact(PROMPT, timeout=20)
        shell.sendline("quit")
        shell.expect("not finished", timeout=20)
        shell.sendline("y")
        shell.expect(pexpect.EOF, timeout=30)
    finally:
        shell.terminate(force=True)
    assert not (local / "Movies" / "Big (2020)" / "Big (2020).mkv").exists()
    nas_bench.link_up()
    nas_bench.abort_fuse()  # frees the stuck reader (it gets an error, and may leave zeros behind)
    nas_bench.remount()
    done = run_plexsh("-c", "wait", timeout=GUARD)
    assert done.returncode == 0, done.stdout + done.stderr
    final = local / "Movies" / "Big (2020)" / "Big (2020).mkv"
    assert final.read_bytes() == data  # a zero-filled tail from the aborted read was never trusted
    no_partials_under_final_names(local, {final.name: data})


@pytest.mark.parametrize("path", ["mount", "rsync"])
def test_plexsh_killed_with_sigkill_resumes_on_the_next_start_recopying_only_the_unverified_tail(
        nas_bench, tmp_path, monkeypatch, path):
    data = write_movie(nas_bench.media_dir, "Movies/Heat (1995)/Heat (1995).mkv", BIG)
    home, local = tmp_path / "home", tmp_path / "local"
    configure(home, nas_bench.mount if path == "mount" else nas_bench.rsync_url, local)
    monkeypatch.setenv("PLEXSH_HOME", str(home))
    assert run_plexsh("-c", "scan").returncode == 0
    first = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", 'get "Heat"'], env=plexsh_env(), cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: jobs_of(home) and jobs_of(home)[0]["bytes_done"] >= 60 * MIB, "60 MiB copied")
    first.send_signal(signal.SIGKILL)
    first.wait()
    job = jobs_of(home)[0]
    # The copier (or the rsync backend) notices its engine is gone and stops at a checkpoint.
    wait_for(lambda: proc_state(job["pid"]) in (None, "Z"), "the orphaned copier to stop")
    state = json.loads(Path(job["partial"] + ".state").read_text())
    verified = state["checkpoints"][-1][0]
    shell = pexpect.spawn(sys.executable, ["-m", "plexsh"], cwd=str(REPO),
                          env=plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1"),
                          encoding="utf-8", timeout=GUARD, dimensions=(40, 120))
    try:
        shell.expect("resuming job 1")  # said at the start, without being asked
        shell.expect("job 1 done")
        shell.sendline("quit")
        shell.expect(pexpect.EOF, timeout=30)
    finally:
        shell.terminate(force=True)
    final = local / "Movies" / "Heat (1995)" / "Heat (1995).mkv"
    assert final.read_bytes() == data
    job = jobs_of(home)[0]
    assert job["state"] == "done" and job["resumed_from"] >= verified > 0
    # The resumed attempt read from the source only what lies after the verified prefix.
    with sqlite3.connect(home / "plexsh.db") as db:
        (data_json,) = db.execute("SELECT data FROM job_events WHERE job_id = 1 AND event = 'verified' "
                                  "ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(data_json)["copied"] == BIG - job["resumed_from"] <= BIG - verified


def test_destination_full_mid_transfer_then_space_freed_and_retry(nas_bench, tmp_path, monkeypatch, tmpfs):
    data = write_movie(nas_bench.media_dir, "Movies/Dune (2021)/Dune (2021).mkv", 100 * MIB)
    home, local = tmp_path / "home", tmpfs("160m")
    keep = local / "Movies" / "Old (1990)" / "Old (1990).mkv"
    keep.parent.mkdir(parents=True)
    keep.write_bytes(os.urandom(5 * MIB))
    before = hashlib.sha256(keep.read_bytes()).hexdigest()
    configure(home, nas_bench.mount, local)
    monkeypatch.setenv("PLEXSH_HOME", str(home))
    assert run_plexsh("-c", "scan").returncode == 0
    getting = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", 'get "Dune" bwlimit 20M'],
                               env=plexsh_env(), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    wait_for(lambda: jobs_of(home) and jobs_of(home)[0]["bytes_done"] >= 20 * MIB, "20 MiB copied")
    # Something else fills the disk while the copy runs (the plan's free-space check passed).
    filler = local / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M", "count=200"], capture_output=True)
    out, _ = getting.communicate(timeout=GUARD)
    assert getting.returncode == 1, out
    assert "destination is full" in out and "retry 1" in out
    assert jobs_of(home)[0]["state"] == "failed"
    filler.unlink()
    again = run_plexsh("-c", "retry 1", timeout=GUARD)
    assert again.returncode == 0, again.stdout + again.stderr
    final = local / "Movies" / "Dune (2021)" / "Dune (2021).mkv"
    assert final.read_bytes() == data
    assert hashlib.sha256(keep.read_bytes()).hexdigest() == before  # nothing else touched
    no_partials_under_final_names(local, {final.name: data, keep.name: keep.read_bytes()})
