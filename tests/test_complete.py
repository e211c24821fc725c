"""Completion: suggest() follows the grammar; candidates come from the real catalog of a scanned NAS."""

import pytest

from plexsh.render import Renderer
from plexsh.session import Session
from plexsh.shell.complete import Candidates, split_prefix, suggest


@pytest.mark.parametrize("text, kinds", [
    ("", {"verb"}),
    ("sh", {"verb"}),
    ("show ", {"title", "keyword"}),
    ("show breaking", {"title", "keyword"}),
    ("show tv ", {"title"}),
    ("show breaking bad ", {"title", "season", "episode", "keyword"}),
    ('show "Breaking Bad" ', {"season", "episode", "keyword"}),
    ('show "Breaking Bad" s2 ', {"season", "episode", "keyword"}),
    ("info heat", {"title", "keyword"}),
    ("find matr", {"title", "keyword"}),
    ("ls ", {"keyword", "preset"}),
    ("ls movies codec ", {"value"}),
    ("ls quality ", {"value"}),
    ("ls quality >=", {"value"}),
    ("ls year ", {"value"}),
    ("ls size<", {"value"}),
    ("set ", {"keyword"}),
    ("set keep-going ", {"value"}),
    ("help ", {"topic"}),
    ("scan ", {"source", "keyword"}),
    ("ls; sh", {"verb"}),
    ("scan\nls movies; show ", {"title", "keyword"}),
])
def test_suggest_follows_the_grammar(text, kinds):
    assert suggest(text).kinds() == kinds


@pytest.mark.parametrize("text, present, absent", [
    ("", {"scan", "ls", "show", "find", "browse", "discover"}, {"movies", "year"}),
    ("ls ", {"movies", "tv", "all", "year", "quality", "codec", "size", "source", "sort", "page", "synced"},
     {"ls", "show"}),
    ("ls movies sort ", {"title", "year", "size", "added"}, {"movies"}),
    ("show x ", {"new-only", "next"}, {"year"}),
    ("set ", {"keep-going", "profile", "page-size", "color"}, set()),
    ("config ", {"init"}, set()),
    ("scan ", {"full"}, {"ls"}),
])
def test_suggested_words(text, present, absent):
    words = suggest(text).words()
    assert present <= words and not (absent & words)


def test_broken_text_before_the_cursor_suggests_nothing():
    assert suggest("ls movies quality 10 ").suggestions == ()


def test_prefix_is_the_partial_word_or_open_quote():
    assert split_prefix('show "Breaking B') == ("show ", '"Breaking B')
    assert split_prefix('show "Breaking Bad" s') == ('show "Breaking Bad" ', "s")


@pytest.fixture
def candidates(scanned):
    session = Session(Renderer("plain"))
    yield Candidates(session)
    session.close()


def texts(candidates, typed):
    return [text for text, _, _ in candidates.for_text(typed)]


def test_verbs_complete_by_prefix(candidates):
    assert texts(candidates, "sh") == ["show"]
    assert set(texts(candidates, "s")) == {"scan", "set", "show", "sources", "status", "storage", "sync"}


def test_titles_complete_fuzzily_and_replace_what_was_typed(candidates):
    found = candidates.for_text("show brekin")
    assert found[0][0] == '"Breaking Bad"' and found[0][1] == len("brekin")
    typed = "info the matr"
    first = candidates.for_text(typed)[0]
    assert first[0] == '"The Matrix"' and first[1] == len("the matr")


def test_seasons_are_the_ones_the_show_has(candidates):
    assert texts(candidates, 'show "Breaking Bad" s') == ["s1", "s2", "s3"]
    assert texts(candidates, 'show "Doctor Who" s') == ["s0", "s1"]


def test_episodes_are_the_ones_of_that_season(candidates):
    found = candidates.for_text('show "Breaking Bad" s1 e')
    assert [t for t, _, _ in found] == ["e1", "e2", "e3"]
    assert found[1][2] == "Cat's in the Bag"
    assert texts(candidates, 'show "Breaking Bad" s3 e') == ["e1", "e2", "e3", "e4"]


def test_filter_values_come_from_the_catalog(candidates):
    assert set(texts(candidates, "ls movies codec ")) == {"h264", "hevc"}
    assert "2160p" in texts(candidates, "ls quality ")
    assert set(texts(candidates, "ls source ")) == {"Movies", "Movies2", "TV", "TV2"}
    assert texts(candidates, "scan Mo") == ["Movies", "Movies2"]
    assert texts(candidates, "set keep-going o") == ["on", "off"]


def test_unknown_title_offers_no_seasons(candidates):
    assert texts(candidates, 'show "Nothing Like It" s') == []


@pytest.fixture
def hostile_candidates(home, tmp_path):
    """Candidates over a scanned NAS whose names hold new lines, escapes and markup."""
    from conftest import run_plexsh
    from test_hostile_output import write_hostile_library

    write_hostile_library(home, tmp_path / "nas")
    assert run_plexsh("-c", "scan").returncode == 0
    session = Session(Renderer("plain"))
    yield Candidates(session)
    session.close()


def test_a_title_holding_a_new_line_completes_to_a_command_that_names_it(hostile_candidates):
    from plexsh.lang.parser import parse

    found = hostile_candidates.for_text("show new")
    assert found[0][0] == r'"New\nLine"' and found[0][1] == len("new")
    assert parse(f"show {found[0][0]} s1").commands[0].title == "New\nLine"
    assert texts(hostile_candidates, 'show "New\\nLine" s') == ["s1"]  # the completed title names the show


def test_completion_shows_names_from_the_nas_escaped(hostile_candidates):
    found = hostile_candidates.for_text("info title")
    assert found[0][0] == r'"Title\033]0;pwned\a"'
    assert hostile_candidates.for_text('show "New\\nLine" s1 e') == [("e1", 1, r"Pi\033")]


def registry_title_verbs() -> list[str]:
    """Every name and alias of the command registry after which the grammar accepts a title."""
    from plexsh.commands import load_all
    from plexsh.lang.parser import accepted_after

    names = [name for spec in load_all().values() for name in (spec.name, *spec.aliases)]
    return [name for name in names if "TITLE_WORD" in accepted_after(f"{name} ")]


def test_every_verb_whose_grammar_takes_a_title_completes_titles(candidates):
    verbs = registry_title_verbs()
    assert {"get", "sync", "show", "info", "find"} <= set(verbs)
    for verb in verbs:
        assert '"Breaking Bad"' in texts(candidates, f"{verb} brea"), verb
        assert '"Breaking Bad"' in texts(candidates, f"{verb} tv brea"), verb
        assert texts(candidates, f"{verb} movie brea") == [], verb


def test_a_kind_word_before_the_title_narrows_the_titles_offered(candidates):
    shows = texts(candidates, "get tv ")
    movies = texts(candidates, "get movie ")
    assert '"Breaking Bad"' in shows and '"The Matrix"' not in shows
    assert '"The Matrix"' in movies and '"Breaking Bad"' not in movies
    assert texts(candidates, 'get tv "Breaking Bad" s') == ["s1", "s2", "s3"]
