"""Sync status marks in `show` and `ls` (✅ synced, ⚠️ partial, ⬜ not synced) and the synced/unsynced filters,
after real `get` runs on the conftest NAS."""

from __future__ import annotations

import sqlite3

from conftest import run_json, run_plexsh

SYNCED, PARTIAL, NONE = "✅", "⚠️", "⬜"


def plain(*commands: str) -> list[str]:
    """The plain-text lines (stdout is not a terminal) of commands run in one plexsh."""
    result = run_plexsh(*[a for c in commands for a in ("-c", c)])
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def mark(lines: list[str], text: str) -> str:
    """The mark opening the one line that holds `text`."""
    (line,) = [line for line in lines if text in line]
    return line.split()[0]


def get(*commands: str) -> None:
    result = run_plexsh(*[a for c in commands for a in ("-c", c)])
    assert result.returncode == 0, result.stdout + result.stderr


def titles(reply: dict) -> list[str]:
    return [i["title"] for i in reply["items"]]


def test_two_of_three_episodes_mark_the_show_and_season_partial(scanned):
    get('get "Breaking Bad" s1 e1-2')
    seasons = plain('show "Breaking Bad"')
    assert seasons[0].startswith(f"{PARTIAL} Breaking Bad")  # the title line
    assert mark(seasons, "Season 1") == PARTIAL
    assert mark(seasons, "Season 2") == NONE and mark(seasons, "Season 3") == NONE
    episodes = plain('show "Breaking Bad" s1')
    assert [mark(episodes, code) for code in ("S01E01", "S01E02", "S01E03")] == [SYNCED, SYNCED, NONE]


def test_json_carries_sync_on_items_seasons_episodes_and_files(scanned):
    get('get "Breaking Bad" s1 e1-2', 'get "Breaking Bad" s3e3', 'get "Heat"')
    show, heat, ls = run_json('show "Breaking Bad"', 'show "Heat"', "ls all")
    assert show["item"]["sync"] == "partial"
    assert {s["season"]: s["sync"] for s in show["seasons"]} == {1: "partial", 2: "none", 3: "partial"}
    codes = {(e["season"], str(e["episode"])): e["sync"] for s in show["seasons"] for e in s["episodes"]}
    assert codes == {(1, "1"): "synced", (1, "2"): "synced", (1, "3"): "none", (2, "1"): "none",
                     (2, "2"): "none", (3, "1"): "none", (3, "2"): "none", (3, "[3, 4]"): "synced"}
    # a movie is synced by any one version; each version says whether it is the local one
    assert heat["item"]["sync"] == "synced"
    assert sorted(f["sync"] for f in heat["files"]) == ["none", "synced"]
    by_title = {i["title"]: i["sync"] for i in ls["items"]}
    assert by_title["Breaking Bad"] == "partial" and by_title["Heat"] == "synced"
    assert by_title["The Matrix"] == "none" and by_title["Doctor Who"] == "none"


def test_a_double_episode_file_counts_for_both_episodes(scanned):
    get('get "Breaking Bad" s3')
    lines = plain('show "Breaking Bad"')
    assert mark(lines, "Season 3") == SYNCED and mark(lines, "Season 1") == NONE
    (show,) = run_json('show "Breaking Bad" s3')
    assert show["seasons"][0]["sync"] == "synced"


def test_a_deleted_copy_is_not_synced_in_show_and_new_only_takes_it_again(scanned):
    get('get "Heat"', 'get "Breaking Bad" s2')
    lines = plain('show "Heat"')
    assert lines[0].startswith(f"{SYNCED} Heat") and mark(lines, "Heat.1995.720p") == SYNCED
    (scanned / "local/Movies/Heat (1995)/Heat.1995.720p.BluRay.x264-GRP.mkv").unlink()
    lines = plain('show "Heat"')
    assert lines[0].startswith(f"{NONE} Heat") and mark(lines, "Heat.1995.720p") == NONE
    (scanned / "local/TV/Breaking Bad/Season 02/Breaking Bad - S02E02 - Grilled.mkv").unlink()
    lines = plain('show "Breaking Bad" s2')
    assert mark(lines, "S02E01") == SYNCED and mark(lines, "S02E02") == NONE
    (plan,) = run_json('get "Breaking Bad" s2 new-only dry-run')
    assert [f["destination"].rsplit("/", 1)[-1] for f in plan["files"]] == ["Breaking Bad - S02E02 - Grilled.mkv"]


def test_ls_marks_and_the_synced_and_unsynced_filters(scanned):
    get('get "Doctor Who"', 'get "Breaking Bad" s1', 'get "The Matrix"')
    lines = plain("ls all")
    assert mark(lines, "Doctor Who") == SYNCED and mark(lines, "The Matrix") == SYNCED
    assert mark(lines, "Breaking Bad") == PARTIAL and mark(lines, "Alien") == NONE
    synced, unsynced, synced_tv = run_json("ls synced", "ls unsynced", "ls tv synced")
    assert titles(synced) == ["Doctor Who", "The Matrix"]
    assert titles(unsynced) == ["Alien", "Amélie", "Blade Runner 2049", "Dune Part Two", "Heat", "The Office (US)"]
    assert titles(synced_tv) == ["Doctor Who"]
    get('get "Breaking Bad" new-only')  # the rest, the double episode S03E03E04 among them
    (synced,) = run_json("ls synced")
    assert titles(synced) == ["Breaking Bad", "Doctor Who", "The Matrix"]
    assert mark(plain("ls synced"), "Breaking Bad") == SYNCED


def test_a_failed_transfer_leaves_the_title_partial(scanned, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the destination folder should be")
    result = run_plexsh("-c", f'get "Amélie" to "{blocker}"')
    assert result.returncode == 1 and "failed" in result.stdout
    lines = plain('show "Amélie"')
    assert lines[0].startswith(f"{PARTIAL} Amélie") and mark(lines, "Amélie (2001).mkv") == PARTIAL
    assert mark(plain("ls movies"), "Amélie") == PARTIAL
    show, unsynced, synced = run_json('show "Amélie"', "ls unsynced", "ls synced")
    assert show["item"]["sync"] == "partial" and [f["sync"] for f in show["files"]] == ["partial"]
    assert "Amélie" in titles(unsynced) and titles(synced) == []  # nothing of it is local


def test_copies_made_before_the_record_existed_are_taken_from_done_jobs(scanned):
    get('get "Doctor Who"')
    # A catalog from before local copies were recorded: done jobs, no local_files table.
    with sqlite3.connect(scanned / "plexsh.db") as db:
        db.execute("DROP TABLE local_files")
        db.execute("UPDATE schema_versions SET version = 0 WHERE name = 'local'")
    db.close()
    (synced,) = run_json("ls synced")
    assert titles(synced) == ["Doctor Who"] and synced["items"][0]["sync"] == "synced"


def test_nothing_is_synced_before_any_transfer(scanned):
    synced, unsynced, show = run_json("ls synced", "ls unsynced", 'show "The Office"')
    assert synced["items"] == [] and len(unsynced["items"]) == 9
    assert {i["sync"] for i in unsynced["items"]} == {"none"} and show["item"]["sync"] == "none"
