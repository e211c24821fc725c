"""The guided selection's steps and keys over a real scanned catalog, key by key (the screen itself: test_guided_repl.py)."""

import random

import pytest

from conftest import run_plexsh
from plexsh.library.catalog import Catalog
from plexsh.shell.guidedshelf import Shelf
from plexsh.shell.guidedstate import Guide, Outcome

NAMED = ("enter", "backspace", "escape", "up", "down", "pageup", "pagedown", "home", "end", "c-c", "c-d")


def keys(guide: Guide, *typed: str):
    """Press each key (a name from NAMED) or type each string character by character; the last outcome."""
    outcome = None
    for part in typed:
        for key in ([part] if part in NAMED else list(part)):
            outcome = guide.press(key)
    return outcome


def rows(guide: Guide) -> list[str]:
    return [row.text for row in guide.screen().rows]


def highlighted(guide: Guide) -> str:
    screen = guide.screen()
    return screen.rows[screen.cursor].text


@pytest.fixture
def catalog(scanned):
    with Catalog() as opened:
        yield opened


@pytest.fixture
def guide(catalog):
    return Guide(Shelf(catalog), random.Random(7))


def test_walking_kind_title_season_episodes_across_seasons_ends_in_the_line_for_them(guide):
    assert rows(guide) == ["movies", "tv shows"]  # with their counts once the titles are read
    keys(guide, "t")
    assert guide.screen().path == "get › tv shows"
    keys(guide, "Brekin", "enter")  # fuzzy: the best match is highlighted, Enter opens it
    assert guide.screen().path == "get › tv shows › Breaking Bad"
    assert rows(guide) == ["Season 1 · episodes 1-3", "Season 2 · episodes 1-2", "Season 3 · episodes 1-4"]
    keys(guide, "1", "enter", "1,3", "enter")
    assert guide.screen().path == "get › tv shows › Breaking Bad › Season 1"
    assert [row.chosen for row in guide.screen().rows] == ["all", "", "all"]
    keys(guide, "b", "3", "enter", "2-3", "enter", "b")
    # S03E03E04 is one file: choosing episode 3 brings 4 with it
    assert guide.screen().rows[2].text == "Season 3 · episodes 1-4 · 3 of 4 chosen"
    assert keys(guide, "enter") == Outcome("run", 'get "Breaking Bad" s3 e2-4 s1e1 s1e3')


def test_a_movie_is_taken_by_its_number_with_the_shortest_command_that_names_it(guide):
    keys(guide, "m")
    assert rows(guide)[:3] == ["Alien (1979) · 1080p · 2.4 MiB", "Amélie (2001) · 1.4 MiB",
                               "Blade Runner 2049 (2017) · 3.8 MiB"]
    assert keys(guide, "5", "enter") == Outcome("run", 'get "Heat"')


def test_b_steps_back_and_leaving_a_show_drops_its_chosen_episodes_and_says_so(guide):
    keys(guide, "t", "enter", "all", "enter")
    assert len(guide.chosen) == 9
    keys(guide, "b")
    assert guide.screen().path == "get › tv shows"
    assert guide.screen().message == "left Breaking Bad: its 9 chosen episodes too"
    keys(guide, "b", "b")
    assert guide.screen().path == "get" and guide.screen().message == "this is the first step: q leaves"
    assert rows(guide) == ["movies · 6", "tv shows · 3"]


def test_n_pages_but_on_a_show_n_then_e_or_o_types_new_or_none(guide):
    guide.page_size = 2
    keys(guide, "m", "n")
    assert guide.screen().status == "page 2 of 3 · 6 movies"
    keys(guide, "page 3", "enter")
    assert rows(guide) == ["Heat (1995) · 720p · 4.0 MiB", "The Matrix (1999) · 2160p · 10.5 MiB"]
    keys(guide, "n")
    assert guide.screen().message == "this is the last page"
    keys(guide, "page 9", "enter")
    assert guide.screen().message == "there is no page 9: pages 1 to 3"
    keys(guide, "escape", "b", "t", "enter", "2", "enter", "new", "enter")  # `new`: n, then e, is a word
    assert guide.chosen == {(2, 1), (2, 2)}
    keys(guide, "none", "enter")
    assert guide.chosen == set()


def test_typing_filters_the_titles_fuzzily_and_a_slash_lets_a_filter_start_with_a_key_letter(guide):
    keys(guide, "m", "matrx")
    assert rows(guide) == ["The Matrix (1999) · 2160p · 10.5 MiB"]
    assert guide.screen().status == "1 movies · matching 'matrx'"
    keys(guide, "escape", "/blade")
    assert highlighted(guide).startswith("Blade Runner 2049")
    keys(guide, "escape")
    assert len(rows(guide)) == 6


def test_a_random_pick_prefers_titles_not_yet_local(scanned, catalog):
    assert run_plexsh("-c", 'get "Heat"; get "Alien"; get "Dune Part Two"').returncode == 0
    guide = Guide(Shelf(catalog), random.Random(3))
    keys(guide, "m")
    picks = set()
    for _ in range(30):
        keys(guide, "~")
        picks.add(highlighted(guide).split(" (")[0])
    assert picks == {"Amélie", "Blade Runner 2049", "The Matrix"}
    assert guide.screen().message.startswith("a random pick")


def test_question_mark_recommends_the_next_episodes_of_a_show_partly_local(scanned, catalog):
    assert run_plexsh("-c", 'get "Breaking Bad" s1e1').returncode == 0
    guide = Guide(Shelf(catalog), random.Random(1))
    keys(guide, "?")
    assert guide.screen().path == "get › recommended"
    assert rows(guide) == ["Breaking Bad · 3 seasons · 9 episodes"]
    assert guide.screen().rows[0].mark == "⚠️"
    keys(guide, "enter")
    assert guide.chosen == {(1, 2), (1, 3), (2, 1)}
    assert "S01E02, S01E03, S02E01" in guide.screen().message
    assert keys(guide, "enter") == Outcome("run", 'get "Breaking Bad" next 3')


def test_u_asks_for_undo_and_q_ctrl_c_ctrl_d_leave(guide):
    assert keys(guide, "u") == Outcome("undo")
    for key in ("q", "c-c", "c-d"):
        assert keys(guide, key) == Outcome("quit")
    keys(guide, "m", "heat")
    assert keys(guide, "q") is None and guide.typed == "heatq"  # typed text takes every letter


def test_a_mistake_is_one_line_and_what_was_typed_stays_to_be_mended(guide):
    keys(guide, "t", "enter", "9", "enter")
    assert guide.screen().message == "there is no season 9: seasons 1-3"
    assert guide.typed == "9"
    keys(guide, "backspace", "1", "enter", "7", "enter")
    assert guide.screen().message == "season 1 has no episode 7: episodes 1-3"
    keys(guide, "backspace", "3-1", "enter")
    assert guide.screen().message.startswith("range 3-1 runs backwards")


def test_hostile_names_are_shown_escaped_and_written_back_quoted_so_the_line_gets_that_title(home, tmp_path):
    from test_hostile_output import RAW, write_hostile_library

    from plexsh.lang.parser import parse

    write_hostile_library(home, tmp_path / "nas")
    assert run_plexsh("-c", "scan").returncode == 0
    with Catalog() as catalog:
        guide = Guide(Shelf(catalog), random.Random(1))
        keys(guide, "m")
        shown = "\n".join(rows(guide))
        for escaped in (r"Title\033]0;pwned\a (2005)", r"Csi\302\23331m (2007)", r"Del\177 (2008)",
                        r"Tab\there (2009)", r"Bidi\342\200\256vkm"):
            assert escaped in shown
        assert not any(raw in shown for raw in RAW)
        number = next(n for n, text in enumerate(rows(guide), 1) if text.startswith("Title"))
        outcome = keys(guide, str(number), "enter")
        assert outcome.line == r'get "Title\033]0;pwned\a"'
        assert parse(outcome.line).commands[0].title == "Title\x1b]0;pwned\x07"
        keys(guide, "b")  # a movie ends the selection: here the guide is still at the titles
        keys(guide, "t", "enter")
        screen = guide.screen()
        assert screen.path == r"get › tv shows › New\nLine" and "New\nLine" not in screen.path
        keys(guide, "1", "enter")
        assert rows(guide) == [r"S01E01 · Pi\033 · 700 B"]  # the episode title as the name parser reads it


def test_an_empty_catalog_says_how_to_fill_it(configured):
    with Catalog() as catalog:
        guide = Guide(Shelf(catalog), random.Random(1))
        keys(guide, "m")
        assert guide.screen().status == "no movies in the catalog: q, then `scan` (and `sources` to see where it looks)"
        keys(guide, "enter")
        assert guide.screen().message == "nothing is listed here: b goes back"
        assert keys(guide, "~") is None and guide.screen().message == "nothing is listed here to pick from"


def test_question_mark_puts_the_show_being_watched_first(scanned, catalog):
    from plexsh.library.local import local_files
    from plexsh.usage.records import record

    assert run_plexsh("-c", 'get "Breaking Bad" s1e1; get "Doctor Who" s1e1').returncode == 0
    keys(guide := Guide(Shelf(catalog), random.Random(1)), "?")
    unplayed_order = [row.split(" · ")[0] for row in rows(guide)]
    assert sorted(unplayed_order) == ["Breaking Bad", "Doctor Who (2005)"]
    later = unplayed_order[1]
    [copy] = [c for c in local_files(catalog).copies() if later.split(" (")[0] in c.path]
    record(catalog, copy.path, "play", {"title": later})

    keys(guide := Guide(Shelf(catalog), random.Random(1)), "?")
    assert [row.split(" · ")[0] for row in rows(guide)] == [later, unplayed_order[0]]
