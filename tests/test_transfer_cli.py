"""`get` and the job verbs from the command line, with the real copier and real files on the conftest NAS."""

from __future__ import annotations

import json
import os

from conftest import run_json, run_plexsh, write_config


def local(home):
    return home / "local"


def same_bytes(a, b) -> bool:
    return a.read_bytes() == b.read_bytes()


def test_get_a_movie_lands_in_the_plex_layout_byte_identical(scanned, nas):
    (reply,) = run_json('get "The Matrix"')
    assert reply["ok"], reply
    (job,) = reply["jobs"]
    assert job["state"] == "done" and job["bytes_done"] == 9_000_000 and len(job["sha256"]) == 64
    copied = local(scanned) / "Movies" / "The Matrix (1999)" / "The Matrix (1999) - 2160p.mkv"
    assert same_bytes(copied, nas / "Movies/The Matrix (1999)/The Matrix (1999) - 2160p.mkv")
    assert sorted(p.name for p in copied.parent.iterdir()) == [copied.name]  # best version only, no partial
    (info,) = run_json('info "The Matrix"')  # the verified sha256 is in the catalog
    assert {f["path"]: f["sha256"] for f in info["files"]}[job["source"]] == job["sha256"]


def test_get_an_episode_range_and_a_single_episode(scanned, nas):
    result = run_plexsh("-c", 'get "Breaking Bad" s1 e1-2', "-c", "get breaking bad s3e2")
    assert result.returncode == 0, result.stdout + result.stderr
    season1 = local(scanned) / "TV" / "Breaking Bad" / "Season 01"
    assert sorted(p.name for p in season1.iterdir()) == [
        "Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv"]
    s3e2 = local(scanned) / "TV" / "Breaking Bad" / "Season 03" / "Breaking.Bad.S03E02.1080p.WEB-DL.x264-GRP.mkv"
    assert same_bytes(s3e2, nas / "TV2" / s3e2.name)
    assert "copied Breaking Bad - S01E01 - Pilot.mkv" in result.stdout


def test_new_only_after_a_partial_get_takes_the_rest(scanned):
    run_json('get "Breaking Bad" s1 e1-2')
    (plan,) = run_json('get "Breaking Bad" s1-2 new-only dry-run')
    assert [os.path.basename(f["destination"]) for f in plan["files"]] == [
        "Breaking Bad - S01E03 - And the Bag's in the River.mkv",
        "Breaking Bad - S02E01 - Seven Thirty-Seven.mkv", "Breaking Bad - S02E02 - Grilled.mkv"]
    (nxt,) = run_json('get "Breaking Bad" next 1 dry-run')
    assert [os.path.basename(f["destination"]) for f in nxt["files"]] == [
        "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


def test_dry_run_prints_the_plan_and_copies_nothing(scanned):
    result = run_plexsh("-c", 'get movie "Blade Runner 2049" dry-run')
    assert result.returncode == 0, result.stderr
    assert "Blade Runner 2049 (2017).mkv" in result.stdout and "3.8 MiB" in result.stdout
    assert "free after" in result.stdout and "nothing copied" in result.stdout
    assert not local(scanned).exists()


def test_a_file_already_there_and_verified_is_skipped(scanned):
    run_json('get "Heat"')
    result = run_plexsh("-c", 'get "Heat"')
    assert result.returncode == 0 and "already there (sha256 verified)" in result.stdout


def test_get_to_another_path(scanned, tmp_path):
    target = tmp_path / "elsewhere"
    (reply,) = run_json(f'get "Amélie" to "{target}"')
    assert reply["ok"] and (target / "Amélie (2001)" / "Amélie (2001).mkv").stat().st_size == 1_500_000


def test_episodes_on_a_movie_and_unknown_titles_fail(scanned):
    (reply,) = run_json('get "The Matrix" s1')
    assert not reply["ok"] and "is a movie" in reply["error"]
    (reply,) = run_json('get show "The Matrix"')
    assert not reply["ok"] and "no title matches" in reply["error"]


def test_not_enough_room_is_refused_with_sizes(scanned, nas, tmpfs):
    small = tmpfs("1m")
    (reply,) = run_json(f'get "The Matrix" to "{small}"')
    assert not reply["ok"] and "not enough room" in reply["error"] and "8.6 MiB to copy" in reply["error"]
    assert list(small.iterdir()) == []


def test_jobs_status_and_log_export(scanned, tmp_path):
    run_json('get "Breaking Bad" s2')
    jobs, status, queue = run_json("jobs", "status", "queue")
    assert [j["state"] for j in jobs["jobs"]] == ["done", "done"]
    assert [t["verify"] for t in status["transfers"]] == ["checksum", "checksum"]
    assert [t["guarantee"] for t in status["transfers"]] == ["sha256-of-source-as-read"] * 2
    assert queue["jobs"] == []
    out = tmp_path / "metrics.json"
    result = run_plexsh("-c", f'log export json "{out}"')
    assert result.returncode == 0
    export = json.loads(out.read_text())
    assert len(export["jobs"]) == 2 and {"queued", "verified"} <= {e["event"] for e in export["events"]}


def test_retry_brings_a_failed_file_once_it_is_back_and_cancel_and_queue_rm_act_on_stored_jobs(home, nas):
    write_config(home, nas, "sync:\n  retry_attempts: 0\n")
    assert run_plexsh("-c", "scan").returncode == 0
    film = nas / "Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv"
    aside = film.with_name("moved away")
    film.rename(aside)  # the NAS lost the file since the scan
    failed = run_plexsh("-c", 'get "Blade Runner 2049"')
    assert failed.returncode == 1 and "cannot open the source" in failed.stdout, failed.stdout + failed.stderr
    (jobs,) = run_json("jobs")
    assert [(j["id"], j["state"], j["error_kind"]) for j in jobs["jobs"]] == [(1, "failed", "source_unreadable")]
    copied = local(home) / "Movies" / "Blade Runner 2049 (2017)" / film.name
    assert not copied.exists()
    aside.rename(film)  # back on the NAS
    retry, after, cancel, again = run_json("retry failed", "jobs", "cancel 1", "retry 1")
    assert retry["ok"] and [(j["id"], j["state"]) for j in retry["jobs"]] == [(1, "done")]
    assert same_bytes(copied, film)
    assert [(j["id"], j["state"], j["error"]) for j in after["jobs"]] == [(1, "done", None)]
    assert cancel["ok"] and cancel["jobs"] == []  # a finished job is not cancelled ...
    assert again["ok"] and again["jobs"] == []  # ... nor queued again
    (removed,) = run_json("queue rm 1")
    listed, unknown = run_json("jobs", "cancel 9")  # the next start
    assert removed["ok"] and listed["jobs"] == []  # forgotten for good; the copy stays
    assert same_bytes(copied, film)
    assert not unknown["ok"] and unknown["error"] == "no job 9"
