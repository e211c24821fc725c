"""Generate realistic, sparse NAS media trees (Plex and scene naming) for tests, demos and benchmarks.

    make_library(root, 100_000, seed=7)  # a big random library, the same for the same seed
    make_demo_library(root)              # a few hundred well-known titles, the same every time

The tree has four shares, `Movies/` and `TV/` named the Plex way, `Movies2/` and `TV2/` named the
scene way, dressed with the clutter a real NAS gathers: samples, trailers, extras, subtitles, artwork,
.nfo files, macOS and Synology droppings, half-finished downloads. Only real video files count
toward N; `LibraryStats.videos` says what each of them is, so scanner and parser tests have ground
truth. The clutter a correct scanner skips: names starting with "." and `@eaDir/`, files under
`Sample/` or a Plex extras folder (Extras, Featurettes, Behind The Scenes, Deleted Scenes,
Interviews), names ending in `-sample` or `-trailer`, partial downloads (`.part`, `.!qB`,
`.crdownload`) and anything that is not a video.

Files are sparse: each gets a few distinct bytes at the start (a container magic and its own key) and
is truncated to a plausible size, so 100,000 "films" (500 TB apparent) take well under 1 GB of disk.
Byte-identical files exist only on purpose (the same film copied into Movies and Movies2); the demo
also holds one same-size, same-head pair that differs only in its last bytes, the trap for a
duplicate finder that trusts a head hash.
"""

from __future__ import annotations

import os
import random
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Callable, Iterable

from plexsh.errors import PlexError

SHARES = ("Movies", "Movies2", "TV", "TV2")
MOVIE_FRACTION = 0.3  # of the video files; the rest are episodes, as on most home servers

MB = 1_000_000
GB = 1_000_000_000

# Apparent sizes by resolution; a remux sits at the top of its range.
MOVIE_SIZES = {"480p": (700 * MB, 1_600 * MB), "720p": (1 * GB, 5 * GB),
               "1080p": (2 * GB, 16 * GB), "2160p": (14 * GB, 60 * GB)}
EPISODE_SIZES = {"480p": (150 * MB, 450 * MB), "720p": (300 * MB, 1_400 * MB),
                 "1080p": (700 * MB, 3 * GB), "2160p": (1_800 * MB, 4 * GB)}
# Deliberate duplicates stay small so a full-hash check of them takes seconds, not minutes.
DUPLICATE_MAX_SIZE = 2_500 * MB

# A container magic first, so tools that sniff content see the format the extension claims.
_MAGIC = {
    ".mkv": b"\x1a\x45\xdf\xa3",
    ".mp4": b"\x00\x00\x00\x18ftypmp42",
    ".m4v": b"\x00\x00\x00\x18ftypM4V ",
    ".avi": b"RIFF\x00\x00\x00\x00AVI LIST",
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    ".mp3": b"ID3\x03\x00",
}


class LibraryNotEmpty(PlexError):
    """The target directory already holds files; generating there would mix two libraries."""


@dataclass(frozen=True)
class FakeVideo:
    """Ground truth for one file a correct scanner should catalog.

    `year` is set only when the file's path carries it; `episodes` holds more than one number for a
    multi-episode file. `title` is the movie title or the show name as a person would write it.
    """

    path: str  # relative to the library root, '/'-separated
    kind: str  # "movie" or "episode"
    title: str
    year: int | None
    resolution: str
    size: int
    edition: str | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    episode_title: str | None = None


@dataclass
class LibraryStats:
    """What a generator made. `video_files` equals N; `ignored` breaks `ignored_files` down by reason."""

    video_files: int = 0
    movie_files: int = 0
    movies: int = 0  # distinct (title, year)
    shows: int = 0
    episodes_files: int = 0
    episodes: int = 0  # episodes those files hold; a multi-episode file holds several
    duplicate_files: int = 0  # redundant byte-identical copies, all deliberate
    ignored_files: int = 0
    bytes_apparent: int = 0  # every file, videos and clutter
    ignored: dict[str, int] = field(default_factory=dict)
    videos: tuple[FakeVideo, ...] = field(default=(), repr=False, compare=False)

    def summary(self) -> str:
        """One line for humans, e.g. for `scripts/make-library`."""
        return (f"{self.video_files:,} video files ({self.movie_files:,} movie files of "
                f"{self.movies:,} movies, {self.episodes_files:,} episode files of {self.shows:,} shows), "
                f"{self.duplicate_files:,} deliberate duplicates, {self.ignored_files:,} ignored files, "
                f"{_human_bytes(self.bytes_apparent)} apparent")


def make_library(root: Path, n_files: int, seed: int = 0) -> LibraryStats:
    """Write a random library of exactly `n_files` catalogable video files under `root`.

    About 30% movie files and 70% episode files, deterministic for a seed. `root` must be missing or
    empty (else LibraryNotEmpty). Every naming variety appears once N is a few hundred.
    """
    if n_files < 0:
        raise ValueError(f"n_files must be >= 0, not {n_files}")
    root = Path(root)
    _require_empty(root)
    rng = random.Random(seed)
    plan = _Plan()
    forge = _TitleForge(rng)
    movie_budget = round(n_files * MOVIE_FRACTION)
    _plan_random_movies(plan, rng, forge, movie_budget)
    _plan_random_shows(plan, rng, forge, n_files - movie_budget)
    _add_clutter_kit(plan, rng)
    return _write(root, plan)


def movie_titles(count: int, seed: int = 0) -> list[tuple[str, int]]:
    """`count` distinct plausible (title, year) pairs, for catalogs built at a scale no real library has."""
    forge = _TitleForge(random.Random(seed))
    return [forge.movie() for _ in range(count)]


def make_demo_library(root: Path) -> LibraryStats:
    """Write the fixed demo library (well-known films and shows in every naming variety) under `root`."""
    root = Path(root)
    _require_empty(root)
    plan = _Plan()
    _plan_demo(plan, random.Random(1999))
    return _write(root, plan)


# --- planning -------------------------------------------------------------------------------------

@dataclass
class _File:
    path: str
    size: int
    head: bytes
    tail: bytes = b""


class _Plan:
    """The files to write and the ground truth about them, built before anything touches the disk."""

    def __init__(self) -> None:
        self.files: list[_File] = []
        self.videos: list[FakeVideo] = []
        self.ignored: Counter[str] = Counter()
        self.duplicates = 0
        self._taken: set[str] = set()

    def video(self, video: FakeVideo, *, same_as: _File | None = None, tail: bytes = b"") -> _File:
        """Plan a catalogable file.

        `same_as` copies another file's size and head: a byte-identical duplicate, unless `tail` makes
        the last bytes differ (a near-duplicate that only a full hash tells apart).
        """
        if same_as is not None:
            planned = _File(video.path, same_as.size, same_as.head, tail or same_as.tail)
            if planned.tail == same_as.tail:
                self.duplicates += 1
        else:
            planned = _File(video.path, video.size, _head(video.path), tail)
        if not self._claim(video.path):
            raise AssertionError(f"fakelib planned {video.path!r} twice")
        if len(video.path) > 200 and max(len(part.encode()) for part in video.path.split("/")) > 255:
            raise AssertionError(f"fakelib planned a name too long for most filesystems: {video.path!r}")
        self.files.append(planned)
        self.videos.append(video if video.size == planned.size else replace(video, size=planned.size))
        return planned

    def clutter(self, path: str, reason: str, size: int = 0, text: str | None = None) -> None:
        """Plan a file a scanner must skip; a name already taken is quietly dropped."""
        if not self._claim(path):
            return
        # Text clutter is stamped with its path too, so no two clutter files are byte-identical by chance.
        head = (text + f"[{path}]\n").encode() if text is not None else _head(path)
        self.files.append(_File(path, max(size, len(head)), head))
        self.ignored[reason] += 1

    def _claim(self, path: str) -> bool:
        # Casefolded because NAS shares are usually reached over SMB, which ignores case.
        key = unicodedata.normalize("NFC", path).casefold()
        if key in self._taken:
            return False
        self._taken.add(key)
        return True

    def stats(self) -> LibraryStats:
        movies = [v for v in self.videos if v.kind == "movie"]
        episodes = [v for v in self.videos if v.kind == "episode"]
        return LibraryStats(
            video_files=len(self.videos),
            movie_files=len(movies),
            movies=len({(_title_key(v.title), v.year) for v in movies}),
            shows=len({_title_key(v.title) for v in episodes}),
            episodes_files=len(episodes),
            episodes=sum(len(v.episodes) for v in episodes),
            duplicate_files=self.duplicates,
            ignored_files=sum(self.ignored.values()),
            bytes_apparent=sum(f.size for f in self.files),
            ignored=dict(sorted(self.ignored.items())),
            videos=tuple(self.videos),
        )


def _head(path: str) -> bytes:
    """The first bytes of a file: its format's magic, then its own path, which keeps every file distinct."""
    suffix = os.path.splitext(path)[1].lower()
    return _MAGIC.get(suffix, b"") + b"\nplexsh fake media: " + path.encode("utf-8") + b"\n"


# --- writing --------------------------------------------------------------------------------------

def _require_empty(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise LibraryNotEmpty(f"{root} exists and is not a directory", "pick a new or empty directory")
    if root.is_dir() and any(os.scandir(root)):
        raise LibraryNotEmpty(f"{root} is not empty", "pick a new or empty directory")


def _write(root: Path, plan: _Plan) -> LibraryStats:
    root.mkdir(parents=True, exist_ok=True)
    base = os.fspath(root)
    # Creating entries waits on the disk far more than on Python, so a few threads overlap the waits.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for level in _folders_by_depth(planned.path.rpartition("/")[0] for planned in plan.files):
            _run_batched(pool, level, lambda batch: [os.mkdir(os.path.join(base, folder)) for folder in batch])
        _run_batched(pool, plan.files, lambda batch: _write_files(base, batch))
    return plan.stats()


def _folders_by_depth(folders: Iterable[str]) -> list[list[str]]:
    """Every folder and its ancestors, shallowest first, so each level can be made once its parents exist."""
    every: set[str] = set()
    for folder in folders:
        while folder and folder not in every:
            every.add(folder)
            folder = folder.rpartition("/")[0]
    levels: dict[int, list[str]] = {}
    for folder in sorted(every):
        levels.setdefault(folder.count("/"), []).append(folder)
    return [levels[depth] for depth in sorted(levels)]


def _run_batched(pool: ThreadPoolExecutor, items: list, work: Callable[[list], object], size: int = 512) -> None:
    for _ in pool.map(work, [items[i:i + size] for i in range(0, len(items), size)]):
        pass  # iterating re-raises the first error a worker hit


def _write_files(base: str, files: list[_File]) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for planned in files:
        fd = os.open(os.path.join(base, planned.path), flags, 0o644)
        try:
            os.write(fd, planned.head)
            if planned.tail:
                os.pwrite(fd, planned.tail, planned.size - len(planned.tail))
            else:
                os.ftruncate(fd, planned.size)  # a hole: apparent size without disk blocks
        finally:
            os.close(fd)


# --- naming ---------------------------------------------------------------------------------------

def _plex_safe(name: str) -> str:
    """A name as Plex-minded tools write it on an SMB share: colons become dashes, forbidden chars go.

    >>> _plex_safe("Léon: The Professional")
    'Léon - The Professional'
    >>> _plex_safe("12:00 A.M.-1:00 A.M.")
    '12-00 A.M.-1-00 A.M.'
    >>> _plex_safe("What About Bob?")
    'What About Bob'
    """
    name = name.replace(": ", " - ").replace(":", "-")
    return re.sub(r'[<>"/\\|?*]', "", name).strip()


@lru_cache(maxsize=8192)
def _scene_title(title: str) -> str:
    """A title the way release groups write it: ASCII, dotted, no apostrophes or commas.

    >>> _scene_title("Schindler's List")
    'Schindlers.List'
    >>> _scene_title("Amélie")
    'Amelie'
    >>> _scene_title("Fast & Furious")
    'Fast.and.Furious'
    >>> _scene_title("Spider-Man: Into the Spider-Verse")
    'Spider-Man.Into.the.Spider-Verse'
    >>> _scene_title("The Office (US)")
    'The.Office.US'
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = ascii_title.replace("&", " and ")
    ascii_title = re.sub(r"[^A-Za-z0-9 .\-]", "", ascii_title)
    words = [w.strip("-") for w in re.split(r"[ .]+", ascii_title)]
    return ".".join(w for w in words if w)


@lru_cache(maxsize=8192)
def _title_key(title: str) -> str:
    """What makes two titles the same to a person or a parser: letters and digits, folded."""
    return re.sub(r"[^a-z0-9]", "", _scene_title(title).lower())


def _episode_code(season: int, episodes: tuple[int, ...], multi_form: str = "E01E02") -> str:
    """`S01E05`; a multi-episode file in one of the forms found in the wild.

    >>> _episode_code(1, (1, 2)), _episode_code(1, (1, 2, 3), "E01-E03"), _episode_code(1, (1, 2, 3), "E01-03")
    ('S01E01E02', 'S01E01-E03', 'S01E01-03')
    """
    first, last = episodes[0], episodes[-1]
    if len(episodes) == 1:
        return f"S{season:02}E{first:02}"
    if multi_form == "E01-E03":
        return f"S{season:02}E{first:02}-E{last:02}"
    if multi_form == "E01-03":
        return f"S{season:02}E{first:02}-{last:02}"
    return f"S{season:02}" + "".join(f"E{e:02}" for e in episodes)


def _human_bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def _size(rng: random.Random, kind: str, resolution: str, top: bool = False) -> int:
    lo, hi = (MOVIE_SIZES if kind == "movie" else EPISODE_SIZES)[resolution]
    if top:
        lo = hi - (hi - lo) * 2 // 5
    return rng.randrange(lo, hi)


@dataclass(frozen=True)
class _Release:
    """Scene release tags: `tags` follow the title (resolution first), `group` after the dash."""

    resolution: str
    tags: tuple[str, ...]
    group: str
    ext: str
    remux: bool = False

    @property
    def source(self) -> str:
        return next((t for t in self.tags if t in _SOURCES), "WEB-DL")

    @property
    def codec(self) -> str:
        return next((t for t in self.tags if t in _CODECS), "x264")


_SOURCES = {"BluRay", "WEB-DL", "WEBRip", "HDTV", "DVDRip", "BRRip"}
_CODECS = {"x264", "x265", "H.264", "H.265", "HEVC", "AVC", "XviD"}


def _release(rng: random.Random, resolution: str, kind: str, variant: str | None = None) -> _Release:
    """Plausible tags for a release at this resolution; `variant` forces bluray/remux/web/webrip/dvdrip/hdtv."""
    variant = variant or _pick_variant(rng, resolution, kind)
    group = rng.choice(_GROUPS_OLD if variant in ("dvdrip", "hdtv") else _GROUPS)
    if variant == "remux":
        if resolution == "2160p":
            audio = rng.choice(["DTS-HD.MA.7.1", "TrueHD.7.1.Atmos"])
            return _Release(resolution, (resolution, "UHD", "BluRay", "REMUX", "HEVC", audio), group, ".mkv", True)
        audio = rng.choice(["DTS-HD.MA.5.1", "TrueHD.5.1", "FLAC.2.0"])
        return _Release(resolution, (resolution, "BluRay", "REMUX", "AVC", audio), group, ".mkv", True)
    if variant == "bluray":
        codec = "x265" if resolution == "2160p" else rng.choice(["x264", "x264", "x265"])
        extra = rng.choice([(), (), ("DTS",), ("AAC5.1",), ("DD5.1",)])
        return _Release(resolution, (resolution, "BluRay", *extra, codec), group, ".mkv")
    if variant == "web":
        service = rng.choice(["", "", "AMZN", "NF", "ATVP", "DSNP", "HMAX", "HULU"])
        audio = rng.choice(["DDP5.1", "DDP5.1", "DDP5.1.Atmos", "DD5.1", "AAC2.0"])
        hdr = rng.choice([(), ("HDR",), ("DV",)]) if resolution == "2160p" else ()
        codec = "H.265" if resolution == "2160p" or rng.random() < 0.15 else "H.264"
        tags = (resolution, *((service,) if service else ()), "WEB-DL", audio, *hdr, codec)
        return _Release(resolution, tags, group, ".mkv")
    if variant == "webrip":
        codec = rng.choice(["x264", "x265"])
        ext = rng.choice([".mkv", ".mkv", ".mp4"])
        return _Release(resolution, (resolution, "WEBRip", codec, "AAC"), group, ext)
    if variant == "hdtv":
        if resolution == "480p":
            return _Release(resolution, ("HDTV", "XviD"), group, ".avi")
        return _Release(resolution, (resolution, "HDTV", "x264"), group, ".mkv")
    # dvdrip: SD releases rarely name their resolution
    if rng.random() < 0.6:
        return _Release("480p", ("DVDRip", "XviD"), group, ".avi")
    return _Release("480p", ("DVDRip", "x264"), group, ".mkv")


def _pick_variant(rng: random.Random, resolution: str, kind: str) -> str:
    if resolution == "480p":
        return "dvdrip" if kind == "movie" else rng.choice(["hdtv", "hdtv", "dvdrip"])
    if resolution == "720p":
        choices = ["bluray", "web", "webrip"] + (["hdtv", "hdtv"] if kind == "episode" else [])
        return rng.choice(choices)
    if resolution == "1080p":
        if kind == "movie":
            return rng.choices(["bluray", "web", "webrip", "remux"], [40, 40, 12, 8])[0]
        return rng.choices(["web", "bluray", "webrip", "hdtv"], [60, 25, 10, 5])[0]
    return rng.choices(["web", "remux", "bluray"], [50, 30 if kind == "movie" else 5, 20])[0]


def _pick_resolution(rng: random.Random, kind: str) -> str:
    weights = [8, 20, 52, 20] if kind == "movie" else [15, 30, 45, 10]
    return rng.choices(["480p", "720p", "1080p", "2160p"], weights)[0]


# --- movies ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Movie:
    title: str
    year: int
    edition: str | None = None
    imdb: str | None = None

    @property
    def plex_name(self) -> str:
        name = f"{_plex_safe(self.title)} ({self.year})"
        if self.edition:
            name += f" {{edition-{self.edition}}}"
        if self.imdb:
            name += f" {{imdb-{self.imdb}}}"
        return name


def _plex_movie(plan: _Plan, rng: random.Random, movie: _Movie, resolutions: tuple[str, ...] = ("1080p",),
                *, quality_tag: bool = False, parts: int = 0, loose: bool = False, ext: str | None = None,
                size: int | None = None, dressed: bool = True, nfd: bool = False) -> list[_File]:
    """`Movies/Title (Year)/Title (Year).mkv`, with quality tags, several versions or `- pt1` parts.

    `nfd` writes the path in decomposed Unicode, as a Mac client leaves it on a share.
    """
    folder_name = movie.plex_name
    folder = "Movies" if loose else f"Movies/{folder_name}"
    if nfd:
        folder = unicodedata.normalize("NFD", folder)
        folder_name = unicodedata.normalize("NFD", folder_name)
    tagged = quality_tag or len(resolutions) > 1
    made: list[_File] = []
    for resolution in resolutions:
        suffix = ext or _plex_ext(rng, resolution)
        stems = [f"{folder_name} - {resolution}" if tagged else folder_name]
        if parts:
            stems = [f"{stems[0]} - pt{i}" for i in range(1, parts + 1)]
        for stem in stems:
            path = f"{folder}/{stem}{suffix}"
            file_size = size or _size(rng, "movie", resolution)
            made.append(plan.video(FakeVideo(path, "movie", movie.title, movie.year, resolution, file_size,
                                             edition=movie.edition)))
            if dressed:
                _dress_video(plan, rng, folder, stem, suffix)
    if dressed and not loose:
        _dress_plex_movie_folder(plan, rng, folder, folder_name)
    return made


def _plex_ext(rng: random.Random, resolution: str) -> str:
    if resolution == "480p":
        return rng.choice([".avi", ".mkv", ".mp4"])
    return rng.choices([".mkv", ".mp4", ".m4v"], [80, 17, 3])[0]


def _scene_movie(plan: _Plan, rng: random.Random, movie: _Movie, release: _Release, *, style: str = "dots",
                 in_folder: bool = False, edition_tag: str | None = None, same_as: _File | None = None,
                 tail: bytes = b"", dressed: bool = True) -> _File:
    """`Movies2/Title.Year.1080p.BluRay.x264-GRP.mkv`, loose or in a release folder; other styles:

    spaces: `Title Year 720p WEB-DL H264.mp4`; yts: `Title (Year) [1080p] [BluRay] [5.1] [YTS.MX]/...mp4`.
    """
    if style == "spaces":
        codec = release.codec.replace(".", "")
        stem = f"{_plex_safe(movie.title)} {movie.year} {release.resolution} {release.source} {codec}"
        ext = ".mp4" if release.ext == ".mkv" else release.ext
        folder = f"Movies2/{stem}" if in_folder else "Movies2"
    elif style == "yts":
        release_name = f"{_plex_safe(movie.title)} ({movie.year}) [{release.resolution}] [BluRay] [5.1] [YTS.MX]"
        folder = f"Movies2/{release_name}"
        stem = f"{_scene_title(movie.title)}.{movie.year}.{release.resolution}.BluRay.x264.AAC5.1-[YTS.MX]"
        ext = ".mp4"
    else:
        words = [_scene_title(movie.title), str(movie.year), *((edition_tag,) if edition_tag else ()), *release.tags]
        stem = ".".join(words) + f"-{release.group}"
        ext = release.ext
        folder = f"Movies2/{stem}" if in_folder else "Movies2"
    if same_as is not None:
        ext = os.path.splitext(same_as.path)[1]
    path = f"{folder}/{stem}{ext}"
    size = _size(rng, "movie", release.resolution, top=release.remux)
    made = plan.video(FakeVideo(path, "movie", movie.title, movie.year, release.resolution, size,
                                edition=movie.edition), same_as=same_as, tail=tail)
    if dressed:
        if folder != "Movies2":
            _dress_release_folder(plan, rng, folder, stem, ext)
        elif rng.random() < 0.03:
            plan.clutter(f"{folder}/{stem}-sample{ext}", "sample", rng.randrange(20 * MB, 150 * MB))
    return made


def _plan_random_movies(plan: _Plan, rng: random.Random, forge: _TitleForge, budget: int) -> None:
    styles, weights = zip(*_MOVIE_STYLE_WEIGHTS.items())
    count = 0
    while budget > 0:
        style = _MOVIE_STYLE_ROTATION[count] if count < len(_MOVIE_STYLE_ROTATION) else rng.choices(styles, weights)[0]
        if _MOVIE_STYLE_FILES.get(style, 1) > budget:
            style = "plex"
        budget -= _random_movie(plan, rng, forge, style, budget)
        count += 1


_MOVIE_STYLE_WEIGHTS = {
    "plex": 30, "plex_quality": 16, "plex_edition": 4, "plex_versions": 4, "plex_loose": 4, "plex_imdb": 3,
    "plex_parts": 1, "scene_folder": 17, "scene_loose": 10, "scene_remux": 2, "scene_spaces": 4, "scene_yts": 4,
    "duplicate": 1,
}
# The first movies walk through every style, so even a small library shows them all.
_MOVIE_STYLE_ROTATION = ("duplicate", "plex_versions", "plex_edition", "scene_remux", "scene_spaces", "plex_quality",
                         "scene_folder", "scene_loose", "plex", "plex_loose", "scene_yts", "plex_parts", "plex_imdb")
_MOVIE_STYLE_FILES = {"duplicate": 2, "plex_versions": 2, "plex_parts": 2}


def _random_movie(plan: _Plan, rng: random.Random, forge: _TitleForge, style: str, budget: int) -> int:
    """Plan one film in `style`; returns how many video files it took."""
    title, year = forge.movie()
    resolution = _pick_resolution(rng, "movie")
    if style == "duplicate":
        resolution = rng.choice(["720p", "1080p"])
        movie = _Movie(title, year)
        size = min(_size(rng, "movie", resolution), DUPLICATE_MAX_SIZE)
        original = _plex_movie(plan, rng, movie, (resolution,), quality_tag=rng.random() < 0.5, ext=".mkv", size=size)
        release = _release(rng, resolution, "movie", "bluray")
        _scene_movie(plan, rng, movie, release, in_folder=rng.random() < 0.6, same_as=original[0])
        return 2
    if style == "plex_versions":
        count = 3 if budget >= 3 and rng.random() < 0.2 else 2
        resolutions = tuple(sorted(rng.sample(["720p", "1080p", "2160p"], count), key=lambda r: int(r[:-1])))
        return len(_plex_movie(plan, rng, _Movie(title, year), resolutions))
    if style == "plex_parts":
        return len(_plex_movie(plan, rng, _Movie(title, year), (rng.choice(["480p", "720p"]),), parts=2))
    if style == "plex_edition":
        movie = _Movie(title, year, edition=rng.choice(_EDITIONS))
        return len(_plex_movie(plan, rng, movie, (resolution,), quality_tag=rng.random() < 0.3))
    if style == "plex_imdb":
        return len(_plex_movie(plan, rng, _Movie(title, year, imdb=f"tt{rng.randrange(100_000, 9_999_999):07}"),
                               (resolution,)))
    if style in ("plex", "plex_quality", "plex_loose"):
        return len(_plex_movie(plan, rng, _Movie(title, year), (resolution,), quality_tag=style == "plex_quality",
                               loose=style == "plex_loose"))
    movie = _Movie(title, year)
    if style == "scene_remux":
        release = _release(rng, "2160p", "movie", "remux")
        _scene_movie(plan, rng, movie, release, in_folder=rng.random() < 0.5)
    elif style == "scene_spaces":
        release = _release(rng, rng.choice(["720p", "1080p"]), "movie", rng.choice(["web", "webrip", "bluray"]))
        _scene_movie(plan, rng, movie, release, style="spaces", in_folder=rng.random() < 0.3)
    elif style == "scene_yts":
        _scene_movie(plan, rng, movie, _release(rng, rng.choice(["720p", "1080p"]), "movie", "bluray"), style="yts")
    else:
        edition_tag = rng.choice(list(_SCENE_EDITIONS)) if rng.random() < 0.05 else None
        if edition_tag:
            movie = _Movie(title, year, edition=_SCENE_EDITIONS[edition_tag])
        _scene_movie(plan, rng, movie, _release(rng, resolution, "movie"), in_folder=style == "scene_folder",
                     edition_tag=edition_tag)
    return 1


# --- shows ----------------------------------------------------------------------------------------

@dataclass
class _Season:
    number: int
    files: list[tuple[int, ...]]  # episode numbers per file
    resolution: str
    titles: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Show:
    title: str
    year: int


def _plex_season(plan: _Plan, rng: random.Random, show: _Show, season: _Season, *, with_year: bool = False,
                 padded: bool = True, specials_dir: str = "Season 00", form: str = "titled",
                 dressed: bool = True) -> None:
    """`TV/Show (Year)/Season 01/Show (Year) - S01E01 - Title.mkv`; forms titled/bare/sonarr/lower."""
    show_name = f"{_plex_safe(show.title)} ({show.year})" if with_year else _plex_safe(show.title)
    if season.number == 0:
        season_dir = specials_dir
    else:
        season_dir = f"Season {season.number:02}" if padded else f"Season {season.number}"
    folder = f"TV/{show_name}/{season_dir}"
    ext = ".avi" if season.resolution == "480p" and rng.random() < 0.5 else ".mkv"
    quality = rng.choice(["WEBDL", "Bluray", "HDTV"]) + f"-{season.resolution}"
    for episodes in season.files:
        code = _episode_code(season.number, episodes, "E01-E03")
        episode_title = season.titles.get(episodes[0])
        if len(episodes) > 1 and episodes[-1] in season.titles:
            joined = " + ".join(season.titles.get(e, f"Episode {e}") for e in episodes)
            episode_title = joined if len(joined) <= 80 else episode_title  # Sonarr's style, within name limits
        title_part = f" - {_plex_safe(episode_title)}" if episode_title else ""
        if form == "bare" or not title_part:
            stem = f"{show_name} - {code}"
        elif form == "sonarr":
            stem = f"{show_name} - {code}{title_part} [{quality}]"
        elif form == "lower":
            stem = f"{show_name} - {code.lower()}{title_part}"
        else:
            stem = f"{show_name} - {code}{title_part}"
        size = _size(rng, "episode", season.resolution) * len(episodes)
        plan.video(FakeVideo(f"{folder}/{stem}{ext}", "episode", show.title, show.year if with_year else None,
                             season.resolution, size, season=season.number, episodes=episodes,
                             episode_title=episode_title))
        if dressed:
            _dress_video(plan, rng, folder, stem, ext, episode=True)
    if dressed:
        if rng.random() < 0.03:
            plan.clutter(f"{folder}/.DS_Store", "hidden", 6148)
        if rng.random() < 0.1 and season.number:
            plan.clutter(f"{folder}/Season{season.number:02}.jpg", "artwork", rng.randrange(80_000, 600_000))


def _dress_plex_show(plan: _Plan, rng: random.Random, show: _Show, with_year: bool) -> None:
    folder = f"TV/{_plex_safe(show.title)} ({show.year})" if with_year else f"TV/{_plex_safe(show.title)}"
    if rng.random() < 0.5:
        plan.clutter(f"{folder}/poster.jpg", "artwork", rng.randrange(150_000, 900_000))
    if rng.random() < 0.25:
        plan.clutter(f"{folder}/fanart.jpg", "artwork", rng.randrange(300_000, 2_000_000))
    if rng.random() < 0.25:
        plan.clutter(f"{folder}/tvshow.nfo", "nfo", text=_nfo_text(show.title))
    if rng.random() < 0.05:
        plan.clutter(f"{folder}/theme.mp3", "audio", rng.randrange(500_000, 4_000_000))
    if rng.random() < 0.04:
        plan.clutter(f"{folder}/.DS_Store", "hidden", 6148)
    if rng.random() < 0.03:
        _add_extras(plan, rng, folder)


def _scene_season(plan: _Plan, rng: random.Random, show: _Show, season: _Season, release: _Release, *,
                  layout: str = "showdir", form: str = "dots", multi_form: str = "E01E02", with_year: bool = False,
                  showdir_name: str | None = None, dressed: bool = True) -> None:
    """Episodes the way downloads land in `TV2/`.

    layout: pack (`Show.S02.1080p...-GRP/`), showdir (`Show Name/`), release (a folder per episode), loose.
    form: dots (`Show.Name.S02E05.1080p.WEB-DL...-GRP.mkv`), nxnn (`show.name.2x05.hdtv.xvid.avi`),
    spaces (`Show Name S02E05 1080p WEB-DL H264.mp4`).
    """
    scene_show = _scene_title(show.title) + (f".{show.year}" if with_year else "")
    tags = ".".join(release.tags)
    if layout == "pack":
        pack_folder = f"TV2/{scene_show}.S{season.number:02}.{tags}-{release.group}"
        if dressed and rng.random() < 0.5:
            plan.clutter(f"{pack_folder}/{scene_show}.S{season.number:02}.{tags}-{release.group}.nfo", "nfo",
                         text=_nfo_text(show.title))
    for episodes in season.files:
        if form == "nxnn":
            code = f"{season.number}x{episodes[0]:02}" + (f"-{episodes[-1]:02}" if len(episodes) > 1 else "")
            stem = f"{scene_show.lower()}.{code}.{tags.lower()}"
            stem += f"-{release.group.lower()}" if release.group and rng.random() < 0.5 else ""
            ext = release.ext
        elif form == "spaces":
            code = _episode_code(season.number, episodes, multi_form)
            plain = _plex_safe(show.title) + (f" {show.year}" if with_year else "")
            stem = f"{plain} {code} {release.resolution} {release.source} {release.codec.replace('.', '')}"
            ext = ".mp4" if release.ext == ".mkv" else release.ext
        else:
            stem = f"{scene_show}.{_episode_code(season.number, episodes, multi_form)}.{tags}-{release.group}"
            ext = release.ext
        if layout == "pack":
            folder = pack_folder
        elif layout == "showdir":
            folder = f"TV2/{showdir_name or _plex_safe(show.title)}"
        elif layout == "release":
            folder = f"TV2/{stem}"
        else:
            folder = "TV2"
        size = _size(rng, "episode", release.resolution) * len(episodes)
        plan.video(FakeVideo(f"{folder}/{stem}{ext}", "episode", show.title, show.year if with_year else None,
                             release.resolution, size, season=season.number, episodes=episodes))
        if dressed:
            if layout == "release":
                _dress_release_folder(plan, rng, folder, stem, ext, episode=True)
            elif rng.random() < 0.01:
                plan.clutter(f"{folder}/{stem}-sample{ext}", "sample", rng.randrange(10 * MB, 60 * MB))
    if dressed and rng.random() < 0.04 and season.files:
        following = season.files[-1][-1] + 1
        stem = f"{scene_show}.S{season.number:02}E{following:02}.{tags}-{release.group}"
        _add_partial(plan, rng, "TV2", stem + release.ext, _size(rng, "episode", release.resolution))


def _season_files(rng: random.Random, episode_count: int, multi_rate: float = 0.02, gaps: bool = True,
                  force_multi: bool = False) -> list[tuple[int, ...]]:
    """Episode numbers per file for one season: mostly one each, a few doubles, now and then a gap."""
    missing = rng.randrange(3, episode_count + 1) if gaps and episode_count > 3 and rng.random() < 0.05 else None
    files: list[tuple[int, ...]] = []
    if force_multi and episode_count >= 3:
        files.append((1, 2, 3) if rng.random() < 0.3 and missing is None else (1, 2))  # a double-length pilot
    number = files[0][-1] + 1 if files else 1
    while number <= episode_count:
        if number == missing:
            number += 1
            continue
        width = 1
        if rng.random() < multi_rate and number + 1 <= episode_count and missing not in (number + 1, number + 2):
            width = 3 if rng.random() < 0.15 and number + 2 <= episode_count else 2
        files.append(tuple(range(number, number + width)))
        number += width
    return files


def _plan_random_shows(plan: _Plan, rng: random.Random, forge: _TitleForge, budget: int) -> None:
    styles, weights = zip(*_SHOW_STYLE_WEIGHTS.items())
    count = 0
    while budget > 0:
        early = count < len(_SHOW_ROTATION)
        choice = dict(_SHOW_ROTATION[count]) if early else {"style": rng.choices(styles, weights)[0]}
        title, year = forge.show()
        # Early shows stay short and hold a multi-episode file, so a small library shows every style.
        seasons = _random_seasons(rng, forge, min_seasons=2 if choice["style"] == "split" else 1, short=early,
                                  specials=choice.get("specials_dir") is not None)
        seasons = _trim_to_budget(seasons, budget)
        budget -= sum(len(s.files) for s in seasons)
        _random_show(plan, rng, _Show(title, year), seasons, choice)
        count += 1


_SHOW_STYLE_WEIGHTS = {"plex": 58, "scene": 39, "split": 3}
# The first shows walk through every layout; keys left out are drawn at random.
_SHOW_ROTATION: tuple[dict, ...] = (
    {"style": "split", "with_year": True, "padded": True, "form": "titled", "scene_form": "dots"},
    {"style": "plex", "with_year": False, "padded": False, "form": "titled", "specials_dir": "Specials"},
    {"style": "scene", "scene_form": "dots", "layout": "pack", "multi_form": "E01E02"},
    {"style": "plex", "with_year": True, "padded": True, "form": "sonarr", "specials_dir": "Season 00"},
    {"style": "scene", "scene_form": "nxnn", "layout": "showdir", "multi_form": "E01E02"},
    {"style": "scene", "scene_form": "spaces", "layout": "release", "multi_form": "E01-03"},
    {"style": "plex", "with_year": False, "padded": True, "form": "bare"},
    {"style": "scene", "scene_form": "dots", "layout": "loose", "multi_form": "E01-E03", "scene_year": True},
    {"style": "scene", "scene_form": "dots", "layout": "release", "multi_form": "E01-03"},
)


def _random_seasons(rng: random.Random, forge: _TitleForge, *, min_seasons: int = 1, short: bool = False,
                    specials: bool = False) -> list[_Season]:
    season_count = rng.choice([2, 2, 3] if short else [1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7, 9])
    season_count = max(season_count, min_seasons)
    first = rng.choice([2, 3]) if season_count > 1 and rng.random() < 0.04 else 1  # started collecting late
    seasons = []
    for number in range(first, first + season_count):
        episode_count = rng.choice([6, 6, 8, 10] if short else _EPISODES_PER_SEASON)
        files = _season_files(rng, episode_count, multi_rate=0.03, force_multi=short and number == first)
        titles = {e: forge.episode_title(number, e) for e in range(1, episode_count + 1)}
        seasons.append(_Season(number, files, _pick_resolution(rng, "episode"), titles))
    if specials or rng.random() < 0.12:
        count = rng.randint(1, 4)
        titles = {e: forge.episode_title(0, e) for e in range(1, count + 1)}
        seasons.insert(0, _Season(0, [(e,) for e in range(1, count + 1)], seasons[0].resolution, titles))
    return seasons


_EPISODES_PER_SEASON = [6, 6, 8, 8, 10, 10, 10, 12, 13, 13, 16, 20, 22, 22, 24]


def _trim_to_budget(seasons: list[_Season], budget: int) -> list[_Season]:
    kept: list[_Season] = []
    for season in seasons:
        if budget <= 0:
            break
        season.files = season.files[:budget]
        budget -= len(season.files)
        kept.append(season)
    return kept


def _random_show(plan: _Plan, rng: random.Random, show: _Show, seasons: list[_Season], choice: dict) -> None:
    """Lay one show out in TV/ (Plex), TV2/ (scene) or both; `choice` fixes what the rotation wants."""
    def pick(key: str, draw: Callable[[], object]) -> object:
        value = draw()  # drawn even when fixed, so a rotation entry does not shift later draws
        return choice.get(key, value)

    style = choice["style"]
    plex_seasons, scene_seasons = seasons, []
    if style == "scene":
        plex_seasons, scene_seasons = [], seasons
    elif style == "split":
        # The early seasons were organised into TV/; the later ones still sit in TV2/ as downloaded.
        regular = [s for s in seasons if s.number]
        cut = max(1, len(regular) // 2)
        plex_seasons = [s for s in seasons if not s.number] + regular[:cut]
        scene_seasons = regular[cut:]
    if plex_seasons:
        with_year = pick("with_year", lambda: rng.random() < 0.4)
        padded = pick("padded", lambda: rng.random() < 0.6)
        form = pick("form", lambda: rng.choices(["titled", "bare", "sonarr", "lower"], [55, 20, 20, 5])[0])
        specials_dir = pick("specials_dir", lambda: rng.choice(["Season 00", "Specials"]))
        for season in plex_seasons:
            _plex_season(plan, rng, show, season, with_year=with_year, padded=padded, specials_dir=specials_dir,
                         form=form)
        _dress_plex_show(plan, rng, show, with_year)
    if scene_seasons:
        form = pick("scene_form", lambda: rng.choices(["dots", "nxnn", "spaces"], [75, 13, 12])[0])
        layout = pick("layout", lambda: rng.choices(["pack", "showdir", "release", "loose"], [40, 35, 15, 10])[0])
        if style == "split" or (layout == "loose" and sum(len(s.files) for s in scene_seasons) > 24):
            layout = "showdir"  # a big show dumped loose at the share root would be unusual
        multi_form = pick("multi_form", lambda: rng.choice(["E01E02", "E01-E03", "E01-03"]))
        with_year = pick("scene_year", lambda: rng.random() < 0.1)
        showdir_name = rng.choice([_plex_safe(show.title), _scene_title(show.title)])
        for season in scene_seasons:
            release = _release(rng, season.resolution, "episode")
            _scene_season(plan, rng, show, season, release, layout=layout, form=form, multi_form=multi_form,
                          with_year=with_year, showdir_name=showdir_name)


# --- clutter --------------------------------------------------------------------------------------

def _dress_video(plan: _Plan, rng: random.Random, folder: str, stem: str, ext: str, episode: bool = False) -> None:
    """Sidecars next to one video: subtitles, .nfo, AppleDouble twins, Synology thumbnails."""
    if rng.random() < (0.08 if episode else 0.2):
        plan.clutter(f"{folder}/{stem}.{rng.choice(['en', 'eng', 'en.forced', 'fr', 'de'])}.srt", "subtitle",
                     rng.randrange(30_000, 120_000))
    if not episode and rng.random() < 0.25:
        plan.clutter(f"{folder}/{stem}.nfo", "nfo", text=_nfo_text(stem))
    if rng.random() < (0.01 if episode else 0.02):
        plan.clutter(f"{folder}/._{stem}{ext}", "hidden", 4096)
    if rng.random() < (0.01 if episode else 0.03):
        plan.clutter(f"{folder}/@eaDir/{stem}{ext}/SYNOVIDEO_VIDEO_SCREENSHOT.jpg", "hidden",
                     rng.randrange(20_000, 90_000))


def _dress_plex_movie_folder(plan: _Plan, rng: random.Random, folder: str, base: str) -> None:
    if rng.random() < 0.4:
        plan.clutter(f"{folder}/poster.jpg", "artwork", rng.randrange(150_000, 900_000))
    if rng.random() < 0.2:
        plan.clutter(f"{folder}/fanart.jpg", "artwork", rng.randrange(300_000, 2_000_000))
    if rng.random() < 0.05:
        _add_trailer(plan, rng, folder, base)
    if rng.random() < 0.02:
        _add_sample(plan, rng, folder, base)
    if rng.random() < 0.04:
        _add_extras(plan, rng, folder)
    if rng.random() < 0.04:
        plan.clutter(f"{folder}/.DS_Store", "hidden", 6148)


def _dress_release_folder(plan: _Plan, rng: random.Random, folder: str, stem: str, ext: str,
                          episode: bool = False) -> None:
    """What a scene release folder carries besides the video: .nfo, Sample/, Subs/, a tracker note."""
    if rng.random() < 0.75:
        plan.clutter(f"{folder}/{stem}.nfo", "nfo", text=_nfo_text(stem))
    if rng.random() < (0.25 if episode else 0.35):
        plan.clutter(f"{folder}/Sample/{_sample_name(stem)}{ext}", "sample", rng.randrange(10 * MB, 150 * MB))
    if not episode and rng.random() < 0.1:
        plan.clutter(f"{folder}/Subs/{rng.choice(['English', '2_English', '3_French'])}.srt", "subtitle",
                     rng.randrange(30_000, 120_000))
    if rng.random() < 0.08:
        plan.clutter(f"{folder}/RARBG.txt", "text", text="Torrent downloaded from RARBG\n")


def _sample_name(release: str) -> str:
    """How groups name the sample inside `Sample/`: group, squashed title, `-sample`.

    >>> _sample_name("The.Matrix.1999.1080p.BluRay.x264-SPARKS")
    'sparks-thematrix-sample'
    >>> _sample_name("Show.Name.S02E05.1080p.WEB-DL.DDP5.1.H.264-NTb")
    'ntb-showname.s02e05-sample'
    >>> _sample_name("Gdańsk Palace S01E06 480p DVDRip x264")
    'sample-gdańsk palace s01e06 480p dvdrip x264'
    """
    if " " in release or "-" not in release:
        return f"sample-{release.lower()}"
    group = re.sub(r"[^a-z0-9]", "", release.rpartition("-")[2].lower())
    match = re.search(r"\.((?:19|20)\d\d|S\d\dE\d\d)\.", release)
    title = release[:match.start()] if match else release.partition(".")[0]
    squashed = re.sub(r"[^a-z0-9]", "", title.lower())
    if match and match.group(1).upper().startswith("S"):
        squashed += "." + match.group(1).lower()
    return f"{group}-{squashed}-sample"


def _add_trailer(plan: _Plan, rng: random.Random, folder: str, base: str) -> None:
    plan.clutter(f"{folder}/{base}-trailer.mp4", "trailer", rng.randrange(20 * MB, 300 * MB))


def _add_sample(plan: _Plan, rng: random.Random, folder: str, base: str) -> None:
    plan.clutter(f"{folder}/{base}-sample.mkv", "sample", rng.randrange(20 * MB, 150 * MB))


def _add_extras(plan: _Plan, rng: random.Random, folder: str, kind: str | None = None,
                names: tuple[str, ...] = ()) -> None:
    """A Plex extras folder (Extras/, Featurettes/, Behind The Scenes/ ...) holding a few videos."""
    kind = kind or rng.choice(_EXTRAS_FOLDERS)
    names = names or tuple(rng.sample(_EXTRAS_NAMES, rng.randint(1, 3)))
    for name in names:
        plan.clutter(f"{folder}/{kind}/{name}.mkv", "extra", rng.randrange(30 * MB, 900 * MB))


def _add_partial(plan: _Plan, rng: random.Random, folder: str, file_name: str, full_size: int,
                 suffix: str | None = None) -> None:
    """A download in progress: `.part` (browsers, aria2), `.!qB` (qBittorrent), `.crdownload` (Chrome)."""
    suffix = suffix or rng.choice([".part", ".!qB", ".crdownload"])
    plan.clutter(f"{folder}/{file_name}{suffix}", "partial", rng.randrange(full_size // 20, full_size))


def _add_clutter_kit(plan: _Plan, rng: random.Random) -> None:
    """One of every kind of clutter beside the first items, which chance alone would miss in a small library."""
    plex_foldered = [v for v in plan.videos
                     if v.kind == "movie" and v.path.startswith("Movies/") and v.path.count("/") == 2]
    if plex_foldered:
        folder, _, file_name = plex_foldered[0].path.rpartition("/")
        base = folder.partition("/")[2]
        stem, ext = os.path.splitext(file_name)
        _add_trailer(plan, rng, folder, base)
        _add_sample(plan, rng, folder, base)
        _add_extras(plan, rng, folder, kind="Featurettes")
        plan.clutter(f"{folder}/poster.jpg", "artwork", rng.randrange(150_000, 900_000))
        plan.clutter(f"{folder}/{stem}.nfo", "nfo", text=_nfo_text(stem))
        plan.clutter(f"{folder}/{stem}.en.srt", "subtitle", rng.randrange(30_000, 120_000))
        plan.clutter(f"{folder}/._{stem}{ext}", "hidden", 4096)
        _add_extras(plan, rng, plex_foldered[-1].path.rpartition("/")[0], kind="Extras")
    release_folders = [v.path.rpartition("/")[0] for v in plan.videos
                       if v.path.startswith(("Movies2/", "TV2/")) and v.path.count("/") == 2]
    if release_folders:
        folder = release_folders[0]
        plan.clutter(f"{folder}/Sample/{_sample_name(folder.rpartition('/')[2])}.mkv", "sample",
                     rng.randrange(10 * MB, 150 * MB))
    for share in SHARES:
        if any(v.path.startswith(share + "/") for v in plan.videos):
            plan.clutter(f"{share}/.DS_Store", "hidden", 6148)
    movies = [v for v in plan.videos if v.kind == "movie"]
    for movie, suffix in zip(movies, (".part", ".!qB", ".crdownload")):
        # A better copy of a film the library already holds, still downloading.
        name = f"{_scene_title(movie.title)}.{movie.year}.2160p.WEB-DL.DDP5.1.HDR.H.265-FLUX.mkv"
        _add_partial(plan, rng, "Movies2", name, 20 * GB, suffix)


def _nfo_text(name: str) -> str:
    return f"plexsh fake release notes\n{name}\n" + "=" * 40 + "\n"


_EXTRAS_FOLDERS = ["Extras", "Featurettes", "Featurettes", "Behind The Scenes", "Deleted Scenes", "Interviews"]
_EXTRAS_NAMES = ["Making Of", "Behind the Scenes", "Deleted Scene 1", "Deleted Scene 2", "Gag Reel",
                 "Interview with the Director", "Visual Effects Breakdown", "Costume Design", "Original Score"]
_EDITIONS = ["Director's Cut", "Extended Edition", "Theatrical Cut", "Unrated", "Final Cut", "Special Edition",
             "Remastered", "IMAX", "Ultimate Edition", "Redux"]
_SCENE_EDITIONS = {"EXTENDED": "Extended Edition", "DC": "Director's Cut", "UNRATED": "Unrated",
                   "REMASTERED": "Remastered", "IMAX": "IMAX", "Directors.Cut": "Director's Cut",
                   "THEATRICAL": "Theatrical Cut"}
_GROUPS = ["SPARKS", "AMIAS", "FGT", "NTb", "FLUX", "CMRG", "ROVERS", "GECKOS", "SiNNERS", "TEPES", "SiGMA",
           "HiDt", "playWEB", "MZABI", "EDITH", "SMURF", "NAISU", "EVO", "DON", "CtrlHD", "BLOW", "iFT", "TOMMY",
           "SURFINBIRD", "NOGRP", "KiNGS", "ETHEL", "APEX", "BYNDR", "HONE", "GGEZ", "PSA", "QxR"]
_GROUPS_OLD = ["DIMENSION", "LOL", "KILLERS", "FQM", "XOR", "2HD", "ASAP", "FEVER", "DoNE", "aXXo", "FXG",
               "DiAMOND", "NoTV", "SAiNTS", "CTU", "0TV"]


# --- titles ---------------------------------------------------------------------------------------

class _TitleForge:
    """Plausible, distinct titles from word lists; the first few of each kind show every quirk."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.movies_made = 0
        self.shows_made = 0

    def movie(self) -> tuple[str, int]:
        rng = self.rng
        if self.movies_made < len(_MOVIE_QUIRKS):
            make = _MOVIE_QUIRKS[self.movies_made]
        else:
            make = rng.choices(_MOVIE_TEMPLATES, _MOVIE_TEMPLATE_WEIGHTS)[0]
        self.movies_made += 1
        title = self._unique(lambda: make(rng))
        year = min(2025, max(1950, round(rng.triangular(1950, 2026, 2018))))
        if title.isdigit():  # "1917 (2019)": the film came out after the year it is named for
            year = min(2025, int(title) + rng.randint(20, 90))
        return title, year

    def show(self) -> tuple[str, int]:
        rng = self.rng
        if self.shows_made < len(_SHOW_QUIRKS):
            make = _SHOW_QUIRKS[self.shows_made]
        else:
            make = rng.choices(_SHOW_TEMPLATES, _SHOW_TEMPLATE_WEIGHTS)[0]
        self.shows_made += 1
        return self._unique(lambda: make(rng)), rng.randint(1985, 2024)

    def episode_title(self, season: int, episode: int) -> str:
        rng = self.rng
        if season == 1 and episode == 1 and rng.random() < 0.4:
            return "Pilot"
        return rng.choices(_EPISODE_TEMPLATES, cum_weights=_EPISODE_TEMPLATE_CUM_WEIGHTS)[0](rng)

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(40):
            title = make()
            if _title_key(title) not in self.used:
                self.used.add(_title_key(title))
                return title
        # The word lists ran dry for this template: sequels are what studios do too.
        base, number = make(), 2
        while _title_key(f"{base} {number}") in self.used:
            number += 1
        self.used.add(_title_key(f"{base} {number}"))
        return f"{base} {number}"


def _pick(rng: random.Random, words: list[str]) -> str:
    return words[rng.randrange(len(words))]


def _two(rng: random.Random, words: list[str]) -> tuple[str, str]:
    first, second = rng.sample(words, 2)
    return first, second


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith("f"):
        return noun[:-1] + "ves"
    return noun + "s"


def _roman(rng: random.Random) -> str:
    return rng.choice(["II", "III", "IV", "Part Two", "Part 2", "Chapter Two"])


_Template = Callable[[random.Random], str]


def _t_the_adj_noun(r): return f"The {_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}"
def _t_adj_noun(r): return f"{_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}"
def _t_noun_of_place(r): return f"{r.choice(['The ', ''])}{_pick(r, NOUNS)} of {_pick(r, PLACES)}"
def _t_time_in_place(r): return f"{_pick(r, TIMES)} in {_pick(r, PLACES)}"
def _t_possessive(r): return f"{_pick(r, NAMES)}'s {_pick(r, NOUNS)}"
def _t_ampersand(r): return "The {} & the {}".format(*_two(r, NOUNS))
def _t_names_pair(r): return "{} & {}".format(*_two(r, NAMES))
def _t_colon(r): return f"The {_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}: {_pick(r, NOUNS)} of {_pick(r, PLACES)}"
def _t_sequel(r): return f"{_pick(r, ADJECTIVES)} {_pick(r, NOUNS)} {_roman(r)}"
def _t_year_in_title(r): return f"{_pick(r, ADJECTIVES)} {_pick(r, NOUNS)} {r.randint(2030, 2099)}"
def _t_numeric(r): return str(r.randint(1900, 1995))
def _t_leading_dash(r): return f"-{_pick(r, NOUNS)}-"
def _t_abbreviation(r): return f"{r.choice(['Dr.', 'Mr.', 'Mrs.', 'St.'])} {_pick(r, NAMES)}'s {_pick(r, NOUNS)}"
def _t_comma(r): return f"{_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}, {_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}"
def _t_exclaim(r): return f"{_pick(r, NOUNS)}!"
def _t_for_name(r): return f"A {_pick(r, NOUNS)} for {_pick(r, NAMES)}"
def _t_name_and(r): return f"{_pick(r, NAMES)} and the {_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}"
def _t_the_noun(r): return f"The {_pick(r, NOUNS)}"
def _t_last_in(r): return f"The Last {_pick(r, NOUNS)} in {_pick(r, PLACES)}"
def _t_unicode_place(r): return f"{_pick(r, TIMES)} in {_pick(r, UNICODE_PLACES)}"
def _t_unicode_name(r): return f"{_pick(r, UNICODE_NAMES)} and the {_pick(r, ADJECTIVES)} {_pick(r, NOUNS)}"
def _t_place_noun(r): return f"{_pick(r, PLACES)} {_pick(r, NOUNS)}"
def _t_plural(r): return f"The {_plural(_pick(r, NOUNS))}"
def _t_adj_plural(r): return f"{_pick(r, ADJECTIVES)} {_plural(_pick(r, NOUNS))}"
def _t_regional(r): return f"{_pick(r, PLACES)} {_pick(r, NOUNS)} ({r.choice(['US', 'UK'])})"
def _t_doctor(r): return f"{r.choice(['Doctor', 'Detective', 'Inspector', 'Agent'])} {_pick(r, NAMES)}"
def _t_show_colon(r): return f"{_pick(r, PLACES)} {_pick(r, NOUNS)}: {_pick(r, ADJECTIVES)} {_plural(_pick(r, NOUNS))}"
def _t_number_show(r): return str(r.randint(2, 99))
def _t_ep_dots(r): return f"...And the {_pick(r, NOUNS)}"


_MOVIE_TEMPLATES: list[_Template] = [
    _t_the_adj_noun, _t_adj_noun, _t_noun_of_place, _t_time_in_place, _t_possessive, _t_ampersand, _t_names_pair,
    _t_colon, _t_sequel, _t_year_in_title, _t_numeric, _t_leading_dash, _t_abbreviation, _t_comma, _t_exclaim,
    _t_for_name, _t_name_and, _t_the_noun, _t_last_in, _t_unicode_place, _t_unicode_name,
]
_MOVIE_TEMPLATE_WEIGHTS = [12, 6, 6, 3, 4, 2, 2, 3, 2, 1, 0.3, 0.2, 0.8, 0.8, 0.5, 2, 2, 1, 1.5, 0.8, 0.8]
# Lined up with _MOVIE_STYLE_ROTATION, so the quirks that scene naming would erase (the leading dash,
# the colon, a year inside the title) land on Plex-named films.
_MOVIE_QUIRKS: list[_Template] = [
    _t_possessive, _t_year_in_title, _t_colon, _t_unicode_place, _t_ampersand, _t_leading_dash, _t_numeric,
    _t_abbreviation, _t_comma, _t_exclaim, _t_unicode_name, _t_sequel,
]
_SHOW_TEMPLATES: list[_Template] = [
    _t_place_noun, _t_the_adj_noun, _t_adj_noun, _t_plural, _t_adj_plural, _t_names_pair, _t_noun_of_place,
    _t_possessive, _t_regional, _t_doctor, _t_show_colon, _t_number_show, _t_unicode_name,
]
_SHOW_TEMPLATE_WEIGHTS = [6, 6, 4, 4, 3, 2, 3, 2, 0.6, 1.5, 0.6, 0.1, 0.4]
# Lined up with _SHOW_ROTATION: the regional "(US)" show lands in TV2 as `Show.Name.US.S01E01...`.
_SHOW_QUIRKS: list[_Template] = [
    _t_place_noun, _t_names_pair, _t_regional, _t_unicode_name, _t_possessive, _t_show_colon, _t_number_show,
]
_EPISODE_TEMPLATES: list[_Template] = [
    _t_the_noun, _t_adj_noun, _t_noun_of_place, _t_possessive, _t_the_adj_noun, _t_ep_dots, _t_comma,
    lambda r: f"{_pick(r, NOUNS)}, Part {r.choice(['One', 'Two', '1', '2'])}",
]
_EPISODE_TEMPLATE_CUM_WEIGHTS = list(accumulate([6, 5, 3, 2, 4, 0.3, 0.5, 1]))


ADJECTIVES = """Silent Crimson Hollow Broken Golden Last Lost Hidden Burning Frozen Secret Wild Dark Bright Quiet
Savage Distant Electric Iron Glass Velvet Scarlet Endless Forgotten Restless Silver Bitter Sweet Stolen Fallen
Rising Eternal Lonely Perfect Strange Northern Southern Final Second Little Long Cold Blue Black White Red Green
Crooked Sacred Wicked Gentle Brave Hungry Shallow Deep Empty Faded Fragile Heavy Invisible Lucky Mad Naked Open
Painted Pale Proud Rough Royal Rusty Sharp Shining Sleeping Slow Small Steady Sudden Tender Twisted Vanishing
Violent Wandering Wounded Young Ancient Atomic Amber Cobalt Dusty Falling Feral Gilded Infinite Jagged Lunar
Molten Neon Obsidian Phantom Radiant Solar Thin Vast Wired Howling Drowned Borrowed Glorious Careless Hard""".split()

NOUNS = """Harbor Protocol River Garden Kingdom Shadow Signal Empire Horizon Station Witness Frontier Mirror Island
Summer Winter Code Heart Engine Orchard Tide Crown Machine Letter Storm Bridge Forest Hour Line Room House Road
Season Voice Game Circle Window Door Ghost Hunter Thief Saint Stranger Daughter Brother Sister Widow Doctor
Captain Soldier Pilot Dancer Painter Keeper Lighthouse Harvest Valley Desert Mountain Ocean Canyon Coast Border
Temple Palace Prison Factory Hotel Circus Carnival Compass Lantern Anchor Arrow Blade Feather Flame Key Knot Map
Needle Promise Reckoning Requiem Rhapsody Sermon Silence Sky Star Sun Moon Thunder Trail Voyage Wolf Fox Raven
Sparrow Lion Tiger Serpent Horse Whale Orbit Cipher Paradox Vector Echo Pulse Drift Fever Dream Memory Legacy
Verdict Exile Covenant Gambit Heist Affair Alibi Archive Ballad Banquet Cathedral Chorus Comet Crossing Empress
Ferry Foundry Glacier Harlequin Inheritance Jury Labyrinth Meridian Monsoon Nocturne Oracle Pendulum Quarry
Refuge Sanctuary Tempest Undertow Vigil Wager Yard Zenith""".split()

PLACES = """Oslo Lisbon Tangier Marrakesh Havana Kyoto Cairo Berlin Vienna Prague Budapest Istanbul Naples Palermo
Seville Dublin Glasgow Brooklyn Harlem Chicago Detroit Memphis Nashville Tulsa Reno Montana Alaska Texas Yukon
Patagonia Siberia Saigon Bangkok Shanghai Tokyo Seoul Mumbai Calcutta Lagos Nairobi Casablanca Athens Rome Venice
Paris Marseille Geneva Brighton Cornwall Manchester Belfast Sicily Corsica Tahiti Macau Manila Jakarta Sydney
Perth Auckland Vancouver Quebec Boston Baltimore Miami Denver Seattle Portland Hamburg Antwerp Warsaw Riga
Tallinn Helsinki Stockholm Odessa Tbilisi Baku Tehran Kabul Lahore Dakar Accra Lima Santiago Caracas""".split()
UNICODE_PLACES = ["Zürich", "Malmö", "São Paulo", "Kraków", "Reykjavík", "Montréal", "Córdoba", "Tromsø",
                  "Düsseldorf", "Ålesund", "Bogotá", "Medellín", "Curaçao", "Gdańsk", "Brașov", "Québec"]
PLACES += UNICODE_PLACES + ["El Paso", "Santa Fe", "Hong Kong", "San Diego", "New Orleans", "Cape Town"]

NAMES = """Anna Clara Eleanor Grace Hannah Iris June Lena Lucy Margot Nora Olive Rosa Ruby Vera Oscar Arthur Henry
Jack Leo Max Otto Felix Hugo Jonah Lou Sam Walter Frank Harvey Marty Charlie Billy Eddie Johnny Tommy Winston
Mabel Agatha Dolores Beatrice Ingrid Astrid Nikolai Katya Yuki Kenji Mei Aiko Priya Ravi Amara Kofi Omar Layla
Tariq Silas Ezra Edith Harriet Cornelius Gus Vivian Wendell Theo Mira""".split()
UNICODE_NAMES = ["Amélie", "Zoë", "Chloé", "Renée", "Noël", "Agnès", "Inès", "Hélène", "Søren", "Björn",
                 "José", "Jürgen", "Françoise", "Léon", "Émile", "Raphaël", "Zoltán", "Małgorzata", "Þórir", "Ángel"]
NAMES += UNICODE_NAMES

TIMES = ["Midnight", "Summer", "Winter", "Autumn", "Spring", "Night", "Morning", "Dawn", "Christmas", "Sunday",
         "Twilight", "Noon", "Rain"]


# --- the demo library -----------------------------------------------------------------------------

def _plan_demo(plan: _Plan, rng: random.Random) -> None:
    _plan_demo_movies(plan, rng)
    _plan_demo_tv(plan, rng)
    _plan_demo_tv2(plan, rng)


def _plan_demo_movies(plan: _Plan, rng: random.Random) -> None:
    # The same film in both movie shares, byte for byte: a Plex copy and the scene release it came from.
    matrix = _Movie("The Matrix", 1999)
    original = _plex_movie(plan, rng, matrix, ("1080p",), quality_tag=True, ext=".mkv", size=1_987_654_321,
                           dressed=False)[0]
    plan.clutter("Movies/The Matrix (1999)/poster.jpg", "artwork", 412_000)
    plan.clutter("Movies/The Matrix (1999)/The Matrix (1999) - 1080p.en.srt", "subtitle", 96_000)
    plan.clutter("Movies/The Matrix (1999)/._The Matrix (1999) - 1080p.mkv", "hidden", 4096)
    matrix_release = _Release("1080p", ("1080p", "BluRay", "x264"), "SPARKS", ".mkv")
    _scene_movie(plan, rng, matrix, matrix_release, in_folder=True, same_as=original, dressed=False)
    folder = "Movies2/The.Matrix.1999.1080p.BluRay.x264-SPARKS"
    plan.clutter(f"{folder}/The.Matrix.1999.1080p.BluRay.x264-SPARKS.nfo", "nfo", text=_nfo_text(folder))
    plan.clutter(f"{folder}/Sample/sparks-the.matrix-sample.mkv", "sample", 48_000_000)

    # Same size and head, different last bytes: a duplicate finder must not trust a head hash alone.
    heat = _Movie("Heat", 1995)
    heat_plex = _plex_movie(plan, rng, heat, ("1080p",), ext=".mkv", size=2_222_222_222, dressed=False)[0]
    heat_release = _Release("1080p", ("1080p", "BluRay", "x264"), "AMIAS", ".mkv")
    _scene_movie(plan, rng, heat, heat_release, same_as=heat_plex, tail=b"another encode\n", dressed=False)

    for title, year, resolutions, options in _DEMO_PLEX_MOVIES:
        movie = _Movie(title, year, edition=options.get("edition"), imdb=options.get("imdb"))
        _plex_movie(plan, rng, movie, resolutions, quality_tag=options.get("quality_tag", False),
                    parts=options.get("parts", 0), loose=options.get("loose", False), nfd=options.get("nfd", False))
        folder = f"Movies/{movie.plex_name}"
        for extra in options.get("clutter", ()):
            if extra == "trailer":
                _add_trailer(plan, rng, folder, movie.plex_name)
            elif extra == "sample":
                _add_sample(plan, rng, folder, movie.plex_name)
            else:
                _add_extras(plan, rng, folder, kind=extra)

    for title, year, release, options in _DEMO_SCENE_MOVIES:
        movie = _Movie(title, year, edition=options.get("edition"))
        made = _scene_movie(plan, rng, movie, release, style=options.get("style", "dots"),
                            in_folder=options.get("in_folder", False), edition_tag=options.get("edition_tag"),
                            dressed=False)
        stem, ext = os.path.splitext(made.path.rpartition("/")[2])
        folder = made.path.rpartition("/")[0]
        if options.get("in_folder"):
            plan.clutter(f"{folder}/{stem}.nfo", "nfo", text=_nfo_text(stem))
            plan.clutter(f"{folder}/Sample/{_sample_name(stem)}{ext}", "sample", 61_000_000)
            plan.clutter(f"{folder}/Subs/2_English.srt", "subtitle", 88_000)
        if options.get("sample"):
            plan.clutter(f"{folder}/{stem}-sample{ext}", "sample", 72_000_000)

    for name in ("Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HEVC-FLUX.mkv.part",
                 "Barbie.2023.1080p.WEB.H264-NAISU.mkv.!qB",
                 "Poor.Things.2023.1080p.WEBRip.x264-RARBG.mp4.crdownload"):
        plan.clutter(f"Movies2/{name}", "partial", rng.randrange(500 * MB, 4 * GB))
    plan.clutter("Movies/.DS_Store", "hidden", 6148)
    plan.clutter("Movies2/.DS_Store", "hidden", 6148)
    plan.clutter("Movies/Inception (2010)/@eaDir/Inception (2010).mkv/SYNOVIDEO_VIDEO_SCREENSHOT.jpg", "hidden",
                 41_000)


def _plan_demo_tv(plan: _Plan, rng: random.Random) -> None:
    for title, year, options, seasons in _DEMO_PLEX_SHOWS:
        show = _Show(title, year)
        with_year = options.get("with_year", False)
        for number, count, resolution, titles in seasons:
            files = [(e,) for e in range(1, count + 1)]
            season = _Season(number, files, resolution, dict(enumerate(titles, start=1)))
            _plex_season(plan, rng, show, season, with_year=with_year, padded=options.get("padded", True),
                         specials_dir=options.get("specials_dir", "Season 00"), form=options.get("form", "titled"))
        show_folder = f"TV/{_plex_safe(title)} ({year})" if with_year else f"TV/{_plex_safe(title)}"
        plan.clutter(f"{show_folder}/poster.jpg", "artwork", rng.randrange(150_000, 900_000))
        if options.get("extras"):
            _add_extras(plan, rng, show_folder, kind=options["extras"])
    plan.clutter("TV/Breaking Bad (2008)/.DS_Store", "hidden", 6148)
    plan.clutter("TV/Breaking Bad (2008)/tvshow.nfo", "nfo", text=_nfo_text("Breaking Bad"))
    plan.clutter("TV/Game of Thrones/theme.mp3", "audio", 2_400_000)


def _plan_demo_tv2(plan: _Plan, rng: random.Random) -> None:
    for title, year, options, seasons in _DEMO_SCENE_SHOWS:
        show = _Show(title, year)
        for number, files, release in seasons:
            if isinstance(files, int):
                files = [(e,) for e in range(1, files + 1)]
            _scene_season(plan, rng, show, _Season(number, files, release.resolution), release,
                          layout=options.get("layout", "showdir"), form=options.get("form", "dots"),
                          multi_form=options.get("multi_form", "E01E02"), with_year=options.get("with_year", False),
                          showdir_name=options.get("showdir_name"), dressed=options.get("dressed", False))
    plan.clutter("TV2/The.Last.of.Us.S01E01.2160p.HMAX.WEB-DL.DDP5.1.Atmos.DV.H.265-CMRG-sample.mkv", "sample",
                 38_000_000)
    plan.clutter("TV2/The.Last.of.Us.S02E01.2160p.MAX.WEB-DL.DDP5.1.Atmos.DV.H.265-FLUX.mkv.part", "partial",
                 1_100_000_000)
    plan.clutter("TV2/Severance.S02E11.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb.mkv.!qB", "partial", 640_000_000)
    plan.clutter("TV2/.DS_Store", "hidden", 6148)
    plan.clutter("TV2/Friends/._friends.1x01.dvdrip.xvid.avi", "hidden", 4096)


def _episode_range(first: int, last: int) -> list[tuple[int, ...]]:
    return [(e,) for e in range(first, last + 1)]


_DEMO_PLEX_MOVIES: list[tuple[str, int, tuple[str, ...], dict]] = [
    ("Blade Runner 2049", 2017, ("1080p", "2160p"), {"clutter": ("trailer", "Featurettes")}),
    ("Blade Runner", 1982, ("1080p",), {"edition": "The Final Cut"}),
    ("Blade Runner", 1982, ("720p",), {}),
    ("1917", 2019, ("2160p",), {}),
    ("Amélie", 2001, ("1080p",), {}),
    ("Léon: The Professional", 1994, ("1080p",), {"nfd": True}),
    ("Schindler's List", 1993, ("1080p",), {"quality_tag": True}),
    ("Fast & Furious", 2009, ("720p",), {}),
    ("Mission: Impossible", 1996, ("1080p",), {}),
    ("Star Wars: Episode IV - A New Hope", 1977, ("1080p",), {"edition": "Special Edition"}),
    ("-30-", 1959, ("480p",), {}),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, ("2160p",),
     {"edition": "Extended Edition", "clutter": ("Extras",)}),
    ("Apocalypse Now", 1979, ("1080p",), {"edition": "Redux"}),
    ("2001: A Space Odyssey", 1968, ("2160p",), {"quality_tag": True}),
    ("Se7en", 1995, ("1080p",), {}),
    ("WALL·E", 2008, ("1080p",), {}),
    ("Crouching Tiger, Hidden Dragon", 2000, ("720p",), {}),
    ("Spider-Man: Into the Spider-Verse", 2018, ("2160p",), {"quality_tag": True}),
    ("Pan's Labyrinth", 2006, ("1080p",), {}),
    ("Inception", 2010, ("1080p",), {"clutter": ("trailer", "sample", "Behind The Scenes")}),
    ("Casablanca", 1942, ("1080p",), {"loose": True}),
    ("Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb", 1964, ("1080p",), {}),
    ("The Good, the Bad and the Ugly", 1966, ("1080p",), {"imdb": "tt0060196"}),
    ("Kill Bill: Vol. 1", 2003, ("1080p",), {"quality_tag": True}),
    ("Lawrence of Arabia", 1962, ("480p",), {"parts": 2}),
    ("Airplane!", 1980, ("720p",), {}),
    ("Alien", 1979, ("1080p",), {"edition": "Director's Cut"}),
    ("Back to the Future", 1985, ("1080p", "2160p"), {}),
    ("Spirited Away", 2001, ("1080p",), {"clutter": ("Interviews",)}),
    ("Parasite", 2019, ("2160p",), {"loose": True}),
    ("Amadeus", 1984, ("1080p",), {"edition": "Director's Cut"}),
    ("Ocean's Eleven", 1960, ("480p",), {}),  # the original, while Movies2 holds the 2001 remake
]

_DEMO_SCENE_MOVIES: list[tuple[str, int, _Release, dict]] = [
    ("Mad Max: Fury Road", 2015, _Release("2160p", ("2160p", "UHD", "BluRay", "REMUX", "HEVC", "DTS-HD.MA.7.1"),
                                          "FGT", ".mkv", True), {}),
    ("The Dark Knight", 2008, _Release("720p", ("720p", "WEB-DL", "H.264"), "", ".mp4"), {"style": "spaces"}),
    ("Oppenheimer", 2023, _Release("1080p", ("1080p", "WEB-DL", "DDP5.1", "H.264"), "FLUX", ".mkv"),
     {"in_folder": True}),
    ("Pulp Fiction", 1994, _Release("1080p", ("1080p", "BluRay", "x264"), "AMIAS", ".mkv"), {"sample": True}),
    ("Jurassic Park", 1993, _Release("720p", ("720p", "BluRay", "x264"), "SiNNERS", ".mkv"), {}),
    ("Gladiator", 2000, _Release("1080p", ("1080p", "BluRay", "x264"), "SADPANDA", ".mkv"),
     {"in_folder": True, "edition_tag": "EXTENDED.REMASTERED", "edition": "Extended Edition"}),
    ("Ocean's Eleven", 2001, _Release("1080p", ("1080p", "BluRay", "x264"), "FSiHD", ".mkv"), {}),
    ("The Shawshank Redemption", 1994, _Release("720p", ("720p", "BRRip", "XviD"), "", ".avi"),
     {"style": "spaces"}),
    ("Everything Everywhere All at Once", 2022,
     _Release("2160p", ("2160p", "WEB-DL", "DDP5.1.Atmos", "DV", "HEVC"), "CMRG", ".mkv"), {}),
    ("Monty Python and the Holy Grail", 1975, _Release("1080p", ("1080p", "BluRay", "x264"), "", ".mp4"),
     {"style": "yts"}),
    ("Blade Runner 2049", 2017, _Release("1080p", ("1080p", "BluRay", "x264"), "SPARKS", ".mkv"), {}),
    ("Toy Story", 1995, _Release("480p", ("DVDRip", "XviD"), "DoNE", ".avi"), {}),
    ("Fight Club", 1999, _Release("1080p", ("1080p", "BluRay", "x264"), "CiNEFiLE", ".mkv"),
     {"in_folder": True, "edition_tag": "10th.Anniversary.Edition", "edition": "10th Anniversary Edition"}),
    ("Amélie", 2001, _Release("720p", ("720p", "BluRay", "x264"), "CtrlHD", ".mkv"), {}),
]

_BREAKING_BAD_TITLES = {
    1: ["Pilot", "Cat's in the Bag...", "...And the Bag's in the River", "Cancer Man", "Gray Matter",
        "Crazy Handful of Nothin'", "A No-Rough-Stuff-Type Deal"],
    2: ["Seven Thirty-Seven", "Grilled", "Bit by a Dead Bee", "Down", "Breakage", "Peekaboo", "Negro y Azul",
        "Better Call Saul", "4 Days Out", "Over", "Mandala", "Phoenix", "ABQ"],
    3: ["No Más", "Caballo sin Nombre", "I.F.T.", "Green Light", "Más", "Sunset", "One Minute", "I See You",
        "Kafkaesque", "Fly", "Abiquiu", "Half Measures", "Full Measure"],
}
_HOURS = ["12:00 A.M.", "1:00 A.M.", "2:00 A.M.", "3:00 A.M.", "4:00 A.M.", "5:00 A.M.", "6:00 A.M.", "7:00 A.M.",
          "8:00 A.M.", "9:00 A.M.", "10:00 A.M.", "11:00 A.M.", "12:00 P.M.", "1:00 P.M.", "2:00 P.M.", "3:00 P.M.",
          "4:00 P.M.", "5:00 P.M.", "6:00 P.M.", "7:00 P.M.", "8:00 P.M.", "9:00 P.M.", "10:00 P.M.", "11:00 P.M.",
          "12:00 A.M."]

# (title, year, options, [(season, episode count, resolution, episode titles)])
_DEMO_PLEX_SHOWS: list[tuple[str, int, dict, list[tuple[int, int, str, list[str]]]]] = [
    ("Breaking Bad", 2008, {"with_year": True},
     [(1, 7, "1080p", _BREAKING_BAD_TITLES[1]), (2, 13, "1080p", _BREAKING_BAD_TITLES[2]),
      (3, 13, "1080p", _BREAKING_BAD_TITLES[3])]),
    ("Game of Thrones", 2011, {"extras": "Featurettes"},
     [(1, 10, "1080p", ["Winter Is Coming", "The Kingsroad", "Lord Snow", "Cripples, Bastards, and Broken Things",
                        "The Wolf and the Lion", "A Golden Crown", "You Win or You Die", "The Pointy End", "Baelor",
                        "Fire and Blood"])]
     + [(n, count, "1080p" if n < 8 else "2160p", []) for n, count in
        ((2, 10), (3, 10), (4, 10), (5, 10), (6, 10), (7, 7), (8, 6))]),
    ("Stranger Things", 2016, {"with_year": True, "padded": False},
     [(1, 8, "2160p", ["Chapter One: The Vanishing of Will Byers", "Chapter Two: The Weirdo on Maple Street",
                       "Chapter Three: Holly, Jolly", "Chapter Four: The Body",
                       "Chapter Five: The Flea and the Acrobat", "Chapter Six: The Monster",
                       "Chapter Seven: The Bathtub", "Chapter Eight: The Upside Down"]),
      (2, 9, "2160p", []), (3, 8, "2160p", []), (4, 9, "2160p", [])]),
    ("Doctor Who", 2005, {"with_year": True},
     [(0, 8, "720p", ["The Christmas Invasion", "The Runaway Bride", "Voyage of the Damned", "The Next Doctor",
                      "Planet of the Dead", "The Waters of Mars", "The End of Time (1)", "The End of Time (2)"]),
      (1, 13, "720p", ["Rose", "The End of the World", "The Unquiet Dead", "Aliens of London", "World War Three",
                       "Dalek", "The Long Game", "Father's Day", "The Empty Child", "The Doctor Dances",
                       "Boom Town", "Bad Wolf", "The Parting of the Ways"])]),
    ("Sherlock", 2010, {"specials_dir": "Specials"},
     [(0, 1, "1080p", ["The Abominable Bride"]),
      (1, 3, "1080p", ["A Study in Pink", "The Blind Banker", "The Great Game"]),
      (2, 3, "1080p", ["A Scandal in Belgravia", "The Hounds of Baskerville", "The Reichenbach Fall"]),
      (3, 3, "1080p", ["The Empty Hearse", "The Sign of Three", "His Last Vow"]),
      (4, 3, "1080p", ["The Six Thatchers", "The Lying Detective", "The Final Problem"])]),
    ("The Office (UK)", 2001, {"specials_dir": "Specials"},
     [(0, 2, "480p", ["Christmas Special (1)", "Christmas Special (2)"]),
      (1, 6, "480p", ["Downsize", "Work Experience", "The Quiz", "Training", "New Girl", "Judgement"]),
      (2, 6, "480p", ["Merger", "Appraisals", "Party", "Motivation", "Charity", "Interview"])]),
    ("Chernobyl", 2019, {"form": "sonarr"},
     [(1, 5, "2160p", ["1:23:45", "Please Remain Calm", "Open Wide, O Earth", "The Happiness of All Mankind",
                       "Vichnaya Pamyat"])]),
    ("Pokémon", 1997, {"form": "lower"},
     [(1, 10, "480p", ["Pokémon, I Choose You!", "Pokémon Emergency!", "Ash Catches a Pokémon",
                       "Challenge of the Samurai", "Showdown in Pewter City", "Clefairy and the Moon Stone",
                       "The Water Flowers of Cerulean City", "The Path to the Pokémon League",
                       "The School of Hard Knocks", "Bulbasaur and the Hidden Village"])]),
    ("Mr. Robot", 2015, {},
     [(1, 10, "1080p", ["eps1.0_hellofriend.mov", "eps1.1_ones-and-zer0es.mpeg", "eps1.2_d3bug.mkv",
                        "eps1.3_da3m0ns.mp4", "eps1.4_3xpl0its.wmv", "eps1.5_br4ve-trave1er.asf",
                        "eps1.6_v1ew-s0urce.flv", "eps1.7_wh1ter0se.m4v", "eps1.8_m1rr0r1ng.qt",
                        "eps1.9_zer0-day.avi"])]),
    ("24", 2001, {},
     [(1, 24, "720p", [f"{a}-{b}" for a, b in zip(_HOURS, _HOURS[1:])])]),
    ("Law & Order: Special Victims Unit", 1999, {"with_year": True, "form": "bare"},
     [(1, 6, "480p", [])]),
]

_BB_S4 = _Release("1080p", ("1080p", "BluRay", "x264"), "ROVERS", ".mkv")
_BB_S5 = _Release("720p", ("720p", "HDTV", "x264"), "EVOLVE", ".mkv")

# (title, year, options, [(season, files or episode count, release)])
_DEMO_SCENE_SHOWS: list[tuple[str, int, dict, list[tuple[int, object, _Release]]]] = [
    # Breaking Bad seasons 1-3 sit organised in TV/, 4-5 still as downloaded here.
    ("Breaking Bad", 2008, {"layout": "pack"}, [(4, 13, _BB_S4), (5, 16, _BB_S5)]),
    ("The Office (US)", 2005, {"layout": "pack"},
     [(3, _episode_range(1, 9) + [(10, 11)] + _episode_range(12, 23) + [(24, 25)],
       _Release("720p", ("720p", "WEB-DL", "DD5.1", "H.264"), "NTb", ".mkv"))]),
    ("Friends", 1994, {"form": "nxnn", "showdir_name": "Friends"},
     [(1, 24, _Release("480p", ("dvdrip", "xvid"), "", ".avi"))]),
    ("Seinfeld", 1989, {"multi_form": "E01-03", "showdir_name": "Seinfeld"},
     [(4, [(1, 2)] + _episode_range(3, 22) + [(23, 24)],
       _Release("1080p", ("1080p", "AMZN", "WEB-DL", "DDP2.0", "H.264"), "NTb", ".mkv"))]),
    ("Planet Earth", 2006, {"layout": "pack", "multi_form": "E01-E03"},
     [(1, [(1, 2, 3)] + _episode_range(4, 11), _Release("1080p", ("1080p", "BluRay", "x264"), "SiNNERS", ".mkv"))]),
    ("Severance", 2022, {"layout": "release", "dressed": True},
     [(2, 10, _Release("1080p", ("1080p", "ATVP", "WEB-DL", "DDP5.1", "H.264"), "NTb", ".mkv"))]),
    ("The Last of Us", 2023, {"layout": "loose"},
     [(1, 9, _Release("2160p", ("2160p", "HMAX", "WEB-DL", "DDP5.1.Atmos", "DV", "H.265"), "CMRG", ".mkv"))]),
    ("Shōgun", 2024, {"layout": "pack", "with_year": True},
     [(1, 10, _Release("2160p", ("2160p", "DSNP", "WEB-DL", "DDP5.1", "HDR", "H.265"), "NTb", ".mkv"))]),
    ("House of the Dragon", 2022, {"form": "spaces", "showdir_name": "House of the Dragon"},
     [(2, 8, _Release("1080p", ("1080p", "WEB-DL", "H.264"), "", ".mkv"))]),
]
