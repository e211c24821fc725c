"""`rm`: local copies to the trash as one journaled action, the folders plexsh made with them, and `undo` bringing all back."""

from __future__ import annotations

import os

from conftest import run_json, run_plexsh, write_config

from plexsh.journal import trash

SEASON_1 = ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
            "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


def got(home, command: str, **env) -> None:
    result = run_plexsh("-c", command, **env)
    assert result.returncode == 0, result.stderr


def season_marks(home) -> dict:
    [reply] = run_json('show "Breaking Bad"')
    return {season["season"]: season["sync"] for season in reply["seasons"]}


def test_rm_of_a_season_sends_its_copies_to_the_trash_removes_the_folders_plexsh_made_and_undo_brings_all_back(scanned):
    local = scanned / "local" / "TV" / "Breaking Bad"
    got(scanned, 'get "Breaking Bad" s1')
    inodes = {name: (local / "Season 01" / name).stat().st_ino for name in SEASON_1}
    assert season_marks(scanned)[1] == "synced"

    result = run_plexsh("-c", 'rm "Breaking Bad" s1')

    assert result.returncode == 0, result.stderr
    assert "moved 3 files of Breaking Bad (1.4 MiB) to the trash, 2 empty folders removed" in result.stdout
    assert not local.exists() and (scanned / "local" / "TV").is_dir()  # the destination itself stays
    assert sorted(e.original.name for e in trash.entries(scanned)) == sorted(SEASON_1)
    assert season_marks(scanned)[1] == "none"

    undone = run_plexsh("-c", "undo")

    assert undone.returncode == 0, undone.stderr
    assert {name: (local / "Season 01" / name).stat().st_ino for name in SEASON_1} == inodes
    assert trash.entries(scanned) == []
    assert season_marks(scanned)[1] == "synced"


def test_rm_dry_run_shows_the_files_and_folders_and_removes_nothing(scanned):
    got(scanned, 'get "Breaking Bad" s1e1')

    [reply] = run_json('rm "Breaking Bad" s1 dry-run')

    assert reply["ok"] and reply["dry_run"]
    assert [f["path"].rsplit("/", 1)[1] for f in reply["files"]] == [SEASON_1[0]]
    assert [(f["path"].rsplit("/", 1)[1], f["why"]) for f in reply["folders"]] == [
        ("Season 01", "made by plexsh"), ("Breaking Bad", "made by plexsh")]
    assert (scanned / "local" / "TV" / "Breaking Bad" / "Season 01" / SEASON_1[0]).exists()
    assert trash.entries(scanned) == []
    text = run_plexsh("-c", 'rm "Breaking Bad" s1 dry-run').stdout
    assert "1 file, 488.3 KiB would go to the trash, 2 empty folders would go too; nothing removed (dry-run)" in text


def test_rm_keeps_a_folder_that_still_holds_something_else(scanned):
    season = scanned / "local" / "TV" / "Breaking Bad" / "Season 01"
    got(scanned, 'get "Breaking Bad" s1')
    (season / "Pilot.en.srt").write_text("subtitles")

    result = run_plexsh("-c", 'rm "Breaking Bad" s1')

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in season.iterdir()) == ["Pilot.en.srt"]
    assert "empty folder" not in result.stdout


def test_rm_of_a_title_with_nothing_local_is_one_clear_line(scanned):
    got(scanned, 'get "Breaking Bad" s1e1')

    result = run_plexsh("-c", 'rm "Breaking Bad" s2')

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "error: nothing to remove: Breaking Bad s2 has no local copy"
    assert "Traceback" not in result.stderr


def test_rm_refuses_a_copy_that_lies_inside_a_source_and_touches_nothing(scanned, tmp_path):
    films = tmp_path / "films"
    got(scanned, 'get movie "Heat" to "%s"' % films)
    [copy] = list(films.rglob("*.mkv"))
    # The folder the copy went to is a source now: what lies in it is the NAS's, never plexsh's to remove.
    write_config(scanned, tmp_path, folders={"movies": ["nas/Movies", "nas/Movies2", "films"],
                                             "tv": ["nas/TV", "nas/TV2"]})

    result = run_plexsh("-c", 'rm movie "Heat"')

    assert result.returncode == 1, result.stdout
    assert f"lies inside the source {films}: plexsh never removes anything from a source" in result.stderr
    assert copy.exists() and trash.entries(scanned) == []


def test_folders_the_journal_has_no_record_of_go_only_under_a_destination_and_rm_says_so(scanned, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    # Copies made with the journal off have no mkdir steps, as copies made before the journal existed.
    got(scanned, 'get "Breaking Bad" s1e1', PLEXSH_BENCH_NO_JOURNAL="1")
    got(scanned, 'get "Breaking Bad" s2e1 to "%s"' % elsewhere, PLEXSH_BENCH_NO_JOURNAL="1")

    result = run_plexsh("-c", 'rm "Breaking Bad"')

    assert result.returncode == 0, result.stderr
    show = scanned / "local" / "TV" / "Breaking Bad"
    assert not show.exists()
    assert f"removed the empty folder {show / 'Season 01'} (empty, under a destination; the journal has no " \
           "record of who made it)" in result.stdout
    assert (elsewhere / "Breaking Bad" / "Season 02").is_dir()  # not under a destination: kept
    assert list((elsewhere / "Breaking Bad" / "Season 02").iterdir()) == []


def test_a_restore_from_the_trash_makes_the_copy_local_again_and_undo_sends_it_back(scanned):
    got(scanned, 'get "Breaking Bad" s1e1')
    got(scanned, 'rm "Breaking Bad" s1e1')
    [entry] = trash.entries(scanned)

    result = run_plexsh("-c", f"trash restore {entry.id}")

    assert result.returncode == 0, result.stderr
    assert entry.original.exists() and trash.entries(scanned) == []
    assert season_marks(scanned)[1] == "partial"
    assert run_plexsh("-c", "undo").returncode == 0
    assert not entry.original.exists()
    assert [e.id for e in trash.entries(scanned)] == [entry.id]


def test_doctor_reports_an_undo_of_rm_that_a_stopped_plexsh_left_incomplete(scanned):
    season = scanned / "local" / "TV" / "Breaking Bad" / "Season 01"
    got(scanned, 'get "Breaking Bad" s1')
    got(scanned, 'rm "Breaking Bad" s1')
    # Undo goes backwards: the two folders, then the last file rm took; plexsh is killed there. (Which
    # episode that is depends on the order the copies finished in: they run side by side.)
    stopped = run_plexsh("-c", "undo", PLEXSH_TEST_KILL_AFTER_STEP="3")
    back = [name for name in SEASON_1 if (season / name).exists()]
    assert stopped.returncode != 0 and len(back) == 1
    blocked = next(name for name in SEASON_1 if name not in back)
    (season / blocked).write_bytes(b"something the user put there")  # the next start cannot finish it

    [reply] = run_json("doctor")

    [check] = [c for c in reply["checks"] if c["check"] == "journal"]
    assert not check["ok"]
    assert check["detail"] == '1 action left incomplete: 2 (rm "Breaking Bad" s1, undoing)'
    assert (season / blocked).read_bytes() == b"something the user put there"  # never overwritten
    assert sorted(e.original.name for e in trash.entries(scanned)) == sorted(set(SEASON_1) - set(back))


def test_rm_on_another_file_system_renames_into_a_trash_there_that_trash_lists_and_undo_empties(configured, nas,
                                                                                                tmpfs):
    mount = tmpfs("16m")
    write_config(configured, nas, local=mount)
    got(configured, "scan")
    got(configured, 'get "Breaking Bad" s1e1')
    copy = mount / "TV" / "Breaking Bad" / "Season 01" / SEASON_1[0]
    inode = copy.stat().st_ino

    got(configured, 'rm "Breaking Bad" s1e1')

    [entry] = trash.entries(configured)
    assert entry.path.parent == mount / f".plexsh-trash-{os.getuid()}" / "files"
    assert entry.path.stat().st_ino == inode  # a rename on the tmpfs, no copy to the home's file system
    [listed] = run_json("trash")[0]["entries"]
    assert listed["id"] == entry.id and listed["original"] == str(copy)
    got(configured, "undo")
    assert copy.stat().st_ino == inode and trash.entries(configured) == []


def test_rm_and_a_restore_are_in_the_usage_records_of_the_files_they_moved(scanned):
    from plexsh.library.catalog import Catalog
    from plexsh.usage.records import records

    got(scanned, 'get "Breaking Bad" s1e1')
    got(scanned, 'rm "Breaking Bad" s1e1')
    [entry] = trash.entries(scanned)
    got(scanned, f"trash restore {entry.id}")

    with Catalog(scanned / "plexsh.db") as catalog:
        moved = [(r["file_path"], r["access_type"]) for r in records(catalog)
                 if r["access_type"] in ("rm", "restore")]
    assert moved == [(str(entry.original), "rm"), (str(entry.original), "restore")]
