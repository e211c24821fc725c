"""The files a media duplicate search looks at, as Candidates: local copies, the catalog's NAS files, a folder's videos."""

from __future__ import annotations

import json
import os
import re
import stat
import weakref
from functools import lru_cache
from typing import Iterable, Mapping

from plexsh.config import Discovery
from plexsh.library.catalog import HASH_OF_FILE, no_gc
from plexsh.library.names import ParsedName, parse_path
from plexsh.library.pathtext import loaded, readable
from plexsh.library.titles import match_key
from plexsh.library.walker import Rules

from .groups import Candidate

_KINDS = {"all": None, "movies": "movie", "movie": "movie", "tv": "episode", "show": "episode",
          "shows": "episode", None: None}
_YEAR_FOLDER = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)(?:\s*[\[{].*)?$")
_SEASON_FOLDER = re.compile(r"^season\s*(\d{1,4})$", re.IGNORECASE)


def local_candidates(catalog, kind: str = "all") -> list[Candidate]:
    """The local copies plexsh recorded (and still on disk), as candidates: verified, each with the
    catalog file and title it is a copy of (when the source still has it)."""
    with no_gc():
        return _local_candidates(catalog, _KINDS[kind])


def _local_candidates(catalog, wanted: str | None) -> list[Candidate]:
    rows = catalog.conn.execute(
        "SELECT l.path, l.size, h.sha256, f.id, f.item_id FROM local_files l "
        "LEFT JOIN files f ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath "
        "LEFT JOIN hashes h ON h.source = l.source AND h.dir = l.dir AND h.relpath = l.relpath "
        "AND h.size = l.size AND h.mtime_ns = l.mtime_ns ORDER BY l.path").fetchall()
    names = catalog_names(catalog, [row[3] for row in rows if row[3] is not None])
    found = []
    for path_text, size, sha256, file_id, item_id in rows:
        path = loaded(path_text)
        try:
            found_stat = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(found_stat.st_mode) or found_stat.st_size != size:
            continue  # a link put in its place is not followed; a changed copy is for verify and resync
        parsed = names.get(file_id) or parse_path(path)
        if wanted is not None and parsed.kind != wanted:
            continue
        found.append(Candidate(path, size, sha256, "local", verified=True,
                               in_plex_layout=in_plex_layout(path, parsed), item_id=item_id, file_id=file_id))
    return found


def nas_candidates(catalog, kind: str = "all") -> list[Candidate]:
    """The catalog's files (what the last scans of the sources found), as candidates; nothing is read
    from the sources themselves."""
    with no_gc():  # 100,000 candidates, none cyclic: the collector's passes would double the time
        return _nas_candidates(catalog, _KINDS[kind])


def _nas_candidates(catalog, wanted: str | None) -> list[Candidate]:
    names = catalog_names(catalog)
    found = []
    for file_id, item_id, path_text, size, sha256 in catalog.conn.execute(
            f"SELECT f.id, f.item_id, f.path, f.size, h.sha256 FROM files f {HASH_OF_FILE} ORDER BY f.path"):
        parsed = names[file_id]
        if wanted is not None and parsed.kind != wanted:
            continue
        path = loaded(path_text)
        found.append(Candidate(path, size, sha256, "nas", in_plex_layout=in_plex_layout(path, parsed),
                               item_id=item_id, file_id=file_id))
    return found


def folder_candidates(files: Iterable, hashes: Mapping[str, str] | None = None,
                      discovery: Discovery | None = None) -> list[Candidate]:
    """Video files found in a folder (`dupes in PATH`), as candidates.

    `files` are paths, or entries with `path` and `size` (the exact finder's walk, made in a child
    that a dead mount cannot hang); what is not a video by the scan's rules (extension, samples,
    trailers, hidden files, partial downloads) is left out, as the catalog leaves it out. `hashes`
    gives SHA-256s already known, by path.
    """
    rules = Rules(discovery or Discovery())
    hashes = hashes or {}
    found = []
    extensions = rules.extensions
    # Most files of a folder are no videos: the finder's entries (FileEntry tuples, path first) are
    # tested for the extension first, in one pass, without splitting the name off (the name's
    # extension is the path's; a dot only in a folder's name gives an "extension" holding a slash).
    files = [e for e in files if not isinstance(e, tuple) or e[0][e[0].rfind("."):].lower() in extensions]
    for entry in files:
        if isinstance(entry, (str, os.PathLike)):
            path = os.fspath(entry)
            try:
                found_stat = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(found_stat.st_mode):
                continue  # a link is never followed (it may lead out of the folder), nor a FIFO opened
            size = found_stat.st_size
        else:
            path, size = entry.path, entry.size
        name = os.path.basename(path)
        if not name or not rules.keeps(name):
            continue
        parsed = parse_path(path)
        found.append(Candidate(path, size, hashes.get(path), "folder", in_plex_layout=in_plex_layout(path, parsed)))
    return found


def in_plex_layout(path: str, parsed: ParsedName) -> bool:
    """Whether a file lies where Plex's naming puts it: `…/Title (Year)/<file>` for a film,
    `…/Show/Season NN/<file>` (or `Specials` for season 0) for an episode.

    >>> in_plex_layout("/m/Movies/Heat (1995)/Heat (1995).mkv", parse_path("Movies/Heat (1995)/Heat (1995).mkv"))
    True
    >>> in_plex_layout("/dl/Heat.1995.1080p.mkv", parse_path("Heat.1995.1080p.mkv"))
    False
    >>> in_plex_layout("/m/Movies/Heat (1986)/Heat (1995).mkv", parse_path("Heat (1995).mkv"))
    False
    >>> in_plex_layout("/m/Movies/Kes/Kes.mkv", parse_path("Movies/Kes/Kes.mkv"))
    True
    >>> in_plex_layout("/tv/Fargo/Season 01/Fargo - S01E03.mkv", parse_path("Fargo/Season 01/Fargo - S01E03.mkv"))
    True
    """
    return _in_layout(path.rpartition("/")[0], parsed.kind, parsed.title, parsed.year, parsed.season)


@lru_cache(maxsize=1 << 14)
def _in_layout(folders: str, kind: str, title: str, year: int | None, season: int | None) -> bool:
    """in_plex_layout for a file's folders: the files of one folder share the answer."""
    parts = readable(folders).split("/")
    if kind == "movie":
        folder = _YEAR_FOLDER.match(parts[-1])
        if folder is None:  # an undated film's folder is its title alone, as plexsh's get names it
            return year is None and title_key(parts[-1]) == title_key(title)
        return int(folder["year"]) == year and title_key(folder["title"]) == title_key(title)
    if len(parts) < 2 or season is None:
        return False
    season_folder = parts[-1]
    found = _SEASON_FOLDER.match(season_folder)
    if (int(found.group(1)) if found else 0 if season_folder.lower() == "specials" else None) != season:
        return False
    show = _YEAR_FOLDER.match(parts[-2])
    return title_key(show["title"] if show else parts[-2]) == title_key(title)


@lru_cache(maxsize=1 << 16)
def title_key(title: str) -> str:
    """A title's match key, its bytes that are not UTF-8 read as the catalog reads them (Windows-1252)."""
    return match_key(readable(title))


_every_name: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # catalog -> (generation, names)


def catalog_names(catalog, ids: Iterable[int] | None = None) -> dict[int, ParsedName]:
    """What the scan parsed of catalog files (every one, or those of IDS), by file id, with its title's
    (item's) title and year: the item merged the spellings and dated an undated file. Every file's is
    kept for the catalog's generation (a scan that changes it makes a new one): `dupes nas` reads them
    to make its candidates, then to group them."""
    if ids is None:
        generation = catalog.generation()
        cached = _every_name.get(catalog)
        if cached is not None and cached[0] == generation:
            return cached[1]
        names = _read_names(catalog, None)
        _every_name[catalog] = (generation, names)
        return names
    return _read_names(catalog, ids)


def _read_names(catalog, ids: Iterable[int] | None) -> dict[int, ParsedName]:
    sql = ("SELECT f.id, f.kind, f.title, f.year, f.season, f.episodes, f.episode_title, f.edition, "
           "f.resolution, f.source_tag, f.codec, f.container, i.title, i.year "
           "FROM files f LEFT JOIN items i ON i.id = f.item_id")
    if ids is None:
        rows: Iterable[tuple] = catalog.conn.execute(sql)
    else:
        wanted = sorted(set(ids))
        # A few local copies of a large catalog: their rows by id, not the whole table
        rows = [row for start in range(0, len(wanted), 500) for row in catalog.conn.execute(
            f"{sql} WHERE f.id IN ({','.join('?' * len(wanted[start:start + 500]))})", wanted[start:start + 500])]
    names = {}
    for (file_id, kind, title, year, season, episodes, episode_title, edition, resolution, source, codec,
         container, item_title, item_year) in rows:
        numbers = _numbers(episodes) if episodes else ()
        names[file_id] = ParsedName(kind, item_title or title, item_year if item_title else year, season, numbers,
                                    episode_title, edition, resolution, source, codec, container)
    return names


def _numbers(episodes: str) -> tuple[int, ...]:
    """The catalog's episode list ("[3]", "[1,2]": the walker writes it so) as numbers, without a JSON
    parser per file.

    >>> _numbers("[3]"), _numbers("[1,2]"), _numbers("[1, 2]"), _numbers("[]")
    ((3,), (1, 2), (1, 2), ())
    """
    inside = episodes.strip()[1:-1]
    try:
        return tuple(int(number) for number in inside.split(",")) if inside.strip() else ()
    except ValueError:
        return tuple(json.loads(episodes))
