"""Media duplicates: the same film or episode in other releases, grouped with a confidence and the copy to keep."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import run_plexsh, write_config, write_tree

from plexsh.dupes.candidates import folder_candidates, local_candidates, nas_candidates
from plexsh.dupes.groups import CONFIDENCES, Candidate
from plexsh.dupes.media import media_groups
from plexsh.library.catalog import Catalog
from plexsh.library.local import local_files

NOON_1_DECEMBER = 1_796_126_400.0  # 2026-12-01 12:00 UTC: that day in every time zone from -11 to +11 hours

# Beside conftest's NAS: a second Matrix release on another share, a lone episode that the double
# episode S03E03E04 also holds, and two films named like others.
MORE_NAS = {
    "Movies2/The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv": 2_100_000,
    "TV2/Breaking.Bad.S03E04.720p.HDTV.x264-GRP.mkv": 600_000,
    "Movies2/Heat.1986.1080p.BluRay.x264-GRP.mkv": 3_000_000,
    "Movies2/Aliens.1986.1080p.BluRay.x264-GRP.mkv": 2_500_000,
}


@pytest.fixture
def catalog(home, nas):
    write_tree(nas, MORE_NAS)
    write_config(home, nas)
    result = run_plexsh("-c", "scan")
    assert result.returncode == 0, result.stderr
    with Catalog(home / "plexsh.db") as opened:
        yield opened


def by_identity(groups) -> dict:
    return {group.identity: group for group in groups}


def names(members) -> list[str]:
    return sorted(os.path.basename(m.path) for m in members)


def folder(root: Path, files: dict[str, int]) -> list[Candidate]:
    write_tree(root, files)
    return folder_candidates(str(p) for p in sorted(root.rglob("*")) if p.is_file())


def test_the_same_film_in_1080p_and_2160p_on_the_nas_is_one_high_group_keeping_the_2160p_copy(catalog):
    groups = by_identity(media_groups(nas_candidates(catalog), catalog))

    matrix = groups["The Matrix (1999)"]
    assert (matrix.kind, matrix.confidence) == ("media", "high")
    assert names(matrix.members) == ["The Matrix (1999) - 1080p.mkv", "The Matrix (1999) - 2160p.mkv",
                                     "The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv"]
    assert os.path.basename(matrix.keep.path) == "The Matrix (1999) - 2160p.mkv"
    assert matrix.reason == "2160p beats 1080p"
    assert all(m.where == "nas" and m.item_id is not None for m in matrix.members)


def test_a_double_episode_and_a_lone_copy_of_one_of_its_episodes_are_one_group_keeping_the_double(catalog):
    groups = by_identity(media_groups(nas_candidates(catalog, "tv"), catalog))

    double = groups["Breaking Bad S03E03-E04"]
    assert double.confidence == "high"
    assert names(double.members) == ["Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv",
                                     "Breaking.Bad.S03E04.720p.HDTV.x264-GRP.mkv"]
    assert os.path.basename(double.keep.path) == "Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv"
    assert double.reason == "holds all of S03E03-E04, the others only part of it"
    assert not any(g.identity.startswith("The Matrix") for g in groups.values())  # tv only
    assert len(groups) == 1


def test_films_of_one_title_in_other_years_and_sequels_are_not_grouped(catalog):
    groups = by_identity(media_groups(nas_candidates(catalog, "movies"), catalog))

    heat = groups["Heat (1995)"]  # the 1995 film's two releases, not the 1986 one
    assert names(heat.members) == ["Heat (1995).mkv", "Heat.1995.720p.BluRay.x264-GRP.mkv"]
    assert heat.reason == "720p beats no stated resolution"
    assert not any("1986" in identity or "Alien" in identity for identity in groups)


def test_a_local_copy_plexsh_verified_is_kept_over_an_unverified_file_of_the_same_quality(catalog, nas, tmp_path):
    (heat,) = [item for item in catalog.lookup("Heat", "movie") if item.year == 1995]
    heat_720p = next(f for f in catalog.files(heat.id) if f.relpath.startswith("Heat.1995"))
    copy = tmp_path / "local" / "Movies" / "Heat (1995)" / "Heat.1995.720p.BluRay.x264-GRP.mkv"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(nas / "Movies2" / heat_720p.relpath, copy)
    local_files(catalog).record(heat_720p.id, heat_720p.path, str(copy), heat_720p.size, "ab" * 32,
                                synced_at=NOON_1_DECEMBER)
    loose = tmp_path / "downloads"
    loose.mkdir()
    shutil.copyfile(copy, loose / "heat.1995.720p.bluray-other.mkv")

    mine = local_candidates(catalog)
    assert [(m.where, m.verified, m.in_plex_layout, m.sha256) for m in mine] == [("local", True, True, "ab" * 32)]
    (group,) = media_groups(mine + folder_candidates([str(loose / "heat.1995.720p.bluray-other.mkv")]), catalog)

    assert group.identity == "Heat (1995)" and group.keep.path == str(copy)
    assert group.reason == "verified on 2026-12-01"
    assert local_candidates(catalog, "tv") == []


def test_of_two_equal_copies_the_one_inside_the_plex_layout_is_kept(tmp_path):
    found = folder(tmp_path, {"Fargo/Season 01/Fargo - S01E03 - A Muddy Road.mkv": 400_000,
                              "incoming/Fargo.S01E03.WEB.h264-GRP.mkv": 401_000})

    (group,) = media_groups(found)

    assert (group.identity, group.confidence) == ("Fargo S01E03", "high")
    assert os.path.basename(group.keep.path) == "Fargo - S01E03 - A Muddy Road.mkv"
    assert group.reason == "inside the Plex layout"


def test_a_copy_of_the_same_bytes_makes_the_group_very_high(tmp_path):
    write_tree(tmp_path, {"a/Heat.1995.1080p.BluRay.x264-GRP.mkv": 1000, "b/Heat (1995).mkv": 1000})
    paths = [str(tmp_path / "a/Heat.1995.1080p.BluRay.x264-GRP.mkv"), str(tmp_path / "b/Heat (1995).mkv")]

    (same,) = media_groups(folder_candidates(paths, hashes={p: "cd" * 32 for p in paths}))
    (other,) = media_groups(folder_candidates(paths, hashes={paths[0]: "cd" * 32, paths[1]: "ef" * 32}))

    assert (same.confidence, other.confidence) == ("very high", "high")
    assert same.as_dict()["confidence"] == "very high" and same.as_dict()["reclaimable"] == 1000


def test_names_alike_after_the_release_words_are_grouped_medium_or_low_only_when_their_sizes_are_within_5_percent(tmp_path):
    found = folder(tmp_path, {
        "a/The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv": 2_000_000,
        "b/Matrix.1999.1080p.WEB-DL.DDP5.1.H.264-NTb.mkv": 2_080_000,  # 4% larger
        "a/Inception.2010.1080p.BluRay.x264-SPARKS.mkv": 3_000_000,
        "b/Inceptoin.2010.2160p.WEB-DL.x265-GRP.mkv": 2_900_000,
        "a/Dune.2021.1080p.BluRay.x264-SPARKS.mkv": 3_000_000,
        "b/Dnue.2021.1080p.WEB-DL.x264-GRP.mkv": 4_000_000,  # a third larger: another cut, not the same file
    })

    groups = by_identity(media_groups(found))

    assert [(g.identity, g.confidence) for g in groups.values()] == [
        ("Matrix (1999)", "medium"), ("Inceptoin (2010)", "low")]  # each named as the copy it keeps
    assert groups["Matrix (1999)"].reason == "the larger file (2.0 MiB beats 1.9 MiB)"
    assert names(groups["Matrix (1999)"].members) == ["Matrix.1999.1080p.WEB-DL.DDP5.1.H.264-NTb.mkv",
                                                          "The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv"]
    assert groups["Inceptoin (2010)"].reason == "2160p beats 1080p"


def test_similar_names_of_other_films_are_never_grouped(tmp_path):
    found = folder(tmp_path, {
        "Heat (1995)/Heat (1995).mkv": 3_000_000,
        "Heat (1986)/Heat (1986).mkv": 3_000_000,
        "Alien.1080p.BluRay.x264-GRP.mkv": 2_500_000,  # no years: the names alone must tell
        "Aliens.1080p.BluRay.x264-GRP.mkv": 2_500_000,
        "Rocky.II.1979.DVDRip.XviD-GRP.avi": 700_000,
        "Rocky.III.1979.DVDRip.XviD-GRP.avi": 700_000,
        "Star.Wars.1977.1080p.mkv": 2_000_000,
        "Star.Trek.1977.1080p.mkv": 2_000_000,
    })

    assert media_groups(found) == []


def test_two_double_episodes_that_overlap_are_not_grouped_since_neither_holds_the_other(tmp_path):
    found = folder(tmp_path, {"Fargo.S01E01E02.720p.mkv": 800_000, "Fargo.S01E02E03.720p.mkv": 800_000,
                              "other/Fargo.S01E01.1080p.mkv": 500_000})

    (group,) = media_groups(found)

    assert group.identity == "Fargo S01E01-E02"
    assert names(group.members) == ["Fargo.S01E01.1080p.mkv", "Fargo.S01E01E02.720p.mkv"]


def test_folder_candidates_leave_out_clutter_and_never_follow_links(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {"Heat.1995.1080p.mkv": 1000})
    root = tmp_path / "root"
    write_tree(root, {"Heat (1995)/Heat (1995).mkv": 1000, "Heat (1995)/Heat (1995)-sample.mkv": 10,
                      "Heat (1995)/movie.nfo": 10, "Heat.1995.720p.mkv.part": 10})
    os.symlink(outside / "Heat.1995.1080p.mkv", root / "Heat.1995.1080p.mkv")
    os.mkfifo(root / "Heat.1995.2160p.mkv")

    found = folder_candidates(str(p) for p in root.rglob("*"))

    assert [os.path.relpath(c.path, root) for c in found] == ["Heat (1995)/Heat (1995).mkv"]
    assert media_groups(found) == []


def test_hostile_names_group_with_their_twins_and_their_identity_is_words(tmp_path):
    root = os.fsencode(tmp_path)
    hostile = [b"Caf\xe9.2004.1080p.BluRay.x264-GRP.mkv", b"Heat\x1b[2J.1995.720p.mkv", b"[bold red]Heat 1995 720p.mkv"]
    for name in hostile:
        with open(os.path.join(root, name), "wb") as out:
            out.truncate(1000)
    write_tree(tmp_path, {"Café (2004)/Café (2004).mkv": 1000, "Heat (1995)/Heat (1995) - 1080p.mkv": 1000})

    groups = by_identity(media_groups(folder_candidates(
        os.fsdecode(os.path.join(root, name)) for name in hostile + [b"Caf\xc3\xa9 (2004)/Caf\xc3\xa9 (2004).mkv",
                                                                     b"Heat (1995)/Heat (1995) - 1080p.mkv"])))

    assert set(groups) == {"Café (2004)", "Heat (1995)"}
    assert os.path.basename(groups["Heat (1995)"].keep.path) == "Heat (1995) - 1080p.mkv"
    assert "Heat\x1b[2J.1995.720p.mkv" in names(groups["Heat (1995)"].members)
    cafe = groups["Café (2004)"]  # named by the kept copy, whose name is not UTF-8: its byte read as Windows-1252
    assert os.fsencode(cafe.keep.path).endswith(hostile[0]) and cafe.reason == "1080p beats no stated resolution"
    json.dumps([g.as_dict() for g in groups.values()])  # a name that is not UTF-8 still makes JSON


def test_every_group_has_a_confidence_word_and_keeps_one_of_its_members(catalog):
    groups = media_groups(nas_candidates(catalog), catalog)

    assert groups and all(g.confidence in CONFIDENCES and g.keep in g.members and len(g.members) > 1 for g in groups)
    assert [g.confidence for g in groups] == sorted((g.confidence for g in groups), key=CONFIDENCES.index)
    seen = [m.path for g in groups for m in g.members]
    assert len(seen) == len(set(seen))  # a file is in one group at most


def test_a_local_copy_replaced_by_a_link_or_changed_is_not_a_candidate(catalog, nas, tmp_path):
    (blade,) = catalog.lookup("Blade Runner 2049")
    (source,) = catalog.files(blade.id)
    (heat,) = [item for item in catalog.lookup("Heat", "movie") if item.year == 1995]
    heat_file = next(f for f in catalog.files(heat.id) if f.relpath.startswith("Heat.1995"))
    linked, changed = tmp_path / "Blade Runner 2049 (2017).mkv", tmp_path / "Heat.1995.720p.mkv"
    outside = tmp_path / "outside.mkv"
    outside.write_bytes(b"x" * source.size)
    os.symlink(outside, linked)
    changed.write_bytes(b"y" * (heat_file.size + 1))
    local_files(catalog).record(source.id, source.path, str(linked), source.size)
    local_files(catalog).record(heat_file.id, heat_file.path, str(changed), heat_file.size)

    assert local_candidates(catalog) == []


def test_a_misspelt_show_name_groups_the_same_episode_only(tmp_path):
    found = folder(tmp_path, {
        "TV/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv": 500_000,
        "TV/Breaking Bad/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv": 500_000,
        "downloads/Braeking.Bad.S01E01.720p.HDTV.x264-GRP.mkv": 510_000,
        "downloads/Braeking.Bad.S01E03.720p.HDTV.x264-GRP.mkv": 500_000,  # an episode the other lacks
    })

    (group,) = media_groups(found)

    assert group.confidence == "medium" and group.identity == "Breaking Bad S01E01"  # as the Plex layout names it
    assert names(group.members) == ["Braeking.Bad.S01E01.720p.HDTV.x264-GRP.mkv", "Breaking Bad - S01E01 - Pilot.mkv"]
    assert group.reason == "720p beats no stated resolution"
