"""The engine's checks before a copy gets its final name, each met through the real supervisor and a
real copier child: one that lies or misbehaves on request (the copier's PLEXSH_TEST_COPIER_FAULT test
hook), or a destination that changes under it at the moment the copy is checked (on_change, called
as the job turns to verifying, before the supervisor looks at the partial)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from plexsh.config import Config, Sync
from plexsh.engine.plan import partial_path
from plexsh.engine.supervisor import JobView
from enginekit import Entry, running

LIMIT = 60  # seconds: only turns a hang into a failure, never a speed assertion
SIZE = 300_000  # a few 64 KiB chunks: the faults mid-copy come at the first checkpoint


@dataclass(frozen=True)
class Replacing(Entry):
    """A plan entry of `get ... replace`: the copy may replace what is at its final name."""

    replaces: bool = True


def entry(tmp_path: Path, name: str = "Heat (1995).mkv", size: int = SIZE, local: Path | None = None,
          listed: int | None = None) -> tuple[Entry, bytes]:
    """A source file of SIZE random bytes and its plan entry; LISTED is the size the catalog gives."""
    source = tmp_path / "nas" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    source.write_bytes(data)
    destination = (local or tmp_path / "local") / name.rsplit(".", 1)[0] / name
    return Entry(source, destination, partial_path(destination), size if listed is None else listed), data


def faulty(fault: str) -> dict[str, str]:
    """The environment of copier children that commit FAULT every time (copier.TEST_FAULT)."""
    return dict(os.environ, PLEXSH_TEST_COPIER_FAULT=fault)


def when_verifying(action):
    """An on_change callback running ACTION(view) each time a job turns to verifying: the copier has
    said done, and the supervisor has not yet looked at the partial."""
    def on_change(view: JobView) -> None:
        if view.state == "verifying":
            action(view)
    return on_change


async def get(tmp_path: Path, e: Entry, *, env: dict | None = None, on_change=None,
              retry_attempts: int = 1, verify: str | None = None) -> tuple[JobView, list[str]]:
    """Run one job through the real engine until it ends: its last view, and how each attempt ended."""
    sync = Sync(retry_attempts=retry_attempts, retry_backoff_base=0.05, retry_backoff_max=0.1,
                stall_timeout=10.0)
    async with running(tmp_path, Config(sync=sync), LIMIT, chunk_size="64K", env=env,
                       on_change=on_change) as sup:
        (job_id,) = sup.enqueue([e], verify=verify)
        (view,) = await sup.wait([job_id])
        ended = [ev["reason"] for ev in sup.store.events(job_id) if ev["event"] == "attempt_ended"]
    return view, ended


def hidden_only(e: Entry) -> list[str]:
    """What is in the destination folder: nothing under the final name is what the user must see."""
    return sorted(p.name for p in e.destination.parent.iterdir())


# --- a child that lies about what it copied ----------------------------------------------------------


async def test_a_copy_said_to_be_a_byte_longer_than_it_is_never_gets_its_final_name(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, env=faulty("lie-size"))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "verify", 2), view
    assert view.error == (f"gave up after 2 attempts: size mismatch: {SIZE} bytes written, {SIZE + 1} read")
    assert not e.destination.exists()
    assert hidden_only(e) == [e.partial.name]  # the copy stays under its hidden name


async def test_a_copy_whose_sha256_differs_from_the_source_s_never_gets_its_final_name(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, env=faulty("lie-sha256"))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "verify", 2), view
    assert view.error.endswith("sha256 mismatch between the source as read and the copy")
    assert not e.destination.exists()
    # Each attempt after a mismatch starts from byte 0: nothing of a copy that failed its check is kept.
    assert ended == ["verify", "verify"]


async def test_a_source_of_another_size_than_the_catalog_listed_is_refused_at_once(tmp_path):
    e, data = entry(tmp_path, listed=SIZE + 1)  # changed since the last scan
    view, ended = await get(tmp_path, e, retry_attempts=3)
    assert (view.state, view.error_kind, view.attempts) == ("failed", "source_refused", 1), view
    assert f"the source is {SIZE} bytes, not the {SIZE + 1} the catalog listed" in view.error
    assert "scan, then get it again" in view.error
    assert not e.destination.exists()


# --- the partial changes between the copier's done and the check -------------------------------------


async def test_a_partial_removed_before_the_check_fails_the_copy_and_nothing_appears(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, on_change=when_verifying(lambda view: os.unlink(e.partial)))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "other", 2), view
    assert view.error == ("gave up after 2 attempts: the copied file vanished before verification: "
                          "No such file or directory")
    assert not e.destination.exists() and hidden_only(e) == []


async def test_a_partial_replaced_by_a_shorter_file_before_the_check_never_gets_its_final_name(tmp_path):
    e, data = entry(tmp_path)

    def replace(view):
        shorter = e.partial.with_name("shorter")
        shorter.write_bytes(data[:-1])
        os.replace(shorter, e.partial)

    view, ended = await get(tmp_path, e, on_change=when_verifying(replace))
    assert (view.state, view.error_kind) == ("failed", "verify"), view
    assert view.error.endswith(f"size mismatch: {SIZE - 1} bytes written, {SIZE} read")
    assert not e.destination.exists()


@pytest.mark.parametrize("how", ["replaced by a file of the same size", "rewritten in place"])
async def test_a_partial_changed_after_the_copier_verified_it_never_gets_its_final_name(tmp_path, how):
    e, data = entry(tmp_path)
    other = bytes(b ^ 0xFF for b in data[:4096]) + data[4096:]

    def change(view):
        if how == "rewritten in place":
            with open(e.partial, "r+b") as f:
                f.write(other[:4096])
        else:
            twin = e.partial.with_name("twin")
            twin.write_bytes(other)
            os.replace(twin, e.partial)

    view, ended = await get(tmp_path, e, on_change=when_verifying(change))
    assert (view.state, view.error_kind) == ("failed", "verify"), view
    assert view.error.endswith("the copy was changed by another program after it was verified "
                               "(it is copied again from the start)")
    assert not e.destination.exists()


# --- the rename into place fails --------------------------------------------------------------------


async def test_a_folder_that_appears_at_the_final_name_is_kept_and_the_copy_waits_beside_it(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, on_change=when_verifying(lambda view: e.destination.mkdir()))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "conflict", 1), view
    assert f"a different file appeared at {e.destination} during the copy; it is kept" in view.error
    assert e.destination.is_dir() and list(e.destination.iterdir()) == []
    assert e.partial.read_bytes() == data


async def test_a_copy_whose_rename_failed_is_put_in_place_on_retry_without_copying_it_again(tmp_path):
    e, data = entry(tmp_path)
    sync = Sync(retry_attempts=1, retry_backoff_base=0.05, retry_backoff_max=0.1, stall_timeout=10.0)
    in_the_way = when_verifying(lambda view: e.destination.exists() or e.destination.mkdir())
    async with running(tmp_path, Config(sync=sync), LIMIT, chunk_size="64K", on_change=in_the_way) as sup:
        (job_id,) = sup.enqueue([e])
        (view,) = await sup.wait([job_id])
        assert (view.state, view.error_kind) == ("failed", "conflict"), view
        e.destination.rmdir()  # the user clears the way
        sup.on_change = None
        sup.retry(job_id)
        (view,) = await sup.wait([job_id])
    assert view.state == "done", view
    assert e.destination.read_bytes() == data and hidden_only(e) == [e.destination.name]
    assert view.resumed_from == SIZE  # the whole partial was re-hashed, not copied again


async def test_get_replace_cannot_put_a_copy_over_a_folder_and_says_so(tmp_path):
    e, data = entry(tmp_path)
    e = Replacing(e.source, e.destination, e.partial, e.size)
    view, ended = await get(tmp_path, e, on_change=when_verifying(lambda view: e.destination.mkdir()))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "dest_unwritable", 1), view
    assert view.error == f"cannot put {e.destination.name} in place: Is a directory"
    assert e.destination.is_dir() and e.partial.read_bytes() == data


@pytest.fixture
def immutable(tmp_path):
    """`immutable(folder)` sets the folder's immutable flag (chattr +i), which even root cannot write
    through; every flag set is cleared afterwards so the folder can be removed."""
    if os.geteuid() != 0:
        pytest.skip("chattr +i needs root")
    flagged: list[Path] = []

    def flag(folder: Path) -> None:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"chattr +i is not possible here: {done.stderr.strip()}")
        flagged.append(folder)

    yield flag
    for folder in flagged:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


async def test_a_destination_folder_made_immutable_before_the_rename_fails_the_job_with_the_reason(
        tmp_path, immutable):
    e, data = entry(tmp_path)
    flagged = []

    def freeze(view):
        immutable(e.destination.parent)
        flagged.append(True)

    view, ended = await get(tmp_path, e, on_change=when_verifying(freeze))
    assert flagged  # otherwise the test was skipped inside the engine's callback
    assert (view.state, view.error_kind, view.attempts) == ("failed", "dest_unwritable", 1), view
    assert view.error == f"cannot put {e.destination.name} in place: Operation not permitted"
    assert not e.destination.exists() and e.partial.read_bytes() == data


async def test_a_destination_remounted_read_only_before_the_rename_fails_the_job_with_the_reason(
        tmp_path, tmpfs):
    disk = tmpfs("4m")
    e, data = entry(tmp_path, local=disk)

    def remount_read_only(view):
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)

    view, ended = await get(tmp_path, e, on_change=when_verifying(remount_read_only))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "dest_unwritable", 1), view
    assert view.error == f"cannot put {e.destination.name} in place: Read-only file system"
    assert not e.destination.exists() and e.partial.read_bytes() == data


# --- a child that fails in a way nobody planned ------------------------------------------------------


async def test_an_unexpected_exception_in_the_copier_fails_the_job_with_its_own_words(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, env=faulty("crash"))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "other", 2), view
    # The copier's report of its bug, not the engine's guess from a dead child.
    assert view.error == "gave up after 2 attempts: RuntimeError: test fault: crash"
    assert not e.destination.exists()


async def test_a_copier_that_dies_without_a_word_fails_the_job_and_never_hangs_it(tmp_path):
    e, data = entry(tmp_path)
    view, ended = await get(tmp_path, e, env=faulty("exit"))
    assert (view.state, view.error_kind, view.attempts) == ("failed", "other", 2), view
    assert view.error.startswith("gave up after 2 attempts: the copier ended without a result (exit 3)")
    assert ended == ["other", "other"]  # never a stall: no waiting on it
    assert not e.destination.exists()
