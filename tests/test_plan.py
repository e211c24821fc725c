"""Transfer plans: Plex layout, safe names, free space, skipping verified copies, best version."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from plexsh.engine.plan import best_version, destination_for, make_plan, partial_path, safe_name
from plexsh.library.catalog import FileRow, Item

MOVIE = Item(1, "movie", "The Matrix", 1999, 0, 2, None, None, None, None, (), 0.0)
SHOW = Item(2, "show", "Doctor Who", 2005, 0, 2, 2, 2, None, None, (), 0.0)


def file_row(path: Path, *, id=1, item_id=1, season=None, episode=None, resolution=None,
             sha256=None, size=None) -> FileRow:
    size = size if size is not None else (path.stat().st_size if path.exists() else 1000)
    return FileRow(id, item_id, str(path), path.name, "NAS", size, season, episode, None, resolution,
                   None, None, None, "mkv", 0, 0.0, sha256)


@pytest.fixture
def dests(tmp_path):
    return {"movies": tmp_path / "local" / "Movies", "tv": tmp_path / "local" / "TV"}


@pytest.mark.parametrize("item, season, expected", [
    (MOVIE, None, "Movies/The Matrix (1999)/x.mkv"),
    (SHOW, 3, "TV/Doctor Who/Season 03/x.mkv"),
    (SHOW, 0, "TV/Doctor Who/Season 00/x.mkv"),
    (SHOW, 12, "TV/Doctor Who/Season 12/x.mkv"),
    (Item(3, "movie", "Untitled", None, 0, 1, None, None, None, None, (), 0.0), None, "Movies/Untitled/x.mkv"),
    (Item(4, "movie", "AC/DC: Let There Be Rock", 1980, 0, 1, None, None, None, None, (), 0.0), None,
     "Movies/AC-DC: Let There Be Rock (1980)/x.mkv"),
    (Item(5, "show", "Amélie\x00 ", None, 0, 1, 1, 1, None, None, (), 0.0), 1, "TV/Amélie-/Season 01/x.mkv"),
])
def test_layout(item, season, expected):
    row = file_row(Path("/nas/some/x.mkv"), season=season)
    got = destination_for(item, row, {"movies": Path("/l/Movies"), "tv": Path("/l/TV")})
    assert got == Path("/l") / expected


@pytest.mark.parametrize("text, expected", [
    ("a/b", "a-b"), ("nul\x00here", "nul-here"), ("Amélie", "Amélie"), ("東京物語", "東京物語"),
    ("...", "_"), ("", "_"), (".hidden", "hidden"), ("trailing. ", "trailing"),
    ("esc\x1b[2Jdel\x7f", "esc-[2Jdel-"), ("nel\x85csi\x9b", "nel-csi-"), ("nbsp\xa0é", "nbsp\xa0é"),
])
def test_safe_name(text, expected):
    assert safe_name(text) == expected


def test_partial_is_hidden_in_the_destination_folder():
    final = Path("/l/Movies/Heat (1995)/Heat.mkv")
    partial = partial_path(final)
    assert partial.parent == final.parent and partial.name.startswith(".") and partial != final


def test_best_version_by_resolution_unless_all_versions(tmp_path, dests):
    rows = [file_row(tmp_path / f"m{r}.mkv", id=i, resolution=r, size=10)
            for i, r in enumerate(["720p", "2160p", "1080p", None])]
    assert best_version(rows).resolution == "2160p"
    plan = make_plan([(MOVIE, rows)], dests)
    assert [e.file.resolution for e in plan.entries] == ["2160p"]
    assert len(make_plan([(MOVIE, rows)], dests, all_versions=True).entries) == 4
    episodes = [file_row(tmp_path / f"e{i}.mkv", id=i, item_id=2, season=1, episode=i, size=10) for i in (1, 2)]
    assert len(make_plan([(SHOW, episodes)], dests).entries) == 2  # shows are not "versions"


def test_only_the_same_bytes_count_as_there_and_other_files_are_conflicts(tmp_path, dests):
    sources = {}
    for name, size in [("a.mkv", 1000), ("b.mkv", 2000), ("c.mkv", 3000), ("d.mkv", 4000)]:
        path = tmp_path / "nas" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        sources[name] = path
    digest = {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in sources.items()}
    rows = [file_row(p, id=i, item_id=2, season=1, episode=i, sha256=digest[n])
            for i, (n, p) in enumerate(sources.items(), 1)]
    first = make_plan([(SHOW, rows)], dests)
    assert first.total == 10_000 and not first.skipped and first.fits
    # a: a verified copy; b: same size, other bytes; c: shorter; d: not there
    for name, data in [("a.mkv", sources["a.mkv"].read_bytes()), ("b.mkv", os.urandom(2000)),
                       ("c.mkv", b"x" * 10)]:
        target = dests["tv"] / "Doctor Who" / "Season 01" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    plan = make_plan([(SHOW, rows)], dests)
    reasons = {Path(e.source).name: e.skipped for e in plan.skipped}
    assert "sha256" in reasons["a.mkv"]
    assert reasons["b.mkv"].startswith("conflict: a different file is there (2,000 bytes")
    assert reasons["c.mkv"].startswith("conflict") and "replace" in reasons["c.mkv"]
    assert [Path(e.source).name for e in plan.to_copy] == ["d.mkv"] and plan.total == 4_000
    replacing = make_plan([(SHOW, rows)], dests, replace=True)
    assert {Path(e.source).name: e.replaces for e in replacing.to_copy} == {"b.mkv": True, "c.mkv": True,
                                                                            "d.mkv": False}
    by_size = make_plan([(SHOW, rows)], dests, verify="size")
    assert sorted(Path(e.source).name for e in by_size.skipped if "already" in e.skipped) == ["a.mkv", "b.mkv"]
    no_hash = [file_row(p, id=1, item_id=2, season=1, episode=1) for p in [sources["a.mkv"]]]
    [unknown] = make_plan([(SHOW, no_hash)], dests).skipped  # nothing recorded: cannot tell, not replaced
    assert unknown.skipped.startswith("conflict")


def test_plexsh_may_replace_its_own_untouched_copy_of_an_older_version(tmp_path, dests):
    source = tmp_path / "nas" / "a.mkv"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"new version")
    target = dests["tv"] / "Doctor Who" / "Season 01" / "a.mkv"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old version, placed by plexsh")
    old = hashlib.sha256(target.read_bytes()).hexdigest()
    record = SimpleNamespace(size=target.stat().st_size, sha256=old)
    rows = [file_row(source, id=1, item_id=2, season=1, episode=1)]

    [entry] = make_plan([(SHOW, rows)], dests, placed={str(target): record}.get).to_copy
    assert entry.replaces

    target.write_bytes(b"old version, edited by the user")  # no longer what plexsh placed
    [skipped] = make_plan([(SHOW, rows)], dests, placed={str(target): record}.get).skipped
    assert skipped.skipped.startswith("conflict")


def test_free_space_of_the_nearest_existing_folder(tmp_path, dests):
    plan = make_plan([(MOVIE, [file_row(tmp_path / "x.mkv", size=5000)])], dests)
    (space,) = plan.space
    assert space.path == tmp_path and space.needed == 5000 and space.free > 0 and plan.fits


@pytest.fixture
def tiny_tmpfs(tmpfs):
    return tmpfs("1m")


def test_a_plan_larger_than_the_free_space_does_not_fit(tmp_path, tiny_tmpfs):
    dests = {"movies": tiny_tmpfs / "Movies", "tv": tiny_tmpfs / "TV"}
    small = make_plan([(MOVIE, [file_row(tmp_path / "s.mkv", size=100_000)])], dests)
    assert small.fits and small.space[0].free_after > 0
    big = make_plan([(MOVIE, [file_row(tmp_path / "b.mkv", size=5 << 20)])], dests)
    assert not big.fits and big.space[0].path == tiny_tmpfs and big.space[0].free_after < 0
    # bytes already in a partial count as written: a resume needs only the rest
    destination = big.entries[0].partial
    destination.parent.mkdir(parents=True)
    destination.write_bytes(b"\0" * 600_000)
    assert make_plan([(MOVIE, [file_row(tmp_path / "b.mkv", size=1_000_000)])], dests).fits
