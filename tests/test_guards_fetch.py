"""Guards of the rsync backend, each met for real: a closing listing that hangs or fails, a source
that is not one regular file, rsync ending well with a short file, rsync deaf to SIGTERM, rsync not
installed, and verify sha256 failing or hanging on the NAS's side.

Where rsync itself has to misbehave, a real executable named `rsync` comes first on PATH: it runs
the real rsync (the same process, by exec, or its parent) after doing what a failing NAS or a
stuck rsync would (stopping itself, killing the daemon, truncating what arrived, blocking
SIGTERM). Each is a real child process of the backend; nothing in plexsh is replaced."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import plexsh_env, REPO, write_config
from plexsh.engine import fetch
from rsyncd import rsync_daemon
from test_fetch import events_of, write

CHUNK = 64 << 10
HANG_GUARD = 60.0  # not a timing assertion: only keeps a broken guard from hanging the suite
REAL_RSYNC = shutil.which("rsync")

# The misbehaving rsync. ROLE is which of the backend's rsync calls this is; BEHAVIOUR (written in
# by wrap()) says what to do for which role before or after running the real rsync.
WRAPPER = '''\
import os, signal, subprocess, sys
args = sys.argv[1:]
role = "listing" if "--list-only" in args else "check" if "--dry-run" in args else "transfer"
real = {real!r}
marks = {marks!r}
def stop_here():
    """Hang as a process in uninterruptible sleep would: stopped, only SIGKILL ends it."""
    with open(os.path.join(marks, role + ".pid"), "w") as f:
        f.write(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGSTOP)
{behaviour}
os.execv(real, [real] + args)
'''


def first_on_path(folder: Path, program: str, source: str) -> dict:
    """An environment whose PATH finds FOLDER/PROGRAM (the Python SOURCE) before the real one."""
    folder.mkdir(exist_ok=True)
    script = folder / program
    script.write_text(f"#!{sys.executable} -I\n" + source)
    script.chmod(0o755)
    return dict(os.environ, PATH=f"{folder}:{os.environ['PATH']}")


def wrap(tmp_path: Path, behaviour: str) -> dict:
    """An environment whose PATH finds the misbehaving rsync first."""
    folder = tmp_path / "wrapper"
    return first_on_path(folder, "rsync", WRAPPER.format(real=REAL_RSYNC, marks=str(folder),
                                                         behaviour=textwrap.dedent(behaviour)))


def start_fetch(source: str, partial: Path, *options: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([*fetch.command(), "--chunk-size", str(CHUNK), *options, "--", source, str(partial)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=env)


def finish(child: subprocess.Popen) -> tuple[int, list[dict]]:
    """The backend's exit status and events; a backend still running after HANG_GUARD is a hang
    (its whole process group is killed, and the test fails)."""
    try:
        out, _ = child.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"the rsync backend was still running after {HANG_GUARD} s")
    return child.returncode, events_of(out)


def run_fetch(source: str, partial: Path, *options: str, env: dict | None = None) -> tuple[int, list[dict]]:
    return finish(start_fetch(source, partial, *options, env=env))


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def left_running(tmp_path: Path, role: str) -> bool:
    """Whether the stopped rsync of ROLE is still there (killed afterwards either way)."""
    mark = tmp_path / "wrapper" / f"{role}.pid"
    assert mark.exists(), f"the {role} rsync never ran"
    pid = int(mark.read_text())
    deadline = time.monotonic() + 30  # SIGKILL takes effect asynchronously
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        return True
    return False


# --- the listing that brackets the transfer -----------------------------------------------------


def test_a_closing_listing_that_never_answers_fails_the_file_instead_of_hanging(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 300_000)
        env = wrap(tmp_path, """
            if role == "listing":
                stop_here()
            """)
        code, events = run_fetch(nas.url("Heat (1995).mkv"), tmp_path / ".p", "--timeout", "1", env=env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network"
    assert events[-1]["message"] == "the source did not answer within 7 s"
    assert not any(e["event"] == "done" for e in events)
    assert not left_running(tmp_path, "listing"), "the hung listing was left behind"


def test_a_closing_listing_that_fails_names_rsync_s_reason(tmp_path):
    """The NAS goes away between the transfer and the listing after it."""
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 300_000)
        env = wrap(tmp_path, f"""
            if role == "listing":
                os.kill({nas.process.pid}, signal.SIGKILL)  # the daemon, not the child serving the transfer
            """)
        code, events = run_fetch(nas.url("Heat (1995).mkv"), tmp_path / ".p", env=env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"].startswith("rsync exit 10 (error in socket I/O)"), events[-1]
    # rsync's own reason: refused once the daemon is gone, reset when a connection reached its backlog first.
    assert any(reason in events[-1]["message"] for reason in ("Connection refused", "Connection reset by peer"))


@pytest.mark.parametrize("kind, shown", [("folder", "a folder"), ("symlink", "a link, FIFO or device"),
                                         ("FIFO", "a link, FIFO or device")])
def test_a_source_that_is_not_a_regular_file_is_refused_at_once_and_nothing_is_delivered(tmp_path, kind, shown):
    with rsync_daemon(tmp_path) as nas:
        name = "Heat (1995).mkv"
        if kind == "folder":
            (nas.folder / name).mkdir()
            write(nas.folder / name, "inside.mkv", 1000)
        elif kind == "symlink":
            write(nas.folder, "real.mkv", 1000)
            os.symlink("real.mkv", nas.folder / name)
        else:
            os.mkfifo(nas.folder / name)
        partial = tmp_path / ".p"
        code, events = run_fetch(nas.url(name), partial)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "source_refused", events[-1]  # no retry turns it into a file
    assert events[-1]["message"] == f"the source is not a regular file but {shown}: only files are copied"
    assert partial.read_bytes() == b""


def test_a_whole_partial_whose_source_became_a_folder_is_refused_not_delivered(tmp_path):
    """Every byte had arrived and been checkpointed when the NAS went away; now the source is a
    folder. rsync has nothing left to send, so only the closing listing can tell."""
    with rsync_daemon(tmp_path) as nas:
        name = "Heat (1995).mkv"
        write(nas.folder, name, 4 * CHUNK)
        env = wrap(tmp_path, f"""
            if role == "listing":
                os.kill({nas.process.pid}, signal.SIGKILL)
            """)
        partial = tmp_path / ".p"
        code, events = run_fetch(nas.url(name), partial, env=env)
        assert code == 1 and events[-1]["bytes"] == 4 * CHUNK, events  # all of it kept for a resume
        nas.stop()
        (nas.folder / name).unlink()
        (nas.folder / name).mkdir()
        nas.start()
        code, events = run_fetch(nas.url(name), partial)
    assert code == 1 and events[-1]["event"] == "error", events
    resumed = [e["resumed_from"] for e in events if e["event"] == "progress"]
    assert resumed[0] == 4 * CHUNK, events  # nothing was asked of rsync but the listing
    assert events[-1]["kind"] == "source_refused", events[-1]
    assert events[-1]["message"] == "the source is not a regular file but a folder: only files are copied"


# --- the transfer ---------------------------------------------------------------------------------


def test_rsync_ending_well_with_a_short_file_is_not_taken_for_a_copy(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 1_000_000)
        env = wrap(tmp_path, """
            if role == "transfer":
                code = subprocess.call([real] + args)
                os.truncate(args[-1], 600_000)  # what reached the disk: less than rsync said it sent
                sys.exit(code)
            """)
        partial = tmp_path / ".p"
        code, events = run_fetch(nas.url("Heat (1995).mkv"), partial, env=env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"] == "rsync ended at byte 600000 of 1000000"
    assert not any(e["event"] == "done" for e in events)


def test_an_rsync_that_does_not_answer_sigterm_is_killed_and_the_stop_keeps_only_verified_bytes(tmp_path):
    """rsync stopped (SIGSTOP: a signal other than SIGKILL waits until it runs again, as it would
    for an rsync stuck in a read), its receiver still writing: a stop must still end both and cut
    the partial back to what was verified. (rsync unblocks signals as it starts, so a blocked
    SIGTERM cannot make it deaf.)"""
    with rsync_daemon(tmp_path) as nas:
        # 8 MiB at 64 KiB/s: a backend that waited for rsync to end by itself would wait forever.
        data = write(nas.folder, "Alien (1979).mkv", 8 << 20)
        partial = tmp_path / ".alien.partial"
        child = start_fetch(nas.url("Alien (1979).mkv"), partial, "--bwlimit", str(64 << 10))
        deadline = time.monotonic() + HANG_GUARD
        while not Path(str(partial) + ".state").exists():
            assert time.monotonic() < deadline and child.poll() is None, "no checkpoint was ever saved"
            time.sleep(0.05)
        (rsync,) = fetch._children(child.pid)
        receivers = fetch._children(rsync)
        os.kill(rsync, signal.SIGSTOP)
        child.send_signal(signal.SIGTERM)
        code, events = finish(child)
        assert code == 20 and events[-1]["event"] == "cancelled", events
        kept = events[-1]["bytes"]
        assert 0 < kept < len(data)
        assert not any(map(alive, [rsync, *receivers])), "rsync outlived the stop"
        assert partial.read_bytes() == data[:kept]  # nothing wrote into it after it was cut back
        code, events = run_fetch(nas.url("Alien (1979).mkv"), partial)
    assert code == 0 and events[-1]["resumed_from"] == kept, events
    assert partial.read_bytes() == data


def test_get_without_rsync_installed_fails_at_once_saying_so(tmp_path, home):
    """End to end: the NAS was scanned; then get runs on a machine where rsync is not on PATH."""
    with rsync_daemon(tmp_path) as nas:
        (nas.folder / "Movies" / "Heat (1995)").mkdir(parents=True)
        (nas.folder / "TV").mkdir()
        write(nas.folder / "Movies" / "Heat (1995)", "Heat (1995).mkv", 50_000)
        write_config(home, f"rsync://127.0.0.1:{nas.port}/media", folders={"movies": ["Movies"], "tv": ["TV"]})
        scanned = subprocess.run([sys.executable, "-m", "plexsh", "-c", "scan"], capture_output=True, text=True,
                                 env=plexsh_env(), cwd=REPO, timeout=HANG_GUARD)
        assert scanned.returncode == 0, scanned.stdout + scanned.stderr
        no_rsync = tmp_path / "bin"
        no_rsync.mkdir()
        got = subprocess.run([sys.executable, "-m", "plexsh", "--json", "-c", 'get "Heat"'], capture_output=True,
                             text=True, env=plexsh_env(PATH=str(no_rsync)), cwd=REPO, timeout=HANG_GUARD)
    (reply,) = [json.loads(line) for line in got.stdout.splitlines()]
    (job,) = reply["jobs"]
    assert got.returncode == 1 and job["state"] == "failed" and job["attempts"] == 1, job
    assert job["error"] == "rsync is not installed (apt-get install rsync)", job
    assert not (home / "local" / "Movies" / "Heat (1995)" / "Heat (1995).mkv").exists()


# --- verify sha256 on the NAS's side ------------------------------------------------------------


def test_verify_sha256_that_fails_on_the_nas_fails_the_file_with_rsync_s_reason(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 300_000)
        env = wrap(tmp_path, f"""
            if role == "check":
                os.kill({nas.process.pid}, signal.SIGKILL)  # the NAS goes away before it checksums
            """)
        code, events = run_fetch(nas.url("Heat (1995).mkv"), tmp_path / ".p", "--source-check", env=env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"].startswith("rsync exit 10 (error in socket I/O)"), events[-1]
    # rsync's own reason: refused once the daemon is gone, reset when a connection reached its backlog first.
    assert any(reason in events[-1]["message"] for reason in ("Connection refused", "Connection reset by peer"))


def test_verify_sha256_that_never_answers_on_the_nas_fails_the_file_instead_of_hanging(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 300_000)
        env = wrap(tmp_path, """
            if role == "check":
                stop_here()
            """)
        code, events = run_fetch(nas.url("Heat (1995).mkv"), tmp_path / ".p", "--source-check", "--timeout", "1",
                                 env=env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"] == "the source's SHA-1 on the NAS took over 11 s"
    assert not left_running(tmp_path, "check"), "the hung check was left behind"


# Over ssh the NAS computes the source's SHA-256 itself (`ssh NAS 'openssl dgst ...'`): a real `ssh`
# first on PATH does what a failing NAS would when that command starts, and is the real ssh otherwise.
SSH_WRAPPER = '''\
import os, signal, sys
args = sys.argv[1:]
real = {real!r}
if any("dgst -sha256" in arg for arg in args):
    with open({mark!r}, "w") as f:
        f.write(str(os.getpid()))
{behaviour}
os.execv(real, [real] + args)
'''


def wrap_ssh(tmp_path: Path, behaviour: str) -> dict:
    folder = tmp_path / "ssh-wrapper"
    return first_on_path(folder, "ssh", SSH_WRAPPER.format(real=shutil.which("ssh"), mark=str(folder / "check.pid"),
                                                           behaviour=textwrap.indent(behaviour, "    ")))


def fetch_over_ssh(bench, tmp_path: Path, env: dict) -> tuple[int, list[dict]]:
    rel = "Movies/Heat (1995)/Heat (1995).mkv"
    return run_fetch(f"{bench.ssh_source}/{rel}", tmp_path / ".p", "--source-check", "--timeout", "1",
                     "--ssh-key", str(bench.ssh_key), "--known-hosts", str(tmp_path / "known_hosts"), env=env)


@pytest.mark.slow
def test_verify_sha256_over_ssh_whose_nas_goes_away_fails_the_file_with_ssh_s_reason(nas_bench, tmp_path):
    env = wrap_ssh(tmp_path, f"os.kill({nas_bench.pids['sshd']}, signal.SIGKILL)  # sshd dies before the check")
    code, events = fetch_over_ssh(nas_bench, tmp_path, env)
    assert (tmp_path / "ssh-wrapper" / "check.pid").exists(), "the NAS-side check never ran"
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"].startswith("the source's SHA-256 on the NAS failed: "), events[-1]
    assert "Connection refused" in events[-1]["message"], events[-1]


@pytest.mark.slow
def test_verify_sha256_over_ssh_that_never_answers_fails_the_file_instead_of_hanging(nas_bench, tmp_path):
    env = wrap_ssh(tmp_path, "os.kill(os.getpid(), signal.SIGSTOP)  # the check never answers")
    code, events = fetch_over_ssh(nas_bench, tmp_path, env)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "network", events[-1]
    assert events[-1]["message"] == "the source's SHA-256 on the NAS took over 11 s", events[-1]
    pid = int((tmp_path / "ssh-wrapper" / "check.pid").read_text())
    deadline = time.monotonic() + 30  # SIGKILL takes effect asynchronously
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    hung = alive(pid)
    if hung:
        os.kill(pid, signal.SIGKILL)
    assert not hung, "the hung check was left behind"


@pytest.mark.parametrize("what", ["FIFO", "symlink to a file"])
def test_a_partial_that_is_not_a_regular_file_is_refused_by_the_rsync_backend_and_left_alone(tmp_path, what):
    victim = tmp_path / "victim"
    victim.write_bytes(b"a file the copy must never touch")
    partial = tmp_path / ".p"
    if what == "FIFO":
        os.mkfifo(partial)
    else:
        partial.symlink_to(victim)
    with rsync_daemon(tmp_path) as nas:
        write(nas.folder, "Heat (1995).mkv", 300_000)
        code, events = run_fetch(nas.url("Heat (1995).mkv"), partial)
    assert code == 1 and events[-1]["event"] == "error", events
    assert events[-1]["kind"] == "dest_unwritable", events[-1]
    assert events[-1]["message"] == {"FIFO": "PARTIAL is not a regular file",
                                     "symlink to a file": "PARTIAL is a symlink: the copy is never written "
                                                          "through one"}[what]
    assert victim.read_bytes() == b"a file the copy must never touch"
    assert partial.is_symlink() or partial.is_fifo()
