"""The copy a duplicate group keeps: best resolution, then verified, then inside the Plex layout, with the reason in one line."""

from __future__ import annotations

import pytest

from plexsh.dupes.groups import Candidate, Group
from plexsh.dupes.keep import choose_keep
from plexsh.library.names import parse_path

NOON_1_DECEMBER = 1_796_126_400.0  # 2026-12-01 12:00 UTC


def copy(path: str, **flags) -> Candidate:
    return Candidate(path, 1000, None, "local", **flags)


def named(*members: Candidate) -> dict:
    return {m.path: parse_path(m.path) for m in members}


def test_the_best_resolution_wins_over_a_verified_copy_inside_the_plex_layout():
    small = copy("Movies/Heat (1995)/Heat (1995) - 1080p.mkv", verified=True, in_plex_layout=True)
    large = copy("downloads/Heat.1995.2160p.UHD.BluRay.x265-GRP.mkv")

    assert choose_keep([small, large], named(small, large)) == (large, "2160p beats 1080p")


def test_a_resolution_the_name_states_beats_a_name_that_states_none():
    plain = copy("Movies/Heat (1995)/Heat (1995).mkv", verified=True)
    stated = copy("Heat.1995.720p.BluRay.x264-GRP.mkv")

    assert choose_keep([plain, stated], named(plain, stated)) == (stated, "720p beats no stated resolution")


@pytest.mark.parametrize("verified_at, reason", [
    ({"b/Heat.1995.1080p.mkv": NOON_1_DECEMBER}, "verified on 2026-12-01"),
    (None, "verified (the others are not)"),
])
def test_at_the_same_resolution_the_verified_copy_wins_and_says_when_it_was_verified(verified_at, reason):
    loose = copy("a/Heat (1995)/Heat.1995.1080p.mkv", in_plex_layout=True)
    checked = copy("b/Heat.1995.1080p.mkv", verified=True)

    assert choose_keep([loose, checked], named(loose, checked), verified_at=verified_at) == (checked, reason)


def test_at_the_same_resolution_and_verification_the_copy_inside_the_plex_layout_wins():
    loose = copy("a/Fargo.S01E03.720p.mkv")
    placed = copy("z/Fargo/Season 01/Fargo - S01E03 [720p].mkv", in_plex_layout=True)

    assert choose_keep([loose, placed], named(loose, placed)) == (placed, "inside the Plex layout")


def test_of_one_quality_verification_and_place_the_larger_file_is_kept():
    small = Candidate("a/Heat.1995.1080p.mkv", 1_000_000, None, "folder")
    large = Candidate("b/Heat.1995.1080p.mkv", 3_000_000, None, "folder")

    assert choose_keep([small, large], named(small, large)) == (large, "the larger file (2.9 MiB beats 976.6 KiB)")


def test_equal_copies_keep_the_first_path_whatever_order_they_come_in():
    first, second = copy("a/Heat.1995.mkv"), copy("b/Heat.1995.mkv")

    assert choose_keep([second, first], named(first, second)) == (first, "as good as the others: the first by path")
    assert choose_keep([first, second], named(first, second))[0] == first


def test_without_names_to_weigh_the_resolution_a_name_claims_is_ignored():
    # An exact group: the same bytes, whatever "2160p" in a name claims.
    claims = copy("Heat.1995.2160p.mkv")
    checked = copy("Heat.1995.720p.mkv", verified=True)

    assert choose_keep([claims, checked]) == (checked, "verified (the others are not)")


def test_four_k_and_2160p_are_the_same_resolution():
    four_k = copy("a/Heat.1995.4K.mkv")
    uhd = copy("b/Heat (1995)/Heat.1995.2160p.mkv", in_plex_layout=True)

    assert choose_keep([four_k, uhd], named(four_k, uhd))[1] == "inside the Plex layout"


def test_a_group_keeps_one_of_its_members_and_lists_what_removing_the_others_frees():
    keep, other = copy("a.mkv"), Candidate("b.mkv", 300, None, "folder")

    group = Group("media", "high", "Heat (1995)", [keep, other], keep, "the first by path")

    assert group.others == [other] and group.reclaimable == 300
    assert group.as_dict()["keep"] == "a.mkv"
    with pytest.raises(ValueError, match="one of its own members"):
        Group("media", "high", "Heat (1995)", [other], keep, "")
    with pytest.raises(ValueError, match="confidence"):
        Group("media", "sure", "Heat (1995)", [keep], keep, "")
