"""A kind word before a title (`show tv "Fargo"`) picks between a film and a show of one name; an ambiguous
title lists the candidates, each with the exact command that picks it."""

import json
import re

import pytest

from conftest import ONE_EACH, run_plexsh, write_config, write_tree
from plexsh.lang.parser import accepted_after, parse, title_verbs

FARGO_AND_HEATS = {
    "Movies/Fargo (1996)/Fargo (1996).mkv": 3_000,
    "TV/Fargo/Season 01/Fargo - S01E01 - The Crocodile's Dilemma.mkv": 2_000,
    "TV/Fargo/Season 02/Fargo - S02E01 - Waiting for Dutch.mkv": 2_000,
    "Movies/Heat (1995)/Heat (1995).mkv": 1_000,
    "Movies/Heat (1986)/Heat (1986).mkv": 1_000,
}


@pytest.fixture
def fargo(home, tmp_path):
    """A scanned library holding the film Fargo (1996), the show Fargo, and two films called Heat."""
    nas = tmp_path / "nas"
    write_tree(nas, FARGO_AND_HEATS)
    write_config(home, nas, folders=ONE_EACH)
    assert run_plexsh("-c", "scan").returncode == 0
    return home


def test_every_verb_that_takes_a_title_takes_a_kind_word_before_it():
    assert {"show", "info", "get", "sync", "find"} <= set(title_verbs())
    assert all("TITLE_KIND" in accepted_after(f"{verb} ") for verb in title_verbs())
    for verb in title_verbs():
        for word, kind in (("tv", "show"), ("show", "show"), ("shows", "show"), ("movie", "movie")):
            command = parse(f'{verb} {word} "Fargo"').commands[0]
            assert (getattr(command, "title", None) or command.text, command.kind) == ("Fargo", kind)


def one(result) -> dict:
    (reply,) = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return reply


@pytest.mark.parametrize("command, kind", [
    ('show tv "Fargo"', "show"), ('show show "Fargo"', "show"), ('show movie "Fargo"', "movie"),
    ('info movie "Fargo"', "movie"), ("info tv fargo", "show"),
])
def test_a_kind_word_picks_the_film_or_the_show(fargo, command, kind):
    result = run_plexsh("--json", "-c", command)
    assert result.returncode == 0, result.stderr
    assert one(result)["item"]["kind"] == kind


def test_get_with_a_kind_word_plans_that_shows_season(fargo):
    result = run_plexsh("-c", 'get tv "Fargo" s1 dry-run')
    assert result.returncode == 0, result.stderr
    assert "Fargo - S01E01 - The Crocodile's Dilemma.mkv" in result.stdout and "S02E01" not in result.stdout


def test_an_ambiguous_title_lists_each_candidate_with_the_command_that_picks_it(fargo):
    result = run_plexsh("-c", 'show "Fargo"')
    assert result.returncode == 1
    assert "'Fargo' names 2 titles" in result.stderr
    commands = re.findall(r"`([^`]+)`", result.stderr)
    assert sorted(commands) == ['show movie "Fargo"', 'show tv "Fargo"']
    kinds = {one(run_plexsh("--json", "-c", c))["item"]["kind"] for c in commands}
    assert kinds == {"movie", "show"}


def test_the_year_is_added_only_where_it_tells_two_titles_apart(fargo):
    result = run_plexsh("-c", "get heat dry-run")
    assert result.returncode == 1
    commands = re.findall(r"`([^`]+)`", result.stderr)
    assert sorted(commands) == ['get "Heat (1986)"', 'get "Heat (1995)"']
    for command in commands:
        picked = run_plexsh("-c", command)
        assert picked.returncode == 0 and command[5:-1] in picked.stdout, picked.stderr


def test_a_shows_caption_names_the_command_that_picks_it_when_the_title_is_ambiguous(fargo):
    assert '`show tv "Fargo" s1` lists the episodes of a season' in run_plexsh("-c", "show tv fargo").stdout


@pytest.mark.parametrize("text, words", [
    ("find the next karate kid", "the next karate kid"), ("find breaking bad s1", "breaking bad s1"),
    ("find movie back to the future", "back to the future"),
])
def test_find_looks_for_any_words_even_those_that_are_keywords_after_a_title(text, words):
    assert parse(text).commands[0].text == words
