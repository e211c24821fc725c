"""The guided selection's words: bare `get`, `sync` and `browse`, and the command line a choice is written back as."""

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_plexsh
from plexsh.lang import ast
from plexsh.lang.parser import parse
from plexsh.library.selection import select
from plexsh.shell.guided import is_guided
from plexsh.shell.guidedline import chosen_files, command_line, selection_for


@pytest.mark.parametrize("text, guided", [
    ("get", True), ("sync", True), ("browse", True), ("  get  ", True),
    ("ls", False), ("browse movies", False), ("browse year>=2010", False), ("get heat", False),
    ("get; ls", False), ("get heat s1 e", False),
])
def test_only_a_bare_get_sync_or_browse_alone_on_a_line_opens_the_guided_selection(text, guided):
    assert is_guided(text) is guided


def test_browse_with_arguments_is_still_ls_and_ls_alone_still_lists_everything():
    assert parse("browse tv unsynced").commands[0] == ast.Ls("tv", (ast.Filter("synced", "=", False),))
    assert parse("ls").commands[0] == ast.Ls()
    assert parse("browse").commands[0] == ast.Ls(guided=True)


@pytest.mark.parametrize("verb, forms", [("get", "get TITLE [SELECTION]"), ("sync", "get TITLE [SELECTION]"),
                                         ("browse", "ls movies")])
def test_outside_a_terminal_a_bare_verb_is_one_error_naming_the_forms_to_type(configured, verb, forms):
    for result in (run_plexsh("-c", verb), run_plexsh(input=verb + "\n")):
        assert result.returncode == 1
        first, *rest = result.stderr.splitlines()
        assert first.startswith("error: ") and forms in first
        assert rest == [f"in the shell (`plexsh` alone), `{'get' if verb == 'sync' else verb}` alone starts "
                        "the guided selection"]
        assert "Traceback" not in result.stderr


def test_a_bare_get_in_json_is_one_object_with_the_error():
    import json

    result = run_plexsh("--json", "-c", "get")
    reply = json.loads(result.stdout)
    assert reply["ok"] is False and "get TITLE [SELECTION]" in reply["error"]


@st.composite
def shows_and_choices(draw):
    """A show (seasons of episodes, some files holding two episodes, some episodes in two files),
    what is local, and a choice of episodes."""
    files = []
    for season in range(draw(st.integers(0, 1)), draw(st.integers(1, 4)) + 1):
        episode = 1
        for _ in range(draw(st.integers(1, 6))):
            width = draw(st.sampled_from([1, 1, 1, 2]))
            episodes = list(range(episode, episode + width))
            files.append(SimpleNamespace(season=season, episodes=episodes))
            if draw(st.integers(0, 9)) == 0:  # a second version of the same episodes
                files.append(SimpleNamespace(season=season, episodes=list(episodes)))
            episode += width
    pairs = sorted({(f.season, e) for f in files for e in f.episodes})
    have = set(draw(st.lists(st.sampled_from(pairs), unique=True)))
    chosen = set(draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True)))
    return files, have, chosen


@settings(max_examples=300, deadline=None)
@given(shows_and_choices())
def test_the_line_written_back_gets_exactly_the_files_holding_the_chosen_episodes(case):
    files, have, chosen = case
    line = command_line('get "The Show"', selection_for(files, chosen, have, "The Show"))
    node = parse(line).commands[0]
    got = select(files, node.selection, "The Show", have)
    assert sorted(map(id, got)) == sorted(map(id, chosen_files(files, chosen))), line


@pytest.mark.parametrize("chosen, have, line", [
    ({(1, 1), (1, 2), (2, 1)}, set(), 'get "X" s1 s2e1'),
    ({(2, 1), (2, 2)}, set(), 'get "X" s2'),
    ({(1, 1), (1, 2), (2, 1), (2, 2)}, set(), 'get "X"'),
    ({(1, 2), (2, 1), (2, 2)}, {(1, 1)}, 'get "X" new-only'),
    ({(1, 2), (2, 1)}, {(1, 1)}, 'get "X" next 2'),
    ({(2, 2)}, set(), 'get "X" s2e2'),
])
def test_a_choice_reads_as_a_person_would_type_it(chosen, have, line):
    show = [SimpleNamespace(season=s, episodes=[e]) for s in (1, 2) for e in (1, 2)]
    assert command_line('get "X"', selection_for(show, chosen, have)) == line
