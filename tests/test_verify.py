"""`verify`: real copies damaged in every way the issue names, found by a real plexsh; quick mode, cancel and resume, a hung reader, doctor's line."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, plexsh_env, run_json, run_plexsh, write_config

SEASON_1 = ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
            "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]
SEASON_2 = ["Breaking Bad - S02E01 - Seven Thirty-Seven.mkv", "Breaking Bad - S02E02 - Grilled.mkv"]
FLIPPED, TRUNCATED, DELETED = SEASON_1
CHANGED_AT_SOURCE, UNTOUCHED = SEASON_2


def got(command: str, **env) -> None:
    result = run_plexsh("-c", command, **env)
    assert result.returncode == 0, result.stdout + result.stderr


def local(home: Path, name: str) -> Path:
    season = "Season 01" if name in SEASON_1 else "Season 02"
    return home / "local" / "TV" / "Breaking Bad" / season / name


def flip_a_byte_keeping_mtime(path: Path, offset: int = 1000) -> None:
    """Silent corruption: one bit changes, the size and mtime do not (what a scrub exists for)."""
    before = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x01]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def states(reply: dict) -> dict[str, str]:
    return {Path(f["path"]).name: f["state"] for f in reply["findings"]}


@pytest.fixture
def damaged(scanned, nas):
    """Both seasons of Breaking Bad copied, then: a byte flipped, one truncated, one deleted, a file
    plexsh never placed, a NAS file changed (and scanned), and one copy left alone."""
    got('get "Breaking Bad" s1-2')
    flip_a_byte_keeping_mtime(local(scanned, FLIPPED))
    os.truncate(local(scanned, TRUNCATED), 123)
    local(scanned, DELETED).unlink()
    (local(scanned, UNTOUCHED).parent / "stray.mkv").write_bytes(b"not from plexsh")
    (local(scanned, UNTOUCHED).parent / ".plexsh-0123456789abcdef.partial").write_bytes(b"plexsh's own")
    with open(nas / "TV/Breaking Bad/Season 02" / CHANGED_AT_SOURCE, "ab") as f:
        f.write(b"a re-encode on the NAS")
    got("scan full")  # a file changed in place leaves its folder's mtime alone: only a full scan reads it
    return scanned


def test_verify_names_each_damaged_copy_with_its_state_and_leaves_plexshs_own_files_alone(damaged):
    [reply] = run_json("verify")

    assert reply["ok"], reply
    assert states(reply) == {FLIPPED: "corrupted", TRUNCATED: "corrupted", DELETED: "missing",
                             "stray.mkv": "orphaned", CHANGED_AT_SOURCE: "source changed"}
    assert reply["counts"] == {"complete": 1, "partial": 0, "corrupted": 2, "missing": 1, "orphaned": 1,
                               "source changed": 1}
    why = {Path(f["path"]).name: f["detail"] for f in reply["findings"]}
    assert "same size, different SHA-256" in why[FLIPPED]
    assert "123 bytes on disk, 500,000 recorded" in why[TRUNCATED]
    assert "changed since it was copied" in why[CHANGED_AT_SOURCE]
    assert reply["hashed"]["files"] == 3  # the truncated copy is not read: its size already says it all


def test_verify_shows_a_table_of_what_is_not_complete_and_a_totals_line(damaged):
    result = run_plexsh("-c", "verify")

    assert result.returncode == 0, result.stderr
    assert "❌ corrupted" in result.stdout and "👻 orphaned" in result.stdout and "🔄 source changed" in result.stdout
    assert f"TV/Breaking Bad/Season 01/{FLIPPED}" in result.stdout
    assert UNTOUCHED not in result.stdout  # complete copies are counted, not listed
    assert "6 files checked in" in result.stdout
    assert "1 ✅ complete, 2 ❌ corrupted, 1 ⛔ missing, 1 👻 orphaned, 1 🔄 source changed" in result.stdout


def test_verify_quick_catches_the_truncated_and_the_deleted_copy_but_not_the_flipped_byte(damaged):
    [reply] = run_json("verify quick")

    assert reply["quick"] and reply["hashed"]["files"] == 0
    found = states(reply)
    assert found[TRUNCATED] == "corrupted" and found[DELETED] == "missing"
    assert FLIPPED not in found  # same size, same mtime: only reading the bytes tells
    assert "not a flipped bit" in run_plexsh("-c", "help verify").stdout


def test_verify_of_a_title_and_selection_reads_only_those_copies(damaged):
    [reply] = run_json('verify "Breaking Bad" s1e1')

    assert states(reply) == {FLIPPED: "corrupted"}
    assert reply["files"] == 1 and reply["hashed"]["files"] == 1


def test_verify_on_a_clean_library_says_every_copy_is_complete(scanned):
    got('get "Breaking Bad" s1')

    result = run_plexsh("-c", "verify all")

    assert result.returncode == 0, result.stderr
    assert "3 files checked in" in result.stdout and ": 3 ✅ complete" in result.stdout
    assert "state" not in result.stdout  # no table


def test_hostile_names_of_orphans_are_shown_escaped_and_kept_exact_in_json(scanned):
    got('get "Breaking Bad" s1e1')
    folder = local(scanned, FLIPPED).parent
    hostile = os.fsencode(folder) + b"/\x1b[31mred [bold]x\n\xff.mkv"
    with open(hostile, "wb") as f:
        f.write(b"planted")

    result = run_plexsh("-c", "verify")

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\\033[31mred [bold]x\\n\\377.mkv" in result.stdout
    [reply] = run_json("verify")
    [orphan] = reply["findings"]
    assert orphan["state"] == "orphaned"
    assert base64.b64decode(orphan["path_bytes"]) == hostile


def checked_so_far(home: Path) -> int:
    with sqlite3.connect(home / "plexsh.db") as db:
        try:
            return db.execute("SELECT count(*) FROM verify_checks").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def plexsh_children_of(home: Path) -> list[int]:
    """Processes still running with this test's plexsh home (a forked reader left behind would be one)."""
    found = []
    marker = f"PLEXSH_HOME={home}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def wait_for(condition, what: str, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_an_interrupted_verify_kills_its_reader_and_the_next_one_resumes_without_reading_again(scanned):
    got('get "Breaking Bad" s1-2')
    # The reader stops after two files, as on a slow disk: the interrupt comes while it is stuck.
    verify = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", "verify"], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=plexsh_env(PLEXSH_TEST_VERIFY_HANG_AFTER=2))
    try:
        wait_for(lambda: checked_so_far(scanned) == 2, "two files checked")
        os.kill(verify.pid, signal.SIGINT)  # what Ctrl-C sends
        out, err = verify.communicate(timeout=60)
    finally:
        verify.kill()
    assert verify.returncode != 0 and "interrupted" in out + err
    wait_for(lambda: not plexsh_children_of(scanned), "the reader to be gone", deadline=10)

    resumed = run_plexsh("-c", "verify")

    assert resumed.returncode == 0, resumed.stderr
    assert "resumed the verify that was stopped: 2 files it had checked, unchanged since, not read again" \
        in resumed.stdout
    assert "5 files checked in" in resumed.stdout and "1.4 MiB read" in resumed.stdout  # 3 of 500,000 bytes
    assert ": 5 ✅ complete" in resumed.stdout


def test_a_finished_verify_is_not_resumed_the_next_one_reads_everything_again(scanned):
    got('get "Breaking Bad" s1')
    run_json("verify")

    [reply] = run_json("verify")

    assert reply["resumed"] == 0 and reply["hashed"]["files"] == 3


def test_a_reader_that_stops_answering_is_given_up_after_the_stall_timeout_with_one_line(home, nas):
    write_config(home, nas, "sync:\n  stall_timeout: 2\n")
    got("scan")
    got('get "Breaking Bad" s1')

    result = run_plexsh("-c", "verify", PLEXSH_TEST_VERIFY_HANG_AFTER=1)

    assert result.returncode == 1
    assert "stopped answering (nothing for 2 s)" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    wait_for(lambda: not plexsh_children_of(home), "the reader to be gone", deadline=10)


def test_doctor_says_how_old_the_oldest_verification_is_and_how_many_copies_verify_never_read(scanned):
    got('get "Breaking Bad" s1')
    [reply] = run_json("doctor")
    [line] = [c for c in reply["checks"] if c["check"] == "verified"]
    assert "3 copies, the oldest verified" in line["detail"] and "3 never read again" in line["detail"]

    got("verify")

    [reply] = run_json("doctor")
    [line] = [c for c in reply["checks"] if c["check"] == "verified"]
    assert line["ok"] and "3 copies, the oldest verified" in line["detail"]
    assert "never read again" not in line["detail"]


def test_a_copy_killed_on_its_way_is_reported_partial_with_its_job(scanned):
    movies = scanned / "local" / "Movies"
    get = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", 'get movie "Blade Runner 2049" bwlimit 200K'], cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=plexsh_env(),
                           start_new_session=True)
    try:
        wait_for(lambda: any(p.stat().st_size > 0 for p in movies.rglob(".plexsh-*.partial")), "a partial copy")
    finally:
        os.killpg(get.pid, signal.SIGKILL)  # plexsh and its copier, as a power cut would
        get.wait(timeout=60)

    [reply] = run_json("verify")

    [finding] = reply["findings"]
    assert finding["state"] == "partial" and Path(finding["path"]).name == "Blade Runner 2049 (2017).mkv"
    # (the next start cuts a partial back to its last verified checkpoint: maybe nothing yet)
    assert finding["size"] is not None and finding["size"] < finding["expected_size"] == 4_000_000
    assert finding["detail"].startswith("an interrupted copy (job 1")


def test_verify_of_a_title_with_no_local_copy_says_so_and_a_selection_after_all_is_a_syntax_error(scanned):
    nothing = run_plexsh("-c", 'verify movie "Heat"')
    assert nothing.returncode == 0 and "nothing to verify: Heat (1995) has no local copies" in nothing.stdout

    wrong = run_plexsh("-c", "verify all s1")

    assert wrong.returncode == 2
    assert "unexpected 's1'; expected quick or the end of the command" in wrong.stderr
    assert "verify all s1\n           ^" in wrong.stderr


def test_a_copy_whose_nas_file_is_gone_is_an_orphan_naming_where_it_came_from(scanned, nas):
    got('get "Breaking Bad" s1e1')
    (nas / "TV/Breaking Bad/Season 01" / FLIPPED).unlink()
    got("scan")

    [reply] = run_json("verify")

    [finding] = reply["findings"]
    assert finding["state"] == "orphaned" and finding["file_id"] is None and finding["size"] == 500_000
    assert finding["detail"] == f"its source file (TV:Breaking Bad/Season 01/{FLIPPED}) is in no source any more"
