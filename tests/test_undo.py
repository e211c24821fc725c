"""get, undo and redo as a user runs them: the copies to the trash and back, replaced files kept, changed files refused."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_json, run_plexsh

SEASON_1 = ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
            "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


def season_folder(home: Path) -> Path:
    return home / "local" / "TV" / "Breaking Bad" / "Season 01"


def local_files(home: Path) -> list[str]:
    """Every file under the destinations, relative to them (partials included: none may be left)."""
    root = home / "local"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def trash_entries(home: Path) -> list[dict]:
    (reply,) = run_json("trash")
    return reply["entries"]


def get_season_1(home: Path) -> dict:
    (reply,) = run_json('get "breaking bad" s1')
    assert reply["ok"], reply
    assert sorted(p.name for p in season_folder(home).iterdir()) == sorted(SEASON_1)
    return reply


def test_undo_of_a_get_puts_its_copies_in_the_trash_and_removes_the_folders_it_made(scanned):
    got = get_season_1(scanned)
    undone, history = run_json("undo", "history")
    assert undone["ok"] and undone["undone"] == [got["action"]]
    assert local_files(scanned) == []
    assert not (scanned / "local").exists()  # every folder the get made, empty again, is gone
    assert sorted(Path(e["original"]).name for e in trash_entries(scanned)) == sorted(SEASON_1)
    assert history["actions"][0]["undone"] is True
    # the copies are no longer local: the show's season is unsynced again
    (show,) = run_json('show "breaking bad"')
    assert "✅" not in json.dumps(show, ensure_ascii=False)


def test_redo_puts_the_copies_back_from_the_trash_as_local_copies(scanned):
    get_season_1(scanned)
    before = {n: (season_folder(scanned) / n).read_bytes() for n in SEASON_1}
    run_json("undo")
    redone, history = run_json("redo", "history")
    assert redone["ok"], redone
    assert {n: (season_folder(scanned) / n).read_bytes() for n in SEASON_1} == before
    assert trash_entries(scanned) == []
    assert history["actions"][0]["undone"] is False
    # recorded as local again: a second get of the season has nothing to copy
    again = run_plexsh("-c", 'get "breaking bad" s1')
    assert "already there" in again.stdout or "nothing to copy" in again.stdout, again.stdout + again.stderr


def test_get_replace_puts_the_file_it_replaces_in_the_trash_and_undo_brings_it_back(scanned):
    folder = season_folder(scanned)
    folder.mkdir(parents=True)
    theirs = folder / SEASON_1[0]
    theirs.write_bytes(b"someone else's file")
    (reply,) = run_json('get "breaking bad" s1e1 replace')
    assert reply["ok"], reply
    assert theirs.stat().st_size == 500_000  # the copy is in place
    (entry,) = trash_entries(scanned)
    assert entry["original"] == str(theirs) and entry["size"] == len(b"someone else's file")
    (undone,) = run_json("undo")
    assert undone["ok"], undone
    assert theirs.read_bytes() == b"someone else's file"  # back, and the copy went to the trash instead
    (copy,) = trash_entries(scanned)
    assert copy["size"] == 500_000


def test_undo_refuses_a_copy_changed_since_and_force_undoes_it_to_the_trash(scanned):
    get_season_1(scanned)
    changed = season_folder(scanned) / SEASON_1[1]
    with open(changed, "ab") as out:
        out.write(b"edited")
    refused = run_plexsh("-c", "undo")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") <= 2 and "Traceback" not in refused.stderr
    assert SEASON_1[1] in refused.stderr and "changed since" in refused.stderr and "force" in refused.stderr
    assert len(local_files(scanned)) == 3 and trash_entries(scanned) == []  # nothing was touched
    forced, = run_json("undo force")
    assert forced["ok"], forced
    assert local_files(scanned) == []
    assert any(e["size"] == 500_006 for e in trash_entries(scanned))  # the edited file, kept in the trash


def test_history_lists_actions_newest_first_and_shows_one_actions_steps(scanned):
    get_season_1(scanned)
    run_json('get movie heat')
    listed, steps = run_json("history", "history 1")
    assert [a["command"] for a in listed["actions"]] == ["get movie heat", 'get "breaking bad" s1']
    first = listed["actions"][1]
    assert first["files"] == 3 and first["bytes"] == 1_500_000 and first["undone"] is False
    ops = [(s["op"], s["state"]) for s in steps["action"]["steps"]]
    assert ops.count(("place", "done")) == 3 and ("mkdir", "done") in ops
    shown = run_plexsh("-c", "history", "-c", "history 1").stdout
    assert 'get "breaking bad" s1' in shown and SEASON_1[2] in shown


def test_undo_of_an_earlier_action_first_undoes_the_later_one_that_touched_its_files(scanned):
    get_season_1(scanned)
    folder = season_folder(scanned)
    (folder / SEASON_1[0]).unlink()  # gone by hand: the get below puts it back, a later action on the same file
    (second,) = run_json('get "breaking bad" s1e1')
    assert second["ok"] and second["action"] == 2
    (undone,) = run_json("undo 1")
    assert undone["ok"], undone
    assert undone["undone"] == [2, 1]
    assert local_files(scanned) == []


def test_undo_with_nothing_done_and_of_an_unknown_action_say_so_in_one_line(scanned):
    nothing = run_plexsh("-c", "undo")
    assert nothing.returncode == 1 and "nothing to undo" in nothing.stderr
    unknown = run_plexsh("-c", "undo 7")
    assert unknown.returncode == 1 and "no action 7" in unknown.stderr and "Traceback" not in unknown.stderr
    assert run_plexsh("-c", "redo").stderr.startswith("error: nothing to redo")
