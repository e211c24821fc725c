"""Catalog queries over a really scanned tree: listing, filters, sorting, files and seasons,
exact lookup, fuzzy find, caches, completion values and stats."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import write_tree
from plexsh.config import Discovery
from plexsh.lang.ast import Filter, Range
from plexsh.library.catalog import Catalog
from plexsh.library.scanner import scan
from plexsh.library.sources import SourceSpec

MB = 1_000_000
LIBRARY = {
    "Movies/The Matrix (1999)/The Matrix (1999) - 1080p.mkv": 2 * MB,
    "Movies/The Matrix (1999)/The Matrix (1999) - 2160p.mkv": 9 * MB,
    "Movies/The Matrix Reloaded (2003)/The Matrix Reloaded (2003).mkv": 3 * MB,
    "Movies/Heat (1995)/Heat (1995).mkv": 3 * MB,
    "Movies/Amélie (2001)/Amélie (2001).mkv": MB,
    "Movies/A Quiet Place (2018)/A Quiet Place (2018).mkv": 2 * MB,
    "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv": MB,
    "Movies2/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv": 2 * MB,
    "Movies2/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv": 8 * MB,
    "TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E01 - Pilot.mkv": MB // 2,
    "TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv": MB // 2,
    "TV/Breaking Bad (2008)/Season 02/Breaking Bad - S02E01 - Seven Thirty-Seven.mkv": MB // 2,
    "TV2/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv": MB,
    "TV2/Breaking.Bad.S03E02E03.1080p.WEB-DL.x264-GRP.mkv": 2 * MB,
    "TV/The Office (US)/Season 02/The Office (US) - S02E01 - The Dundies.mkv": MB // 4,
}


def specs_for(root: Path) -> list[SourceSpec]:
    return [SourceSpec(n, str(root / n), "movies" if n.startswith("Movies") else "tv")
            for n in ("Movies", "Movies2", "TV", "TV2")]


@pytest.fixture
def nas(tmp_path) -> Path:
    write_tree(tmp_path / "nas", LIBRARY)
    return tmp_path / "nas"


@pytest.fixture
def catalog(tmp_path, nas):
    with Catalog(tmp_path / "catalog.db") as opened:
        assert scan(opened, specs_for(nas), Discovery()).ok
        yield opened


def titles(items) -> list[str]:
    return [i.title for i in items]


def test_items_and_their_json_fields(catalog):
    movies = catalog.items("movies")
    assert titles(movies) == ["Alien", "Amélie", "Dune Part Two", "Heat", "The Matrix", "The Matrix Reloaded",
                              "A Quiet Place"]
    shows = catalog.items("tv")
    assert titles(shows) == ["Breaking Bad", "The Office (US)"]
    assert len(catalog.items()) == 9
    matrix = catalog.lookup("The Matrix")[0].as_dict()
    assert json.loads(json.dumps(matrix)) == matrix
    assert {k: matrix[k] for k in ("title", "year", "kind", "size", "files", "resolution", "folders")} == {
        "title": "The Matrix", "year": 1999, "kind": "movie", "size": 11 * MB, "files": 2,
        "resolution": "2160p", "folders": ["Movies"]}
    assert "seasons" not in matrix
    show = catalog.lookup("breaking bad")[0].as_dict()
    assert (show["kind"], show["seasons"], show["episodes"], show["files"]) == ("show", 3, 6, 5)
    assert show["resolution"] == "1080p" and show["codec"] == "h264" and show["folders"] == ["TV", "TV2"]


@pytest.mark.parametrize("filters, expected", [
    ([Filter("year", "=", 1999)], ["The Matrix"]),
    ([Filter("year", ">=", 2003)], ["Breaking Bad", "Dune Part Two", "The Matrix Reloaded", "A Quiet Place"]),
    ([Filter("year", "<", 1996)], ["Alien", "Heat"]),
    ([Filter("year", "..", (1995, 2001))], ["Amélie", "Heat", "The Matrix"]),
    ([Filter("year", "..", Range(2000, 2010))], ["Amélie", "Breaking Bad", "The Matrix Reloaded"]),
    ([Filter("quality", ">=", 2160)], ["Dune Part Two", "The Matrix"]),
    ([Filter("quality", "=", "4k")], ["Dune Part Two", "The Matrix"]),
    ([Filter("quality", "=", 1080)], ["Alien", "Breaking Bad"]),
    ([Filter("codec", "=", "hevc")], ["Alien", "Dune Part Two"]),
    ([Filter("size", ">", 4 * MB)], ["Breaking Bad", "Dune Part Two", "The Matrix"]),
    ([Filter("size", "<=", "1MB")], ["Amélie", "The Office (US)"]),
    ([Filter("source", "=", "movies2")], ["Alien", "Dune Part Two", "Heat"]),
    ([Filter("source", "=", "TV2")], ["Breaking Bad"]),
    ([Filter("synced", "=", True)], []),
    ([Filter("synced", "=", False), Filter("year", "=", 1995)], ["Heat"]),
    ([Filter("year", ">", 1990), Filter("source", "=", "Movies"), Filter("size", "<", 3 * MB)],
     ["Amélie", "A Quiet Place"]),
])
def test_filters(catalog, filters, expected):
    assert titles(catalog.items("all", filters)) == expected


def test_unknown_filters_and_sorts_are_errors(catalog):
    with pytest.raises(ValueError):
        catalog.items(filters=[Filter("colour", "=", "red")])
    with pytest.raises(ValueError):
        catalog.items(sort="rating")
    with pytest.raises(ValueError):
        catalog.items(kind="music")


def test_sorting(catalog):
    assert titles(catalog.items("movies"))[-2:] == ["The Matrix Reloaded", "A Quiet Place"]  # articles ignored
    assert titles(catalog.items("movies", sort="title", descending=True))[0] == "A Quiet Place"
    years = [i.year for i in catalog.items(sort="year")]
    assert years[-1] is None and years[:-1] == sorted(years[:-1])  # unknown years last
    assert [i.year for i in catalog.items(sort="year", descending=True)][:2] == [2024, 2018]
    sizes = [i.size for i in catalog.items(sort="size", descending=True)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 11 * MB
    assert len(catalog.items(sort="added")) == 9


def test_files_and_seasons(catalog):
    (show,) = catalog.lookup("Breaking Bad")
    files = catalog.files(show.id)
    assert [(f.season, f.episode) for f in files] == [(1, 1), (1, 2), (2, 1), (3, 1), (3, [2, 3])]
    assert catalog.seasons(show.id) == {1: [1, 2], 2: [1], 3: [1, 2, 3]}
    last = files[-1].as_dict()
    assert {k: last[k] for k in ("relpath", "folder", "size", "season", "episode", "resolution", "source",
                                 "codec", "container")} == {
        "relpath": "Breaking.Bad.S03E02E03.1080p.WEB-DL.x264-GRP.mkv", "folder": "TV2", "size": 2 * MB,
        "season": 3, "episode": [2, 3], "resolution": "1080p", "source": "WEB-DL", "codec": "h264",
        "container": "mkv"}
    assert last["path"].endswith("/nas/TV2/Breaking.Bad.S03E02E03.1080p.WEB-DL.x264-GRP.mkv")
    assert files[0].episode_title == "Pilot"
    (heat,) = catalog.lookup("Heat")
    assert [(f.folder, f.resolution) for f in catalog.files(heat.id)] == [("Movies", None), ("Movies2", "720p")]
    assert catalog.item(heat.id) == heat and catalog.item(10**9) is None


def test_lookup(catalog):
    assert titles(catalog.lookup("the matrix")) == ["The Matrix"]
    assert titles(catalog.lookup("The Matrix (1999)")) == ["The Matrix"]
    assert catalog.lookup("The Matrix (2005)") == []
    assert titles(catalog.lookup("amelie")) == ["Amélie"]
    assert titles(catalog.lookup("Breaking Bad", kind="show")) == ["Breaking Bad"]
    assert catalog.lookup("Breaking Bad", kind="movie") == []
    assert catalog.lookup("Matrix") == []


@pytest.mark.parametrize("typed, first", [
    ("brekin bad", "Breaking Bad"),
    ("breaking", "Breaking Bad"),
    ("brea", "Breaking Bad"),
    ("matrx", "The Matrix"),
    ("the matrix", "The Matrix"),
    ("matrix relaoded", "The Matrix Reloaded"),
    ("amelie", "Amélie"),
    ("quiet", "A Quiet Place"),
    ("offce", "The Office (US)"),
])
def test_find_takes_partial_and_misspelled_titles(catalog, typed, first):
    found = catalog.find(typed)
    assert found and found[0][0].title == first, found
    assert 0 < found[0][1] <= 100


def test_find_ranks_and_scores(catalog):
    found = catalog.find("matrix")
    assert titles(i for i, _ in found[:2]) == ["The Matrix", "The Matrix Reloaded"]
    assert found[0][1] >= found[1][1]
    assert catalog.find("the matrix")[0][1] == 100.0
    assert catalog.find("zzqxv") == [] and catalog.find("") == [] and catalog.find("!!") == []
    assert len(catalog.find("e", limit=3)) <= 3


def test_closest_offers_a_clear_winner_for_a_typo(catalog):
    (best, score), *rest = catalog.closest("brekin bad")
    assert best.title == "Breaking Bad" and score >= 90
    assert all(score - other >= 8 for _, other in rest)
    assert catalog.closest("Matrix Reloadd")[0][0].title == "The Matrix Reloaded"


def test_the_title_index_is_cached_until_the_catalog_changes(catalog, nas, tmp_path):
    index = catalog.title_index()
    assert catalog.title_index() is index
    assert {e.title for e in index} >= {"The Matrix", "Breaking Bad"}
    assert [e.title for e in index][:2] == ["Alien", "Amélie"]
    entry = next(e for e in index if e.title == "Heat")
    assert (entry.year, entry.kind) == (1995, "movie")
    write_tree(nas, {"Movies/Zodiac (2007)/Zodiac (2007).mkv": 10})
    with Catalog(catalog.path) as other:  # another process scans the same file
        scan(other, specs_for(nas), Discovery())
    assert catalog.title_index() is not index
    assert catalog.find("zodiac")[0][0].title == "Zodiac"


def test_the_title_index_can_be_prepared_in_the_background(catalog):
    catalog.invalidate()
    catalog.prepare_title_index()
    builder = catalog._index_builder
    catalog.prepare_title_index()  # a second call, while the first builds or once it has built
    assert catalog._index_builder is builder  # starts nothing new
    builder.join(10)
    catalog.prepare_title_index()  # nor does one after it, with nothing changed
    assert catalog._index_builder is builder
    index = catalog.title_index()
    assert catalog.title_index() is index and len(index) == 9
    assert catalog.find("brekin bad")[0][0].title == "Breaking Bad"


def test_known_values(catalog):
    assert catalog.known_values("resolution") == ["2160p", "1080p", "720p"]
    assert catalog.known_values("codec") == ["h264", "hevc"]
    assert catalog.known_values("source") == ["Movies", "Movies2", "TV", "TV2"]
    assert catalog.known_values("year")[:2] == ["2024", "2018"]
    with pytest.raises(ValueError):
        catalog.known_values("mood")


def test_stats(catalog):
    stats = catalog.stats()
    assert (stats.movies, stats.shows, stats.episodes, stats.files) == (7, 2, 6, 15)
    assert stats.size == sum(LIBRARY.values())
    assert 0 <= stats.last_scan_age <= time.time() - stats.last_scan  # an age, not a timestamp
    data = stats.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert [s["name"] for s in data["sources"]] == ["Movies", "Movies2", "TV", "TV2"]
    assert data["sources"][0]["files"] == 6 and data["sources"][0]["ok"] is True


def test_an_empty_catalog(tmp_path):
    with Catalog(tmp_path / "empty.db") as catalog:
        assert catalog.items() == [] and catalog.find("x") == [] and catalog.closest("x") == []
        assert catalog.title_index() == [] and catalog.known_values("codec") == []
        stats = catalog.stats()
        assert stats.files == 0 and stats.last_scan is None and stats.last_scan_age is None


def test_the_file_is_wal_with_a_schema_version(catalog, tmp_path):
    assert catalog.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    versions = dict(catalog.conn.execute("SELECT name, version FROM schema_versions").fetchall())
    assert versions["catalog"] >= 2
    with Catalog(catalog.path) as again:  # reopening applies nothing twice
        assert dict(again.conn.execute("SELECT name, version FROM schema_versions").fetchall()) == versions
        assert len(again.items()) == 9
