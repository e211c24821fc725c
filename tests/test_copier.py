"""The native copier, run as a real child process on real files, as the engine will run it."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from shlex import quote as shlex_quote
from pathlib import Path

import pytest

from enginekit import proc_state
from plexsh.engine import copier

REPO = Path(__file__).resolve().parent.parent
CHUNK = 64 << 10
SLOW = 1 << 20        # --bwlimit for runs that must still be going when the test acts on them
HANG_GUARD = 60.0     # not a timing assertion: only keeps a broken copier from hanging the suite


def data(size: int, seed: int = 1) -> bytes:
    """Bytes that differ in every block, so a misplaced block cannot go unnoticed."""
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    out = bytearray()
    n = 0
    while len(out) < size:
        out += n.to_bytes(8, "little") + block[8:]
        n += 1
    return bytes(out[:size])


def make_source(tmp_path: Path, size: int, name: str = "Title (1999).mkv", seed: int = 1) -> Path:
    path = tmp_path / "nas" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data(size, seed))
    return path


def partial_for(tmp_path: Path, name: str = "Title (1999).mkv") -> Path:
    folder = tmp_path / "local"
    folder.mkdir(exist_ok=True)
    return folder / f".{name}.plexsh-partial"


def state_of(partial: Path) -> Path:
    return Path(str(partial) + ".state")


def events_of(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def run(src: Path, partial: Path, **options) -> tuple[int, list[dict], str]:
    done = subprocess.run(copier.argv(src, partial, chunk_size=CHUNK, **options),
                          capture_output=True, text=True, timeout=HANG_GUARD)
    return done.returncode, events_of(done.stdout), done.stderr


class Child:
    """A copier running in the background, its events read as they come."""

    def __init__(self, src: Path, partial: Path, **options):
        options.setdefault("bwlimit", SLOW)
        options.setdefault("chunk_size", CHUNK)
        self.proc = subprocess.Popen(copier.argv(src, partial, **options),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.events: list[dict] = []
        self._buffer = b""

    def next_event(self) -> dict | None:
        deadline = time.monotonic() + HANG_GUARD
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self._buffer += chunk
            assert time.monotonic() < deadline, "the copier stopped talking"
        line, self._buffer = self._buffer.split(b"\n", 1)
        self.events.append(json.loads(line))
        return self.events[-1]

    def said_so_far(self) -> bytes:
        """Everything the copier has printed up to now (read without waiting)."""
        while select.select([self.proc.stdout], [], [], 0)[0]:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                break
            self._buffer += chunk
        return b"".join(json.dumps(e).encode() + b"\n" for e in self.events) + self._buffer

    def wait_for(self, test) -> dict:
        while (event := self.next_event()) is not None:
            if test(event):
                return event
        raise AssertionError(f"the copier ended first: {self.events[-3:]}")

    def finish(self) -> tuple[int, list[dict], str]:
        while self.next_event() is not None:
            pass
        code = self.proc.wait(timeout=HANG_GUARD)
        stderr = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, self.events, stderr


def progressed(at_least: int):
    return lambda e: e["event"] == "progress" and e["bytes"] >= at_least


def assert_done(code: int, events: list[dict], src: Path, partial: Path) -> dict:
    assert code == 0, events[-1:]
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "done" and set(kinds[:-1]) <= {"verify", "progress"}
    assert "verify" not in kinds[kinds.index("progress"):]  # a resume re-reads its partial first
    done = events[-1]
    content = src.read_bytes()
    assert partial.read_bytes() == content
    assert done["sha256"] == done["dest_sha256"] == hashlib.sha256(content).hexdigest()
    assert done["bytes"] == len(content)
    assert done["copied"] == len(content) - done["resumed_from"]
    assert_whole_checkpoint(state_of(partial), len(content))
    return done


def assert_whole_checkpoint(state: Path, size: int) -> None:
    """After done the state stays, its last checkpoint at the end, until the engine renames the copy
    (then a retry after a failed rename re-hashes the partial instead of copying it again)."""
    if size == 0:
        assert not state.exists()  # nothing to check a resume against
    else:
        assert json.loads(state.read_text())["checkpoints"][-1][0] == size


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5,
                                  copier.SERIAL_MAX + 7, 40 * CHUNK + 3])
def test_copies_files_of_awkward_sizes_byte_for_byte(tmp_path, size):
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    code, events, stderr = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 0 and "restart_reason" not in done
    assert events[0] == {"event": "progress", "bytes": 0, "total": size, "resumed_from": 0}
    progress = [e["bytes"] for e in events if e["event"] == "progress"]
    assert progress == sorted(progress) and progress[-1] == size
    assert stderr == ""


def test_runs_as_a_module_with_the_documented_command_line(tmp_path):
    src, partial = make_source(tmp_path, 3 * CHUNK + 1), partial_for(tmp_path)
    done = subprocess.run([sys.executable, "-m", "plexsh.engine.copier", str(src), str(partial),
                           "--chunk-size", "64K"], capture_output=True, text=True, cwd=REPO,
                          timeout=HANG_GUARD)
    assert_done(done.returncode, events_of(done.stdout), src, partial)


def test_the_engine_command_takes_options_after_the_paths(tmp_path):
    src, partial = make_source(tmp_path, 3 * CHUNK + 1), partial_for(tmp_path)
    done = subprocess.run([*copier.command(), str(src), str(partial), "--chunk-size", "64K"],
                          capture_output=True, text=True, timeout=HANG_GUARD)
    assert_done(done.returncode, events_of(done.stdout), src, partial)


def test_the_source_is_opened_read_only_and_left_untouched(tmp_path):
    src, partial = make_source(tmp_path, 1 << 20), partial_for(tmp_path)
    before = (src.stat().st_mtime_ns, hashlib.sha256(src.read_bytes()).hexdigest())
    child = Child(src, partial)
    child.wait_for(progressed(CHUNK))
    flags = None
    for fd in os.listdir(f"/proc/{child.proc.pid}/fd"):
        if os.readlink(f"/proc/{child.proc.pid}/fd/{fd}") == str(src):
            info = Path(f"/proc/{child.proc.pid}/fdinfo/{fd}").read_text()
            flags = int(info.split("flags:")[1].split()[0], 8)
    assert flags is not None and flags & os.O_ACCMODE == os.O_RDONLY
    assert_done(*child.finish()[:2], src, partial)
    assert (src.stat().st_mtime_ns, hashlib.sha256(src.read_bytes()).hexdigest()) == before


def test_resumes_from_verified_bytes_after_sigkill(tmp_path):
    size = 2 * copier.SERIAL_MAX + 123
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(lambda e: state_of(partial).exists())  # a checkpoint was written
    child.proc.kill()
    child.finish()
    assert partial.stat().st_size > 0

    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] > 0 and done["resumed_from"] % CHUNK == 0
    assert done["copied"] <= size - done["resumed_from"] + CHUNK
    assert any(e["event"] == "verify" for e in events)


def cancelled_partial(tmp_path: Path, size: int) -> tuple[Path, Path, int]:
    """A copy stopped with SIGTERM part-way: its partial and state, and the bytes it kept."""
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(progressed(size // 2))
    child.proc.send_signal(signal.SIGTERM)
    code, events, stderr = child.finish()
    assert code == 20 and events[-1]["event"] == "cancelled", events[-1:]
    assert stderr == ""
    kept = events[-1]["bytes"]
    assert 0 < kept < size and kept % CHUNK == 0
    assert partial.stat().st_size == kept and state_of(partial).exists()
    return src, partial, kept


def test_sigterm_cancels_at_a_chunk_boundary_and_the_rerun_completes(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == kept and done["copied"] == done["bytes"] - kept
    assert "restart_reason" not in done and "discarded" not in done


def test_a_zero_filled_tail_fails_its_checkpoint_and_is_copied_again(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    zeros_from = kept // 2 + 100  # as a dead mount leaves it: right size, zeros at the end
    with open(partial, "r+b") as f:
        f.seek(zeros_from)
        f.write(bytes(kept - zeros_from))
    assert partial.stat().st_size == kept

    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == zeros_from // CHUNK * CHUNK
    assert done["discarded"] == kept - done["resumed_from"]


def test_a_corrupt_byte_in_the_middle_resumes_from_before_its_chunk(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    bad = CHUNK * 3 + 777
    with open(partial, "r+b") as f:
        f.seek(bad)
        byte = f.read(1)
        f.seek(bad)
        f.write(bytes([byte[0] ^ 0xFF]))

    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 3 * CHUNK


def test_a_source_changed_between_runs_starts_afresh(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    src.write_bytes(data(24 * CHUNK + 9, seed=2))  # same size, new bytes, new mtime
    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 0 and done["restart_reason"] == "source changed"
    assert events[0]["restart_reason"] == "source changed"


def test_fresh_ignores_a_good_partial(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    code, events, _ = run(src, partial, fresh=True)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 0 and done["restart_reason"] == "fresh requested"


def test_a_partial_without_its_state_is_not_trusted(tmp_path):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    state_of(partial).unlink()
    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 0 and done["restart_reason"] == "no checkpoint"


def test_a_source_changed_during_the_copy_is_an_error_not_a_mix(tmp_path):
    src, partial = make_source(tmp_path, 1 << 20), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(progressed(CHUNK))
    with open(src, "ab") as f:
        f.write(b"more")
    code, events, stderr = child.finish()
    assert code == 1 and stderr == ""
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "source_changed"
    assert not any(e["event"] == "done" for e in events)
    assert partial.stat().st_size == 0 and not state_of(partial).exists()


def test_sigstop_holds_the_copy_where_it_is_and_sigcont_carries_it_on_to_the_end(tmp_path):
    """How plexsh pauses a copy: while stopped not a byte more is written; after SIGCONT the same
    run goes on from there (no restart, no error) to a whole, verified file."""
    src, partial = make_source(tmp_path, 1 << 20), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(progressed(CHUNK))
    child.proc.send_signal(signal.SIGSTOP)
    deadline = time.monotonic() + HANG_GUARD
    while proc_state(child.proc.pid) != "T":
        assert time.monotonic() < deadline, "the copier never stopped"
        time.sleep(0.01)
    said = child.said_so_far()
    held = partial.stat().st_size
    time.sleep(0.5)  # at the copy's 1 MiB/s, eight blocks' time: a copy still going would show
    assert partial.stat().st_size == held < src.stat().st_size
    assert child.said_so_far() == said  # and it says nothing
    child.proc.send_signal(signal.SIGCONT)
    code, events, stderr = child.finish()
    done = assert_done(code, events, src, partial)
    assert stderr == "" and done["resumed_from"] == 0 and done["copied"] == src.stat().st_size


@pytest.fixture
def small_tmpfs(tmpfs):
    """A 2 MiB tmpfs (conftest's fixture: needs root, as in CI)."""
    return tmpfs("2m")


def test_a_full_disk_keeps_the_partial_and_a_rerun_completes_after_space_is_freed(
        tmp_path, small_tmpfs):
    src = make_source(tmp_path, 1536 << 10)
    filler = small_tmpfs / "filler"
    filler.write_bytes(bytes(1 << 20))
    partial = small_tmpfs / ".Title (1999).mkv.plexsh-partial"

    code, events, stderr = run(src, partial)
    assert code == 1 and stderr == ""
    error = events[-1]
    assert error["event"] == "error" and error["kind"] == "no_space", error
    assert error["bytes"] > 0 and partial.stat().st_size == error["bytes"]
    assert state_of(partial).exists()

    filler.unlink()
    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == error["bytes"]


def test_a_read_error_keeps_the_partial_up_to_the_last_good_chunk(tmp_path, monkeypatch):
    """In-process, the one exception: a real EIO needs a failing device or mount (field notes)."""
    src, partial = make_source(tmp_path, 10 * CHUNK + 5), partial_for(tmp_path)
    bad_from, source_inode, real_preadv = 6 * CHUNK + 1000, src.stat().st_ino, os.preadv

    def preadv(fd, buffers, offset):
        if os.fstat(fd).st_ino == source_inode and offset + len(buffers[0]) > bad_from:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_preadv(fd, buffers, offset)

    monkeypatch.setattr(copier.os, "preadv", preadv)
    code, events = run_in_process(tmp_path, src, partial)
    monkeypatch.undo()
    error = events[-1]
    assert code == 1 and error["kind"] == "source_unreadable", error
    assert "Input/output error" in error["message"]
    assert error["bytes"] == partial.stat().st_size == 6 * CHUNK

    code, events, _ = run(src, partial)
    assert assert_done(code, events, src, partial)["resumed_from"] == 6 * CHUNK


def run_in_process(tmp_path: Path, src: Path, partial: Path) -> tuple[int, list[dict]]:
    out = tmp_path / "events"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        code = copier.Copy(copier.Options(str(src), str(partial), CHUNK), copier.Events(fd)).run()
    finally:
        os.close(fd)
    return code, events_of(out.read_text())


@pytest.mark.parametrize("size", [10 * CHUNK + 5, 2 * copier.SERIAL_MAX + 5])  # inline, threaded
def test_a_block_that_reads_back_wrong_is_an_error_and_never_checkpointed(tmp_path, monkeypatch,
                                                                          size):
    """In-process: a partial that reads back other bytes than were written needs a broken disk."""
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    calls, real_same = [], copier.same

    def same(a, b):
        calls.append(len(a))
        return real_same(a, b) and sum(calls) <= 6 * CHUNK  # wrong from the 7th chunk on

    monkeypatch.setattr(copier, "same", same)
    code, events = run_in_process(tmp_path, src, partial)
    monkeypatch.undo()
    error = events[-1]
    assert code == 1 and error["kind"] == "dest_unwritable", error
    assert "does not read back" in error["message"]
    assert error["bytes"] == partial.stat().st_size <= 6 * CHUNK and state_of(partial).exists()

    code, events, _ = run(src, partial)
    assert assert_done(code, events, src, partial)["resumed_from"] == error["bytes"]


def test_a_missing_source_is_reported_without_a_traceback(tmp_path):
    partial = partial_for(tmp_path)
    code, events, stderr = run(tmp_path / "gone.mkv", partial)
    assert code == 1 and stderr == ""
    assert events == [{"event": "error", "kind": "source_unreadable", "bytes": 0,
                       "message": "cannot open the source: No such file or directory"}]


def test_a_partial_naming_the_source_never_touches_it(tmp_path):
    src = make_source(tmp_path, 3 * CHUNK)
    before = src.read_bytes()
    code, events, _ = run(src, src)
    assert code == 1 and events[-1]["event"] == "error"
    assert src.read_bytes() == before and not state_of(src).exists()


@pytest.mark.parametrize("args", [[], ["only-one"], ["a", "b", "--chunk-size", "12Q"],
                                  ["a", "b", "--bwlimit"], ["a", "b", "--frsh"]])
def test_bad_arguments_exit_2_with_an_error_event(args):
    done = subprocess.run([sys.executable, "-m", "plexsh.engine.copier", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=HANG_GUARD)
    assert done.returncode == 2
    assert events_of(done.stdout)[-1]["event"] == "error"
    assert "usage:" in done.stderr and "Traceback" not in done.stderr


def test_a_serving_worker_copies_file_after_file_until_its_input_ends(tmp_path):
    sources = [make_source(tmp_path, 300_000 + i, f"Film {i} (2000).mkv", seed=i) for i in range(3)]
    partials = [partial_for(tmp_path, s.name) for s in sources]
    requests = [{"source": str(s), "partial": str(p), "chunk_size": CHUNK} for s, p in zip(sources, partials)]
    lines = [json.dumps(r) for r in requests[:2]] + ["not json", json.dumps(requests[2])]
    done = subprocess.run([*copier.command(), "--serve"], input="\n".join(lines) + "\n", text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG_GUARD)
    assert done.returncode == 0, done.stderr
    finals = [e for e in events_of(done.stdout) if e["event"] in ("done", "error")]
    assert [e["event"] for e in finals] == ["done", "done", "error", "done"]
    assert finals[2]["message"].startswith("bad request")  # a bad line costs that request, not the worker
    for source, partial, event in zip(sources, partials, [finals[0], finals[1], finals[3]]):
        assert partial.read_bytes() == source.read_bytes()
        assert event["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_a_serving_worker_stops_at_a_checkpoint_when_its_engine_is_killed(tmp_path):
    """The engine (here a shell standing in for plexsh) is killed with SIGKILL mid-file: the
    worker notices its parent is gone, cuts the partial back to a checkpoint and exits."""
    src = make_source(tmp_path, 4 << 20)
    partial = partial_for(tmp_path)
    request = json.dumps({"source": str(src), "partial": str(partial), "chunk_size": CHUNK, "bwlimit": SLOW})
    worker = " ".join(map(shlex_quote, [*copier.command(), "--serve"]))
    # The shell keeps the worker's input open and runs it as its child, as the engine does.
    engine = subprocess.Popen(["sh", "-c", f"(echo {shlex_quote(request)}; sleep 60) | {worker} > {tmp_path}/out & "
                               f"echo $! > {tmp_path}/pid; wait"], start_new_session=True)
    deadline = time.monotonic() + HANG_GUARD
    while not state_of(partial).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state_of(partial).exists()
    engine.kill()  # only the engine, not its process group
    engine.wait()
    pid = int((tmp_path / "pid").read_text())
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the worker copied on after its engine died"
    events = events_of((tmp_path / "out").read_text())
    assert events[-1]["event"] == "cancelled"
    kept = events[-1]["bytes"]
    assert 0 < kept < 4 << 20 and kept % CHUNK == 0
    assert partial.read_bytes() == src.read_bytes()[:kept]
    os.killpg(engine.pid, signal.SIGKILL)  # the sleep still holding the pipe


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- the copier's own guards, each seen to fail with the guard taken out ----------------------------


def test_a_partial_grown_past_the_source_during_the_copy_ends_in_an_error_not_done(tmp_path):
    size = 2 << 20
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(progressed(CHUNK))
    os.truncate(partial, size + 4096)  # another writer at the same partial
    code, events, stderr = child.finish()
    assert code == 1 and stderr == ""
    assert events[-1]["kind"] == "dest_unwritable"
    assert events[-1]["message"] == "the partial file has the wrong size at the end"
    assert not any(e["event"] == "done" for e in events)
    assert partial.stat().st_size == events[-1]["bytes"] <= size  # cut back to a checkpoint


@pytest.mark.parametrize("damage", ["garbage", "another format", "checkpoints out of order",
                                    "a symlink loop", "a FIFO", "a link to /dev/zero"])
def test_a_checkpoint_file_that_is_corrupt_or_unreadable_restarts_the_copy_from_byte_0(tmp_path, damage):
    src, partial, kept = cancelled_partial(tmp_path, 24 * CHUNK + 9)
    state = state_of(partial)
    good = json.loads(state.read_text())
    state.unlink()
    if damage == "garbage":
        state.write_bytes(b"\xff\x00 not a state file")
    elif damage == "another format":
        state.write_text(json.dumps({**good, "format": "plexsh-copier-state/0"}))
    elif damage == "checkpoints out of order":
        state.write_text(json.dumps({**good, "checkpoints": good["checkpoints"][::-1]}))
    elif damage == "a symlink loop":  # unreadable even for root: open() fails with ELOOP
        state.symlink_to(state.name)
    elif damage == "a FIFO":  # open() would wait for a writer, deaf to SIGTERM
        os.mkfifo(state)
    else:  # reading it would never end
        state.symlink_to("/dev/zero")
    code, events, _ = run(src, partial)
    done = assert_done(code, events, src, partial)
    assert done["resumed_from"] == 0 and done["restart_reason"] == "checkpoint unreadable"


@pytest.mark.parametrize("how", ["deleted", "renamed", "replaced by a file of the same size", "truncated",
                                 "appended to"])
def test_a_source_deleted_renamed_replaced_or_truncated_mid_copy_is_an_error_and_nothing_is_kept(tmp_path, how):
    size = 2 << 20
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    child = Child(src, partial)
    child.wait_for(progressed(2 * CHUNK))
    if how == "deleted":
        src.unlink()
    elif how == "renamed":
        src.rename(src.with_name("Elsewhere (1999).mkv"))
    elif how == "replaced by a file of the same size":
        other = make_source(tmp_path, size, "Other (1999).mkv", seed=2)
        os.utime(other, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns))
        other.rename(src)
    elif how == "truncated":
        os.truncate(src, size // 2)
    else:  # the reads alone would never see it: they stop at the size the copy began with
        with open(src, "ab") as grow:
            grow.write(b"more")
    code, events, stderr = child.finish()
    assert code == 1 and stderr == ""
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "source_changed", events[-1]
    assert not any(e["event"] == "done" for e in events)
    # A mix of two versions is worth nothing: the partial is emptied and its checkpoints dropped.
    assert events[-1]["bytes"] == 0 and partial.stat().st_size == 0 and not state_of(partial).exists()


def test_a_source_cut_short_inside_a_chunk_ends_the_copy_at_the_first_missing_byte(tmp_path):
    size = 2 << 20  # one chunk: no check of the source's size comes before the end, only the reads
    src, partial = make_source(tmp_path, size), partial_for(tmp_path)
    child = Child(src, partial, chunk_size=size)
    child.wait_for(progressed(2 * CHUNK))
    os.truncate(src, CHUNK)
    code, events, stderr = child.finish()
    assert code == 1 and stderr == ""
    assert events[-1]["kind"] == "source_changed", events[-1]
    assert events[-1]["message"].startswith("the source ended early, at byte "), events[-1]
    assert events[-1]["message"].endswith(f" of {size}"), events[-1]
    assert events[-1]["bytes"] == 0 and partial.stat().st_size == 0


@pytest.mark.parametrize("kind, path", [("folder", None), ("character device", "/dev/zero")])
def test_a_source_that_is_not_a_regular_file_is_refused_before_anything_is_written(tmp_path, kind, path):
    if path is None:
        src = tmp_path / "nas" / "Folder (1999).mkv"
        src.mkdir(parents=True)
    else:
        src = Path(path)
    partial = partial_for(tmp_path)
    code, events, stderr = run(src, partial)
    assert code == 1 and stderr == ""
    assert events == [{"event": "error", "kind": "source_refused", "bytes": 0, "message":
                       f"the source is not a regular file but a {kind}: only files are copied"}]
    assert not partial.exists()


@pytest.mark.parametrize("what", ["folder", "FIFO", "symlink to a file", "symlink at the checkpoint's temporary name"])
def test_a_partial_that_is_not_a_regular_file_is_refused_and_what_is_there_left_alone(tmp_path, what):
    src, partial = make_source(tmp_path, 2 << 20), partial_for(tmp_path)
    victim = tmp_path / "victim"
    victim.write_bytes(b"a file the copy must never touch")
    if what == "folder":
        partial.mkdir()
    elif what == "FIFO":
        os.mkfifo(partial)
    elif what == "symlink to a file":
        partial.symlink_to(victim)
    else:  # where the copier writes its checkpoints before renaming them into place
        Path(f"{state_of(partial)}.tmp").symlink_to(victim)
    code, events, stderr = run(src, partial, bwlimit=SLOW)  # long enough to write checkpoints
    assert code == 1 and stderr == ""
    error = events[-1]
    assert error["event"] == "error" and error["kind"] == "dest_unwritable", error
    assert error["message"] == {
        "folder": "cannot open the partial file: Is a directory",
        "FIFO": "PARTIAL is not a regular file",
        "symlink to a file": "PARTIAL is a symlink: the copy is never written through one",
    }.get(what, "cannot write the checkpoint: Too many levels of symbolic links")
    assert victim.read_bytes() == b"a file the copy must never touch"


def test_an_unexpected_exception_is_one_error_event_and_no_traceback(tmp_path):
    src, partial = make_source(tmp_path, 10 * CHUNK), partial_for(tmp_path)
    done = subprocess.run(copier.argv(src, partial, chunk_size=CHUNK), capture_output=True, text=True,
                          timeout=HANG_GUARD, env=dict(os.environ, PLEXSH_TEST_COPIER_FAULT="crash"))
    assert done.returncode == 1 and done.stderr == ""
    assert events_of(done.stdout)[-1] == {"event": "error", "kind": "other", "bytes": 0,
                                          "message": "RuntimeError: test fault: crash"}
