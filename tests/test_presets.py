"""Saved filter presets: `preset save/list/rm` and `ls @NAME`, on a real catalog through the real command line."""

import sqlite3

from conftest import run_json, run_plexsh
from test_db import previous_release


def titles(reply: dict) -> list[str]:
    return [item["title"] for item in reply["items"]]


def test_a_saved_preset_lists_what_its_filters_list(scanned):
    saved, by_preset, by_filters = run_json("preset save big size>=4M quality>=1080p", "ls @big",
                                            "ls size>=4M quality>=1080p")
    assert saved["ok"] and saved["preset"] == {"name": "big", "filter": "size>=4M quality>=1080p"}
    assert titles(by_preset) == titles(by_filters) == ["Breaking Bad", "Dune Part Two", "The Matrix"]
    assert by_preset["presets"] == [{"name": "big", "filter": "size>=4M quality>=1080p"}]


def test_a_preset_combines_with_a_kind_more_filters_and_other_presets(scanned):
    run_plexsh("-c", "preset save big size>2M; preset save hd quality>=1080p")
    big, movies, newer, both = run_json("ls @big", "ls movies @big", "ls movies @big year>2000", "ls @big @hd")
    assert titles(big) == ["Alien", "Blade Runner 2049", "Breaking Bad", "Dune Part Two", "Heat", "The Matrix"]
    assert titles(movies) == ["Alien", "Blade Runner 2049", "Dune Part Two", "Heat", "The Matrix"]
    assert titles(newer) == ["Blade Runner 2049", "Dune Part Two"]
    assert titles(both) == ["Alien", "Breaking Bad", "Dune Part Two", "The Matrix"]


def test_the_table_says_which_filters_a_preset_added(scanned):
    result = run_plexsh("-c", "preset save new year>=2017; ls movies @new")
    assert result.returncode == 0, result.stderr
    assert "2 movies · @new = year>=2017" in result.stdout


def test_a_bad_filter_is_a_syntax_error_with_a_caret_and_nothing_is_saved(scanned):
    result = run_plexsh("-c", "preset save big quality 1080")
    assert result.returncode == 2
    assert "column 25: unexpected '1080'" in result.stderr
    assert "preset save big quality 1080\n                        ^" in result.stderr
    (listed,) = run_json("preset list")
    assert listed["presets"] == []


def test_a_name_must_be_a_word_and_a_preset_must_hold_a_filter(scanned):
    bad_name = run_plexsh("-c", "preset save b!g year 1999")
    assert bad_name.returncode == 2
    assert "unexpected 'b!g'; expected a preset name (letters, digits, dashes, underscores)" in bad_name.stderr
    no_filter = run_plexsh("-c", "preset save big sort year")
    assert no_filter.returncode == 2 and "expected a filter (year, quality" in no_filter.stderr


def test_an_unknown_preset_is_one_line_naming_the_close_ones(scanned):
    run_plexsh("-c", "preset save big size>2M; preset save bigger size>8M; preset save new year>=2020")
    result = run_plexsh("-c", "ls @bigg")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == ["error: no preset @bigg (did you mean @big or @bigger?)",
                                          "`preset list` shows the saved presets"]
    unlike = run_plexsh("-c", "ls @zzz")
    assert unlike.stderr.splitlines()[0] == "error: no preset @zzz"


def test_with_no_preset_saved_the_error_says_how_to_save_one(scanned):
    result = run_plexsh("-c", "ls movies @big")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: no preset @big: none is saved yet",
                                          "save one with `preset save big FILTER...` (e.g. `preset save big size>4G`)"]


def test_saving_an_existing_name_replaces_it_whatever_its_case_and_says_what_it_was(scanned):
    first = run_plexsh("-c", "preset save big size>8M")
    assert "saved @big: size>8M" in first.stdout
    again = run_plexsh("-c", "preset save BIG size>2M")
    assert again.returncode == 0
    assert "replaced @BIG: size>2M (was: size>8M)" in again.stdout
    listed, big = run_json("preset list", "ls @Big")
    assert listed["presets"] == [{"name": "BIG", "filter": "size>2M"}]
    assert len(big["items"]) == 6


def test_preset_list_shows_each_name_and_its_filters_as_typed(scanned):
    run_plexsh("-c", 'preset save hevc codec hevc source "Movies2"', "-c", "preset save @new year>=2020  unsynced")
    listed = run_plexsh("-c", "preset list")
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["preset", "filter"]
    assert lines[1].split(None, 1) == ["@hevc", 'codec hevc source "Movies2"']
    assert lines[2].split(None, 1) == ["@new", "year>=2020  unsynced"]
    bare, as_json = run_json("preset", "preset list")
    assert bare == as_json
    assert as_json["presets"] == [{"name": "hevc", "filter": 'codec hevc source "Movies2"'},
                                  {"name": "new", "filter": "year>=2020  unsynced"}]


def test_with_no_preset_saved_the_list_says_how_to_save_one(scanned):
    result = run_plexsh("-c", "preset list")
    assert result.returncode == 0
    assert "no presets saved yet: `preset save NAME FILTER...` saves one" in result.stdout


def test_preset_rm_forgets_it_and_an_unknown_name_is_an_error(scanned):
    run_plexsh("-c", "preset save big size>2M; preset save new year>=2020")
    removed = run_plexsh("-c", "preset rm @BIG")
    assert removed.returncode == 0 and "removed @big (size>2M)" in removed.stdout
    listed, gone = run_json("preset list", "ls @big")
    assert [p["name"] for p in listed["presets"]] == ["new"]
    assert not gone["ok"] and gone["error"] == "no preset @big"
    unknown = run_plexsh("-c", "preset rm nwe")
    assert unknown.returncode == 1
    assert unknown.stderr.splitlines()[0] == "error: no preset @nwe (did you mean @new?)"


def test_a_preset_that_no_longer_reads_as_filters_is_refused_in_one_line(scanned):
    run_plexsh("-c", "preset save old year 1999")
    with sqlite3.connect(scanned / "plexsh.db") as db:  # as a later grammar, or another hand, might leave it
        db.execute("UPDATE presets SET filter = 'sort year' WHERE name = 'old'")
    db.close()
    result = run_plexsh("-c", "ls @old")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: preset @old no longer reads as filters: sort year",
                                          "save it again: `preset save old FILTER...`"]


def test_a_script_can_save_a_preset_and_use_it_in_the_same_run(scanned):
    result = run_plexsh("-c", "preset save hd quality>=2160p\nls movies @hd")
    assert result.returncode == 0, result.stderr
    assert "Dune Part Two" in result.stdout and "Heat" not in result.stdout


def test_the_previous_releases_file_gets_presets_and_keeps_its_catalog(home, tmp_path):
    previous_release(home, tmp_path / "nas")
    saved, listed = run_json("preset save old year<2000", "ls movies @old")
    assert saved["ok"]
    assert titles(listed) == ["Alien", "Heat", "The Matrix"]
