"""`resync`: damaged local copies fetched again byte-identical, the bad ones to the trash once replaced, `undo` putting them back; orphans, source changes and dry-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, plexsh_env, run_json, run_plexsh

from plexsh.journal import trash

SEASON = "TV/Breaking Bad/Season 01"
E01, E02, E03 = ("Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
                 "Breaking Bad - S01E03 - And the Bag's in the River.mkv")


def got(command: str) -> None:
    result = run_plexsh("-c", command)
    assert result.returncode == 0, result.stdout + result.stderr


def flip_a_byte(path, at: int = 1000) -> bytes:
    """One byte of PATH changed in place (same size: silent corruption); the file's new bytes."""
    with open(path, "r+b") as f:
        f.seek(at)
        old = f.read(1)
        f.seek(at)
        f.write(bytes([old[0] ^ 0xFF]))
    return path.read_bytes()


def damage_season_1(home):
    """Flip a byte of E01, truncate E02, delete E03; their bad bytes (None: gone)."""
    local = home / "local" / SEASON
    flipped = flip_a_byte(local / E01)
    os.truncate(local / E02, 1000)
    (local / E03).unlink()
    return {E01: flipped, E02: (local / E02).read_bytes(), E03: None}


def trashed(home) -> dict[str, bytes]:
    """File name -> bytes of each entry in plexsh's trash."""
    return {e.original.name: e.path.read_bytes() for e in trash.entries(home)}


def test_resync_makes_a_flipped_a_truncated_and_a_deleted_copy_byte_identical_and_undo_puts_the_bad_ones_back(
        scanned, nas):
    got('get "Breaking Bad" s1')
    local = scanned / "local" / SEASON
    bad = damage_season_1(scanned)

    result = run_plexsh("-c", "resync")

    assert result.returncode == 0, result.stdout + result.stderr
    for name in (E01, E02, E03):
        assert (local / name).read_bytes() == (nas / SEASON / name).read_bytes(), name
    assert trashed(scanned) == {E01: bad[E01], E02: bad[E02]}  # the deleted one had nothing to put aside
    assert f"repaired (corrupted): {local / E01}" in result.stdout
    assert f"repaired (missing): {local / E03}" in result.stdout
    assert "3 checked; 0 complete; 3 repaired" in result.stdout
    (listed,) = run_json("trash")
    assert sorted(e["original"] for e in listed["entries"]) == [str(local / E01), str(local / E02)]

    undone = run_plexsh("-c", "undo")

    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (local / E01).read_bytes() == bad[E01] and (local / E02).read_bytes() == bad[E02]
    assert not (local / E03).exists()
    # The bad copies are plexsh's recorded copies again: resync would repair them again.
    (again,) = run_json("resync dry-run")
    assert [(r["state"], os.path.basename(r["path"])) for r in again["repairs"]] == [
        ("corrupted", E01), ("corrupted", E02)]


def test_corrupted_copies_are_fetched_before_missing_ones_at_the_priority_asked(scanned, nas):
    got('get "Breaking Bad" s1')
    local = scanned / "local" / SEASON
    (local / E01).unlink()  # missing, though first by name
    flip_a_byte(local / E03)  # corrupted

    (reply,) = run_json("resync priority high")

    assert reply["ok"], reply
    assert [(r["state"], os.path.basename(r["path"])) for r in reply["repairs"]] == [("corrupted", E03),
                                                                                     ("missing", E01)]
    (jobs,) = run_json("jobs")
    resynced = [j for j in jobs["jobs"] if j["id"] in [v["id"] for v in reply["jobs"]]]
    # The queue order is (priority, position): the corrupted copy's job is ahead of the missing one's.
    assert [(j["label"], j["priority"]) for j in sorted(resynced, key=lambda j: j["position"])] == [
        (E03, "high"), (E01, "high")]
    assert all((local / n).read_bytes() == (nas / SEASON / n).read_bytes() for n in (E01, E03))


def test_orphans_are_left_alone_unless_asked_then_trashed_as_one_action_that_undo_takes_back(scanned):
    got('get "Breaking Bad" s1e1')
    orphan = scanned / "local" / SEASON / "left by someone.mkv"
    orphan.write_bytes(b"not plexsh's")

    (left,) = run_json("resync")
    assert left["ok"] and orphan.read_bytes() == b"not plexsh's"
    assert [(f["state"], f["path"]) for f in left["left_alone"]] == [("orphaned", str(orphan))]
    assert "resync orphans" in left["left_alone"][0]["why"]

    (asked,) = run_json("resync orphans")

    assert asked["ok"] and not orphan.exists()
    assert [f["path"] for f in asked["orphans"]] == [str(orphan)]
    assert trashed(scanned) == {orphan.name: b"not plexsh's"}
    (history,) = run_json(f"history {asked['orphans_action']}")
    assert [(s["op"], s["path"]) for s in history["action"]["steps"]] == [("trash", str(orphan))]

    assert run_plexsh("-c", "undo").returncode == 0
    assert orphan.read_bytes() == b"not plexsh's" and trashed(scanned) == {}


def test_dry_run_shows_the_plan_and_changes_nothing(scanned):
    got('get "Breaking Bad" s1')
    local = scanned / "local" / SEASON
    bad = damage_season_1(scanned)
    orphan = local / "stray.mkv"
    orphan.write_bytes(b"stray")

    result = run_plexsh("-c", "resync orphans dry-run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 files would be fetched again (1.4 MiB); 1 file would go to the trash; nothing changed (dry-run)" \
        in result.stdout
    assert (local / E01).read_bytes() == bad[E01] and (local / E02).read_bytes() == bad[E02]
    assert not (local / E03).exists() and orphan.read_bytes() == b"stray"
    assert trashed(scanned) == {}
    history, jobs = run_json("history", "jobs")
    assert [a["verb"] for a in history["actions"]] == ["get"]
    assert all(j["state"] == "done" for j in jobs["jobs"]) and len(jobs["jobs"]) == 3


def test_a_copy_whose_nas_file_changed_is_left_alone_and_the_report_says_get_replace_fetches_it(scanned, nas):
    got('get "Blade Runner 2049"')
    source = nas / "Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv"
    copy = scanned / "local/Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv"
    before = copy.read_bytes()
    newer = source.with_name("newer.tmp")  # a new release put in its place: the folder changes, so a scan reads it
    newer.write_bytes(source.read_bytes() + b"a new release")
    os.replace(newer, source)
    got("scan")

    result = run_plexsh("--json", "-c", 'resync "Blade Runner 2049"')

    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and reply["repairs"] == [], reply
    assert len(reply["left_alone"]) == 1, reply
    [(state, why)] = [(f["state"], f["why"]) for f in reply["left_alone"]]
    assert state == "source changed" and "`get ... replace` fetches it" in why
    assert copy.read_bytes() == before and trashed(scanned) == {}


def test_resync_of_a_title_selection_repairs_only_those_copies(scanned, nas):
    got('get "Breaking Bad" s1')
    local = scanned / "local" / SEASON
    bad = damage_season_1(scanned)

    (reply,) = run_json('resync "Breaking Bad" s1e2')

    assert reply["ok"] and [os.path.basename(r["path"]) for r in reply["repaired"]] == [E02]
    assert (local / E02).read_bytes() == (nas / SEASON / E02).read_bytes()
    assert (local / E01).read_bytes() == bad[E01] and not (local / E03).exists()


def test_resync_records_a_resync_access_per_repaired_file(scanned):
    got('get "Breaking Bad" s1')
    damage_season_1(scanned)

    assert run_plexsh("-c", "resync").returncode == 0

    (usage,) = run_json('usage "Breaking Bad"')
    export = scanned / "usage.json"
    assert run_plexsh("-c", f'usage export json "{export}"').returncode == 0
    records = json.loads(export.read_text())["records"]
    resynced = sorted(os.path.basename(r["file_path"]) for r in records if r["access_type"] == "resync")
    assert resynced == sorted([E01, E02, E03]) and usage["ok"]


def test_an_interrupted_copy_resumes_from_its_verified_bytes_in_its_own_job_after_the_corrupted_ones(scanned, nas):
    from test_faults import MIB, jobs_of, wait_for, write_movie
    from enginekit import proc_state

    got('get "Breaking Bad" s1e1')
    data = write_movie(nas, "Movies/Arrival (2016)/Arrival (2016).mkv", 24 * MIB)
    got("scan")
    first = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", 'get "Arrival" bwlimit 2M'], env=plexsh_env(),
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: jobs_of(scanned)[-1]["file_id"] != jobs_of(scanned)[0]["file_id"]
             and jobs_of(scanned)[-1]["bytes_done"] >= 9 * MIB, "9 MiB copied")
    first.send_signal(signal.SIGKILL)
    first.wait()
    job = jobs_of(scanned)[-1]
    wait_for(lambda: proc_state(job["pid"]) in (None, "Z"), "the orphaned copier to stop")
    verified = json.loads(Path(job["partial"] + ".state").read_text())["checkpoints"][-1][0]
    flip_a_byte(scanned / "local" / SEASON / E01)

    (reply,) = run_json("resync")

    assert reply["ok"], reply
    assert [(r["state"], os.path.basename(r["path"])) for r in reply["repaired"]] == [
        ("corrupted", E01), ("partial", "Arrival (2016).mkv")]
    assert Path(job["destination"]).read_bytes() == data
    after = {j["id"]: j for j in jobs_of(scanned)}
    # Its own job (no second one), resumed from its verified bytes, queued after the corrupted copy's.
    assert len(after) == 3 and after[job["id"]]["state"] == "done"
    assert after[job["id"]]["resumed_from"] >= verified > 0
    corrupted_job = next(j for j in after.values() if j["id"] not in (1, job["id"]))
    assert corrupted_job["position"] < after[job["id"]]["position"]


def test_a_hostile_orphan_name_is_shown_escaped_never_obeyed_and_trashed_and_restored_exactly(scanned):
    got('get "Breaking Bad" s1e1')
    season = os.fsencode(scanned / "local" / SEASON)
    hostile = season + b"/evil \x1b]0;pwned\x07[bold]red[\\bold] \xff.mkv"
    with open(hostile, "wb") as f:
        f.write(b"planted")

    shown = run_plexsh("-c", "resync")
    asked = run_plexsh("-c", "resync orphans")

    for result in (shown, asked):
        assert result.returncode == 0, result.stdout + result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert r"evil \033]0;pwned\a[bold]red[\bold] \377.mkv" in result.stdout
    assert not os.path.lexists(hostile)
    assert run_plexsh("-c", "undo").returncode == 0
    with open(hostile, "rb") as f:
        assert f.read() == b"planted"


def test_a_copy_that_cannot_be_fetched_again_is_reported_failed_and_its_bad_copy_stays_in_place(home, nas):
    from conftest import write_config

    write_config(home, nas, "sync:\n  retry_attempts: 0\n")
    got("scan")
    got('get "Breaking Bad" s1e1')
    copy = home / "local" / SEASON / E01
    bad = flip_a_byte(copy)
    source = nas / SEASON / E01
    source.rename(source.with_name("moved away"))  # the NAS lost it since the scan

    result = run_plexsh("--json", "-c", "resync")

    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1 and not reply["ok"], reply
    [failed] = reply["failed"]
    assert (failed["state"], failed["path"]) == ("corrupted", str(copy)) and "source" in failed["why"], failed
    assert reply["error"] == "1 of 1 copies not repaired"
    assert copy.read_bytes() == bad and trashed(home) == {}  # kept until a verified copy can replace it


@pytest.mark.parametrize("text, expected", [
    ("resync", dict(title=None, orphans=False, priority="normal", dry_run=False)),
    ("resync all orphans dry-run", dict(title=None, orphans=True, dry_run=True)),
    ('resync "Breaking Bad" s2 priority high', dict(title="Breaking Bad", priority="high")),
    ("resync breaking bad orphans", dict(title="breaking bad", orphans=True)),  # a keyword ends the title
    ("resync movie heat dry-run", dict(title="heat", kind="movie", dry_run=True)),
    ("resync 'all'", dict(title="all")),  # a title named like the keyword, quoted
])
def test_resync_reads_its_scope_and_options(text, expected):
    from plexsh.lang.parser import parse

    (node,) = parse(text).commands
    assert {key: getattr(node, key) for key in expected} == expected


def test_a_selection_after_all_is_a_syntax_error_with_a_caret(home):
    result = run_plexsh("-c", "resync all s1")

    assert result.returncode == 2
    assert result.stderr.splitlines()[:3] == [
        "error: syntax error at line 1, column 12: unexpected 's1'; expected an option (dry-run, priority LEVEL), "
        "`orphans` or the end of the command", "resync all s1", "           ^"]


def test_a_copy_whose_source_file_is_gone_is_an_orphan_trashed_only_when_asked_and_undo_records_it_again(scanned, nas):
    got('get "Blade Runner 2049"')
    copy = scanned / "local/Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv"
    shutil.rmtree(nas / "Movies/Blade Runner 2049 (2017)")
    got("scan")

    (left,) = run_json("resync")
    assert [(f["state"], f["path"]) for f in left["left_alone"]] == [("orphaned", str(copy))] and copy.exists()

    (asked,) = run_json("resync orphans")
    assert asked["ok"] and not copy.exists() and list(trashed(scanned)) == [copy.name]

    assert run_plexsh("-c", "undo").returncode == 0
    (again,) = run_json("resync dry-run")
    assert copy.exists() and [(f["state"], f["path"]) for f in again["left_alone"]] == [("orphaned", str(copy))]
    assert "in no source any more" in again["left_alone"][0]["detail"]  # plexsh's recorded copy again
