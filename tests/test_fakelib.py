"""The fake library generator: exact counts, sparse files, deliberate duplicates only, every naming variety."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from plexsh.demo import fakelib
from plexsh.demo.fakelib import LibraryNotEmpty, make_demo_library, make_library

REPO = Path(__file__).resolve().parent.parent
VIDEO_EXTENSIONS = {".mkv", ".mp4", ".m4v", ".avi", ".ts", ".mov", ".wmv"}
NOT_CONTENT_DIRS = {"sample", "extras", "featurettes", "behind the scenes", "deleted scenes", "interviews",
                    "trailers", "@eadir"}


def catalogable(path: str) -> bool:
    """The rule a correct scanner follows; the generator's ground truth must agree with it."""
    parts = path.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    if any(part.lower() in NOT_CONTENT_DIRS for part in parts[:-1]):
        return False
    stem, ext = os.path.splitext(parts[-1])
    return ext.lower() in VIDEO_EXTENSIONS and not re.search(r"[-.](sample|trailer)$", stem, re.IGNORECASE)


def walk(root: Path) -> dict[str, os.stat_result]:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            found[os.path.relpath(full, root).replace(os.sep, "/")] = os.stat(full)
    return found


def head(root: Path, path: str, size: int = 4096) -> bytes:
    with open(root / path, "rb") as f:
        return f.read(size)


def tail(root: Path, path: str, size: int = 4096) -> bytes:
    with open(root / path, "rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - size))
        return f.read()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("lib") / "nas"
    return root, make_library(root, 300, seed=0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "nas"
    return root, make_demo_library(root)


def test_counts_match_n_and_the_stats(small):
    root, stats = small
    files = walk(root)
    videos = {path for path in files if catalogable(path)}
    assert len(videos) == stats.video_files == 300
    assert videos == {v.path for v in stats.videos}
    assert stats.movie_files == 90 and stats.episodes_files == 210
    assert stats.ignored_files == len(files) - 300 == sum(stats.ignored.values())
    assert stats.bytes_apparent == sum(st.st_size for st in files.values())
    movies = [v for v in stats.videos if v.kind == "movie"]
    episodes = [v for v in stats.videos if v.kind == "episode"]
    assert stats.movies == len({(fakelib._title_key(v.title), v.year) for v in movies}) > 60
    assert stats.shows == len({fakelib._title_key(v.title) for v in episodes}) >= 5
    assert stats.episodes == sum(len(v.episodes) for v in episodes) > stats.episodes_files


@pytest.mark.parametrize("n", [0, 1, 2, 5, 17, 64])
def test_tiny_libraries_are_exact(tmp_path, n):
    stats = make_library(tmp_path / "nas", n, seed=n)
    assert stats.video_files == n == sum(catalogable(path) for path in walk(tmp_path / "nas"))


def test_ground_truth_is_what_the_names_say(small):
    _, stats = small
    for video in stats.videos:
        name = video.path.rsplit("/", 1)[1]
        if video.kind == "movie":
            assert str(video.year) in video.path
        else:
            first = video.episodes[0]
            codes = (f"S{video.season:02}E{first:02}", f"{video.season}x{first:02}")
            assert any(code.lower() in name.lower() for code in codes), video


def test_files_are_sparse_with_plausible_sizes(small):
    root, stats = small
    files = walk(root)
    assert all(st.st_blocks * 512 <= 64 * 1024 for st in files.values())
    assert sum(st.st_blocks * 512 for st in files.values()) < 10_000_000 < stats.bytes_apparent // 100_000
    for video in stats.videos:
        if video.kind == "movie":
            assert 700 * fakelib.MB <= video.size <= 60 * fakelib.GB, video
        else:
            assert 150 * fakelib.MB <= video.size <= 4 * fakelib.GB * len(video.episodes), video


def test_only_deliberate_duplicates(small):
    root, stats = small
    groups = defaultdict(list)
    for path, st in walk(root).items():
        groups[(st.st_size, head(root, path))].append(path)
    duplicates = [sorted(paths) for paths in groups.values() if len(paths) > 1]
    assert len(duplicates) == stats.duplicate_files >= 1
    for paths in duplicates:
        assert [p.split("/")[0] for p in paths] == ["Movies", "Movies2"]
        assert tail(root, paths[0]) == tail(root, paths[1])
        truths = {(v.title, v.year) for v in stats.videos if v.path in paths}
        assert len(truths) == 1


def test_a_show_is_split_across_tv_and_tv2(small):
    _, stats = small
    seasons = defaultdict(lambda: defaultdict(set))
    for video in stats.videos:
        if video.kind == "episode":
            seasons[fakelib._title_key(video.title)][video.path.split("/")[0]].add(video.season)
    split = [shares for shares in seasons.values() if shares["TV"] and shares["TV2"]]
    assert split and all(not (shares["TV"] & shares["TV2"]) for shares in split)


def test_deterministic_for_a_seed(tmp_path):
    def listing(root):
        return sorted((path, st.st_size, head(root, path, 200)) for path, st in walk(root).items())

    make_library(tmp_path / "a", 200, seed=5)
    make_library(tmp_path / "b", 200, seed=5)
    make_library(tmp_path / "c", 200, seed=6)
    assert listing(tmp_path / "a") == listing(tmp_path / "b") != listing(tmp_path / "c")


VARIETIES = {
    "plex movie": r"^Movies/[^/]+ \(\d{4}\)/[^/]+ \(\d{4}\)\.\w+$",
    "plex quality tag": r"^Movies/[^/]+/[^/]+ \(\d{4}\) - (720p|1080p|2160p)\.\w+$",
    "plex edition": r"^Movies/[^/]+ \{edition-[^}]+\}/",
    "plex loose movie": r"^Movies/[^/]+ \(\d{4}\)\.(mkv|mp4|m4v|avi)$",
    "scene movie": r"^Movies2/[^/ ]+\.\d{4}\.(720p|1080p|2160p)\.[^/ ]+-\w+\.(mkv|mp4)$",
    "scene remux": r"^Movies2/.*2160p\.UHD\.BluRay\.REMUX\.HEVC\.",
    "scene with spaces": r"^Movies2/(.*/)?[^/]+ \d{4} (720p|1080p) [^/]+\.(mp4|avi|mkv)$",
    "scene folder": r"^Movies2/[^/]+-\w+/[^/]+\.(mkv|mp4|avi)$",
    "tv plex": r"^TV/[^/]+/Season \d\d/[^/]+ - S\d\dE\d\d( - [^/]+)?\.\w+$",
    "tv plex with year": r"^TV/[^/]+ \(\d{4}\)/Season \d+/",
    "season unpadded": r"^TV/[^/]+/Season [1-9]/",
    "specials folder": r"^TV/[^/]+/Specials/",
    "season 00": r"^TV/[^/]+/Season 00/",
    "tv scene": r"^TV2/(.*/)?[^/ ]+\.S\d\dE\d\d\.[^/]+-\w+\.\w+$",
    "tv nxnn": r"^TV2/(.*/)?[a-z0-9.]+\.\d+x\d\d[.-]",
    "multi S01E01E02": r"S\d\dE\d\dE\d\d",
    "multi S01E01-E03": r"S\d\dE\d\d-E\d\d",
    "multi S01E01-03": r"S\d\dE\d\d-\d\d[. ]",
    "regional show": r"^TV2/.*\.(US|UK)\.(\d{4}\.)?S\d\d",
    "unicode": r"[^\x00-\x7f]",
    "apostrophe": r"'",
    "ampersand": r" & ",
    "colon as dash": r"^Movies/[^/(]+ - [^/(]+ \(\d{4}\)",
    "leading dash": r"(^|/)-",
    "year in title": r"^Movies/[^/]*\d{4} \(\d{4}\)",
    "hidden .DS_Store": r"(^|/)\.DS_Store$",
    "AppleDouble": r"/\._[^/]+\.(mkv|mp4|m4v|avi)$",
    "partial .part": r"\.part$",
    "partial .!qB": r"\.!qB$",
    "partial .crdownload": r"\.crdownload$",
    "sample file": r"-sample\.\w+$",
    "Sample folder": r"/Sample/",
    "trailer": r"-trailer\.mp4$",
    "Extras folder": r"/Extras/",
    "Featurettes folder": r"/Featurettes/",
    "nfo": r"\.nfo$",
    "subtitles": r"\.srt$",
    "poster": r"/poster\.jpg$",
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_naming_variety_appears(tmp_path, seed):
    make_library(tmp_path / "nas", 300, seed=seed)
    paths = list(walk(tmp_path / "nas"))
    missing = [name for name, pattern in VARIETIES.items() if not any(re.search(pattern, p) for p in paths)]
    assert not missing


def test_several_versions_of_one_film_in_one_folder(small):
    _, stats = small
    per_folder = defaultdict(set)
    for video in stats.videos:
        if video.path.startswith("Movies/"):
            per_folder[video.path.rsplit("/", 1)[0]].add(video.resolution)
    assert any(len(resolutions) >= 2 for resolutions in per_folder.values())


def test_refuses_a_directory_that_holds_files(tmp_path):
    (tmp_path / "nas").mkdir()
    make_library(tmp_path / "nas", 3)  # an empty existing directory is fine
    with pytest.raises(LibraryNotEmpty, match="not empty"):
        make_library(tmp_path / "nas", 3)
    with pytest.raises(LibraryNotEmpty):
        make_demo_library(tmp_path / "nas")


def test_demo_library(demo):
    root, stats = demo
    files = walk(root)
    assert {p for p in files if catalogable(p)} == {v.path for v in stats.videos}
    assert 300 <= stats.video_files <= 600 and stats.movies >= 40 and stats.shows >= 15
    assert all(st.st_blocks * 512 <= 64 * 1024 for st in files.values())
    by_path = {v.path: v for v in stats.videos}

    matrix = sorted(p for p, v in by_path.items() if v.title == "The Matrix")
    assert [p.split("/")[0] for p in matrix] == ["Movies", "Movies2"]
    assert files[matrix[0]].st_size == files[matrix[1]].st_size
    assert head(root, matrix[0]) == head(root, matrix[1]) and tail(root, matrix[0]) == tail(root, matrix[1])

    heat = sorted(p for p, v in by_path.items() if v.title == "Heat")
    assert files[heat[0]].st_size == files[heat[1]].st_size and head(root, heat[0]) == head(root, heat[1])
    assert tail(root, heat[0]) != tail(root, heat[1])  # the near-duplicate trap
    assert stats.duplicate_files == 1

    breaking_bad = defaultdict(set)
    for v in stats.videos:
        if v.title == "Breaking Bad":
            breaking_bad[v.path.split("/")[0]].add(v.season)
    assert breaking_bad == {"TV": {1, 2, 3}, "TV2": {4, 5}}

    assert any(p.startswith("TV/Doctor Who (2005)/Season 00/") for p in by_path)
    assert any(p.startswith("TV2/The.Office.US.S03") for p in by_path)
    assert "Movies/Amélie (2001)/Amélie (2001).mkv" in by_path
    leon = [p for p in by_path if unicodedata.normalize("NFC", p).startswith("Movies/Léon")]
    assert leon and unicodedata.is_normalized("NFD", leon[0])  # as a Mac client leaves it
    assert any(p.startswith("Movies/-30- (1959)/") for p in by_path)
    assert any(re.search(r"/Sample/", p) for p in files) and any(p.endswith("-trailer.mp4") for p in files)


def test_demo_is_the_same_every_time(tmp_path, demo):
    root, stats = demo
    again = make_demo_library(tmp_path / "again")
    assert again == stats and again.videos == stats.videos
    assert sorted(walk(tmp_path / "again")) == sorted(walk(root))


def test_script_makes_a_library_from_any_directory(tmp_path):
    script = REPO / "scripts" / "make-library"
    done = subprocess.run([sys.executable, script, "nas", "40", "--seed", "3"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "40 video files" in done.stdout and " s" in done.stdout
    again = subprocess.run([script, "nas", "40"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "not empty" in again.stderr
