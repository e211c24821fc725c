"""`recommend`, `recommend apply N` and `random` through the real command line, from real plays and access times."""

import os
import time

import pytest

from conftest import run_json, run_plexsh, write_config
from plexsh import commands

DAY = 86400
SEASON1 = ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
           "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


@pytest.fixture
def season_one(home, nas):
    """Season 1 of Breaking Bad local; the player does nothing (`true`)."""
    write_config(home, nas, "player: \"true\"\n")
    result = run_plexsh("-c", "scan", "-c", 'get "Breaking Bad" s1')
    assert result.returncode == 0, result.stderr
    return home / "local" / "TV" / "Breaking Bad" / "Season 01"


def watched_long_ago(folder, days: int) -> None:
    """Each episode read by another player `days` ago, as `usage scan` sees it (a mark first, then the read)."""
    for name in SEASON1:
        path = folder / name
        os.utime(path, ns=(int((time.time() - (days + 30) * DAY) * 1e9), path.stat().st_mtime_ns))
    run_plexsh("-c", "usage scan")
    for name in SEASON1:
        path = folder / name
        os.utime(path, ns=(int((time.time() - days * DAY) * 1e9), path.stat().st_mtime_ns))
    run_plexsh("-c", "usage scan")


def test_after_a_play_the_next_episodes_are_recommended_and_apply_gets_them(home, season_one):
    run_plexsh("-c", 'play "Breaking Bad" s1e3')
    listed = run_plexsh("-c", "recommend")
    assert listed.returncode == 0, listed.stderr
    assert 'get "Breaking Bad" next 3' in listed.stdout and "you watched S01E03 today" in listed.stdout
    (rec,) = run_json("recommend")[0]["recommendations"]
    assert (rec["number"], rec["kind"], rec["command"]) == (1, "next", 'get "Breaking Bad" next 3')
    applied = run_plexsh("-c", "recommend apply 1")
    assert applied.returncode == 0, applied.stderr
    assert 'suggestion 1: get "Breaking Bad" next 3' in applied.stdout
    season2 = home / "local" / "TV" / "Breaking Bad" / "Season 02"
    assert sorted(p.name for p in season2.iterdir()) == ["Breaking Bad - S02E01 - Seven Thirty-Seven.mkv",
                                                        "Breaking Bad - S02E02 - Grilled.mkv"]
    assert (home / "local" / "TV" / "Breaking Bad" / "Season 03").is_dir()  # next 3: S02E01, S02E02, S03E01
    (after,) = run_json("recommend")
    assert [r["command"] for r in after["recommendations"]] == ['get "Breaking Bad" next 2']


def test_a_season_watched_to_the_end_long_ago_is_suggested_for_cleanup_with_its_size(home, season_one):
    watched_long_ago(season_one, 75)
    (listed,) = run_json("recommend")
    cleanup = [r for r in listed["recommendations"] if r["kind"] == "cleanup"]
    assert [(r["command"], r["reason"]) for r in cleanup] == [
        ('rm "Breaking Bad" s1', "watched S01 to the end 75 days ago; 1.4 MiB")]
    # The catalog saw season 2 after those plays (it was scanned since): a new season to get.
    assert [(r["kind"], r["command"]) for r in listed["recommendations"]][0] == ("season", 'get "Breaking Bad" s2')


@pytest.mark.skipif(commands.lookup("rm") is None or commands.lookup("undo") is None,
                    reason="needs rm/undo from issue 11")
def test_applying_a_cleanup_removes_the_season_and_undo_brings_it_back(home, season_one):
    watched_long_ago(season_one, 75)
    (listed,) = run_json("recommend")
    number = next(r["number"] for r in listed["recommendations"] if r["kind"] == "cleanup")
    applied = run_plexsh("-c", f"recommend apply {number}")
    assert applied.returncode == 0, applied.stderr
    assert not any((season_one / name).exists() for name in SEASON1)
    undone = run_plexsh("-c", "undo")
    assert undone.returncode == 0, undone.stderr
    assert all((season_one / name).exists() for name in SEASON1)


def test_apply_of_a_number_not_listed_is_one_line(home, season_one):
    run_plexsh("-c", 'play "Breaking Bad" s1e3')
    result = run_plexsh("-c", "recommend apply 9")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "error: there is no suggestion 9: `recommend` lists 1"


def test_random_picks_an_unplayed_title_or_the_next_episode_and_says_the_command(home, season_one):
    run_plexsh("-c", 'play "Breaking Bad" s1e1')
    (pick,) = run_json("~ tv")
    assert pick["item"]["title"] in ("Breaking Bad", "Doctor Who", "The Office (US)")
    if pick["item"]["title"] == "Breaking Bad":
        assert (pick["episode"], pick["local"], pick["command"]) == ("s1e2", True, 'play "Breaking Bad" s1e2')
    (movie,) = run_json("random movies year<1980")
    assert (movie["item"]["title"], movie["command"]) == ("Alien", 'get "Alien"')
    nothing = run_plexsh("-c", "random movies year>2030")
    assert nothing.returncode == 1 and nothing.stderr.startswith("error: nothing unplayed matches these filters")
