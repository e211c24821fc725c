"""Selections applied to a show's files: what is chosen, and the errors that name what exists."""

from dataclasses import dataclass

import pytest

from plexsh.errors import NotFound, PlexError
from plexsh.lang.parser import parse
from plexsh.library.selection import select, spans


@dataclass(frozen=True)
class Ep:
    season: int
    episodes: tuple


# Season 0 has two specials; season 1 has a double episode (1-2); season 3 is missing episode 4.
SHOW = ([Ep(0, (1,)), Ep(0, (2,))] + [Ep(1, (1, 2))] + [Ep(1, (e,)) for e in range(3, 8)]
        + [Ep(2, (e,)) for e in range(1, 11)] + [Ep(3, (e,)) for e in (1, 2, 3, 5, 6)])


def chosen(selection_text, have=frozenset(), files=SHOW):
    node = parse(f"show x {selection_text}").commands[0]
    return [(f.season, f.episodes) for f in select(files, node.selection, "Show X", have)]


def test_no_selection_means_every_file_in_order():
    result = chosen("")
    assert result[0] == (0, (1,)) and result[-1] == (3, (6,))
    assert len(result) == len(SHOW)


def test_season_and_episode_ranges():
    assert chosen("s3 e1-3") == [(3, (1,)), (3, (2,)), (3, (3,))]
    assert chosen("s2 e1,3,5") == [(2, (1,)), (2, (3,)), (2, (5,))]
    assert [s for s, _ in chosen("s1,3")] == [1] * 6 + [3] * 5


def test_multi_episode_file_is_counted_once():
    assert chosen("s1 e1-3") == [(1, (1, 2)), (1, (3,))]
    assert chosen("s1e2") == [(1, (1, 2))]


def test_specials_are_season_zero():
    assert chosen("s0") == [(0, (1,)), (0, (2,))]


def test_missing_season_names_the_seasons_there_are():
    with pytest.raises(NotFound, match=r"Show X has no season 7; it has seasons 0-3"):
        chosen("s7")
    with pytest.raises(NotFound, match=r"no season 4"):
        chosen("s2-4")


def test_episode_out_of_range_names_the_episodes_there_are():
    with pytest.raises(NotFound, match=r"season 3 of Show X has no episode 4; it has episodes 1-3, 5-6"):
        chosen("s3 e1-5")
    with pytest.raises(NotFound, match=r"season 2 of Show X has no episode 11"):
        chosen("s2e11")


def test_episodes_without_season_need_one_when_there_are_several():
    with pytest.raises(PlexError, match=r"e1-5 needs a season"):
        chosen("e1-5")
    single = [Ep(1, (e,)) for e in range(1, 6)]
    assert chosen("e2-3", files=single) == [(1, (2,)), (1, (3,))]


def test_new_only_skips_what_is_local():
    have = {(2, e) for e in range(1, 9)}
    assert chosen("s2 new-only", have) == [(2, (9,)), (2, (10,))]


def test_new_only_keeps_a_double_episode_of_which_only_one_half_is_local():
    assert chosen("s1 e1-3 new-only", {(1, 1)}) == [(1, (1, 2)), (1, (3,))]
    assert chosen("s1 e1-3 new-only", {(1, 2), (1, 3)}) == [(1, (1, 2))]
    assert chosen("s1 e1-3 new-only", {(1, 1), (1, 2)}) == [(1, (3,))]  # both halves there: skipped


def test_a_long_episode_range_takes_every_episode_up_to_its_last():
    assert chosen("s2 e1-10") == [(2, (e,)) for e in range(1, 11)]
    assert chosen("s2 e01-10") == chosen("s2 e1-10")
    with pytest.raises(NotFound, match=r"season 2 of Show X has no episode 11; it has episodes 1-10"):
        chosen("s2 e1-11")


def test_a_range_of_seasons_takes_the_episodes_named_in_each():
    assert chosen("s1-2 e3-4") == [(1, (3,)), (1, (4,)), (2, (3,)), (2, (4,))]
    assert [s for s, _ in chosen("s1-3")] == [1] * 6 + [2] * 10 + [3] * 5
    assert chosen("s0-1 e2") == [(0, (2,)), (1, (1, 2))]
    with pytest.raises(NotFound, match=r"season 3 of Show X has no episode 4; it has episodes 1-3, 5-6"):
        chosen("s2-3 e4")  # season 2 has it, season 3 does not


def test_next_continues_after_the_last_local_episode():
    have = {(1, 1), (1, 2), (1, 3)}
    assert chosen("next 3", have) == [(1, (4,)), (1, (5,)), (1, (6,))]
    assert chosen("next 2") == [(1, (1, 2)), (1, (3,))]
    assert chosen("s0 next 1") == [(0, (1,))]
    have_end_of_season = {(1, e) for e in range(1, 8)}
    assert chosen("next 2", have_end_of_season) == [(2, (1,)), (2, (2,))]


def test_spans():
    assert spans([3, 1, 2, 7]) == "1-3, 7"
