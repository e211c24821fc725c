"""The SQLite catalog: sources, folders, files and merged titles, and every query over them."""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlite_utils import Database

from plexsh.db import open_database
from plexsh.lang.ast import Filter
from plexsh.library.pathtext import is_stored, loaded, readable, stored
from plexsh.library.titleindex import TitleEntry, TitleIndex, search_words

# Timestamps are unix seconds (REAL) everywhere in this file.

def create_catalog(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["sources"].create(
        {"name": str, "root": str, "kind": str, "last_scan": float, "ok": int, "reason": str,
         "files": int, "seconds": float},
        pk="name",
    )
    db["dirs"].create(
        {"source": str, "relpath": str, "parent": str, "mtime_ns": int, "files": int},
        pk=("source", "relpath"),
    )
    db["items"].create(
        {"id": int, "kind": str, "title": str, "year": int, "match_key": str, "sort_key": str,
         "added": float, "size": int, "files": int, "seasons": int, "episodes": int,
         "quality": int, "resolution": str, "codec": str, "folders": str},
        pk="id",
    )
    db["files"].create(
        {"id": int, "source": str, "dir": str, "relpath": str, "path": str, "size": int,
         "mtime_ns": int, "added": float, "kind": str, "title": str, "year": int,
         "match_key": str, "season": int, "episode": int, "episodes": str, "episode_title": str,
         "edition": str, "resolution": str, "quality": int, "source_tag": str, "codec": str,
         "container": str, "sha256": str, "item_id": int},
        pk="id",
    )
    # One index serves both the uniqueness of a path and the per-folder diff of a re-scan
    # (dir is a prefix of relpath); every index costs a few microseconds per inserted file.
    db["files"].create_index(["source", "dir", "relpath"], unique=True)
    db["files"].create_index(["item_id", "season", "episode"])
    db["files"].create_index(["kind", "match_key"])
    db["items"].create_index(["kind", "match_key", "year"])
    db["items"].create_index(["sort_key"])


def add_search_words(db: Database) -> None:
    """Titles' folded words, kept with the item so the search index loads instead of computing."""
    db["items"].add_column("words", str)
    rows = db.execute("SELECT id, title FROM items").fetchall()
    db.conn.executemany("UPDATE items SET words = ? WHERE id = ?",
                        [(" ".join(words), row[0]) for row, words in zip(rows, search_words(r[1] for r in rows))])


def keep_hashes_by_content(db: Database) -> None:
    """SHA-256s in a table of their own, keyed by where a file lies and which version of it was hashed
    (source, dir, relpath, size, mtime_ns), not by a files row that a re-scan may delete and re-create.
    The one place a hash is kept: the catalog's files, the local record (plexsh.library.local), resync
    and duplicates all read it here, so no two copies of a hash can disagree."""
    db.execute("CREATE TABLE hashes (source TEXT NOT NULL, dir TEXT NOT NULL, relpath TEXT NOT NULL, "
               "size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, "
               "PRIMARY KEY (source, dir, relpath, size, mtime_ns)) WITHOUT ROWID")
    db.execute("INSERT OR IGNORE INTO hashes SELECT source, dir, relpath, size, mtime_ns, sha256 FROM files "
               "WHERE sha256 IS NOT NULL AND mtime_ns IS NOT NULL")
    db.execute("ALTER TABLE files DROP COLUMN sha256")


# The catalog's migration set (plexsh.db applies it): append only, a step's position is its version.
MIGRATIONS = [create_catalog, add_search_words, keep_hashes_by_content]

# A file's recorded SHA-256, if any, is that of the version the files row describes (same size and mtime).
HASH_OF_FILE = ("LEFT JOIN hashes h ON h.source = f.source AND h.dir = f.dir AND h.relpath = f.relpath "
                "AND h.size = f.size AND h.mtime_ns = f.mtime_ns")


# --- rows handed out -----------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One title: a movie (possibly several files in several folders) or a show."""

    id: int
    kind: str  # "movie" | "show"
    title: str
    year: int | None
    size: int
    files: int
    seasons: int | None
    episodes: int | None
    resolution: str | None
    codec: str | None
    folders: tuple[str, ...]
    added: float

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["folders"] = list(self.folders)
        if self.kind != "show":
            del data["seasons"], data["episodes"]
        return data


@dataclass(frozen=True)
class FileRow:
    """One video file of an item; `folder` is the source it lives in, `source` its release tag."""

    id: int
    item_id: int | None
    path: str
    relpath: str
    folder: str
    size: int
    season: int | None
    episode: int | list[int] | None
    episode_title: str | None
    resolution: str | None
    source: str | None
    codec: str | None
    edition: str | None
    container: str | None
    mtime_ns: int
    added: float
    sha256: str | None

    @property
    def episodes(self) -> list[int]:
        if self.episode is None:
            return []
        return list(self.episode) if isinstance(self.episode, list) else [self.episode]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SourceRow:
    name: str
    root: str
    kind: str
    files: int
    last_scan: float | None
    ok: bool | None
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CatalogStats:
    path: str
    movies: int
    shows: int
    episodes: int
    files: int
    size: int
    sources: tuple[SourceRow, ...]
    last_scan: float | None

    @property
    def last_scan_age(self) -> float | None:
        return None if self.last_scan is None else max(0.0, time.time() - self.last_scan)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = [s.as_dict() for s in self.sources]
        data["last_scan_age"] = self.last_scan_age
        return data


@dataclass
class WalkChanges:
    """What applying (part of) a walk changed, and what `settle` has left to do about it:
    `groups` are (kind, match_key) pairs whose titles are in doubt, `items` titles whose
    files changed plainly (only their totals need refreshing)."""

    added: int = 0
    removed: int = 0
    updated: int = 0
    listed_dirs: int = 0
    groups: set[tuple[str, str]] = field(default_factory=set, repr=False)
    items: set[int] = field(default_factory=set, repr=False)

    def add(self, other: WalkChanges) -> None:
        self.added += other.added
        self.removed += other.removed
        self.updated += other.updated
        self.listed_dirs += other.listed_dirs
        self.groups |= other.groups
        self.items |= other.items


# --- helpers ---------------------------------------------------------------------------------

_ITEM_COLUMNS = ("id, kind, title, year, size, files, seasons, episodes, resolution, codec, "
                 "folders, added")
_FILE_COLUMNS = ("f.id, f.item_id, f.path, f.relpath, f.source, f.size, f.season, f.episodes, "
                 "f.episode_title, f.resolution, f.source_tag, f.codec, f.edition, f.container, "
                 "f.mtime_ns, f.added, h.sha256")
_KINDS = {"all": None, "movies": "movie", "movie": "movie", "tv": "show", "show": "show",
          "shows": "show", None: None}
_ITEM_KIND = {"movie": "movie", "episode": "show"}
_OPS = {"=": "=", "==": "=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "!=": "!="}
# "+sort_key" keeps SQLite off the sort_key index for whole listings: reading the table in order
# and sorting it is about twice as fast as fetching 100,000 rows at random through the index.
_SORTS = {
    "title": "+sort_key {d}, year",
    "year": "year IS NULL, year {d}, +sort_key",
    "size": "size {d}, +sort_key",
    "added": "added {d}, +sort_key",
}
_TITLE_WITH_YEAR = re.compile(r"^\s*(?P<title>.*?\S)\s*[\(\[]?(?P<year>(?:19|20)\d\d)[\)\]]?\s*$")


def quality_lines(resolution: Any) -> int | None:
    """Vertical lines of a resolution: "1080p" -> 1080, "4k"/"UHD" -> 2160, 720 -> 720.

    >>> [quality_lines(r) for r in ("1080p", "4K", "2160p", "576i", 720, "uhd", None, "SD")]
    [1080, 2160, 2160, 576, 720, 2160, None, 480]
    """
    if resolution is None or isinstance(resolution, bool):
        return None
    if isinstance(resolution, int):
        return resolution
    text = str(resolution).strip().lower()
    named = {"4k": 2160, "uhd": 2160, "8k": 4320, "fhd": 1080, "hd": 720, "sd": 480}
    if text in named:
        return named[text]
    digits = re.match(r"^(\d{3,4})[pi]?$", text)
    return int(digits.group(1)) if digits else None


def _episode_value(episodes_json: str | None) -> int | list[int] | None:
    numbers = json.loads(episodes_json) if episodes_json else []
    if not numbers:
        return None
    return numbers[0] if len(numbers) == 1 else numbers


@contextmanager
def no_gc():
    """Pause the cyclic garbage collector while building many small objects at once.

    Creating 100,000s of tuples and lists triggers collections that walk every live object,
    which here made building the title index several times slower; nothing built is cyclic.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Catalog:
    """The catalog file. Reads are plain SQL; a scan writes in transactions of a few thousand files."""

    def __init__(self, path: Path | str | None = None):
        self.path, self.db = open_database(path)
        self.conn = self.db.conn
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: a 100,000-file scan's indexes fit
        self._index: TitleIndex | None = None
        self._index_generation: str | None = None
        self._index_builder: threading.Thread | None = None
        self._titles: tuple[str, list[TitleEntry]] | None = None
        self._values: dict[str, tuple[str, list[str]]] = {}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- bookkeeping -------------------------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever titles change, in this process or another; caches key on it."""
        return self.meta("generation") or "0"

    def _bump_generation(self) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def meta(self, key: str) -> str | None:
        """A value the catalog keeps about itself (e.g. what a source was last walked with)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db.atomic():
            self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                              "SET value = excluded.value WHERE value IS NOT excluded.value", (key, value))

    def invalidate(self) -> None:
        """Drop in-memory caches (the title index, completion values)."""
        self._index = self._titles = None
        self._values.clear()

    # --- writing: used by the scanner ----------------------------------------------------------

    def known_dirs(self, name: str, root: str, kind: str) -> list[tuple[str, str | None, int, int]]:
        """(relpath, parent, mtime_ns, files) of a source's folders; a source whose root moved starts over."""
        row = self.conn.execute("SELECT root, kind FROM sources WHERE name = ?", (name,)).fetchone()
        if row and (row[0], row[1]) != (root, kind):
            with self.db.atomic():
                groups = self._forget_files("source = ?", (name,))
                self.conn.execute("DELETE FROM dirs WHERE source = ?", (name,))
                self.conn.execute("UPDATE sources SET root = ?, kind = ? WHERE name = ?", (root, kind, name))
            self.settle(groups)
        return [(loaded(rel), parent if parent is None else loaded(parent), mtime_ns, files)
                for rel, parent, mtime_ns, files in self.conn.execute(
                    "SELECT relpath, parent, mtime_ns, files FROM dirs WHERE source = ?", (name,))]

    def apply_dirs(self, name: str, root: str, kind: str, dirs: Sequence[tuple],
                   known: Iterable[str], now: float | None = None) -> WalkChanges:
        """Write folders a walk listed (new or changed) in one transaction; unchanged files are not rewritten.

        `dirs` holds (relpath, parent, mtime_ns, [file tuples in walker.FILE_FIELDS order]);
        `known` the folder relpaths the catalog had before the walk. New files are attached to
        the title they plainly belong to (or a new one) as they are written; settling
        (`settle(changes.groups, changes.items)`) then works out titles in doubt and totals.
        """
        now = time.time() if now is None else now
        changes = WalkChanges(listed_dirs=len(dirs))
        if not dirs:
            return changes
        dirs = [_storable_dir(d) for d in dirs]
        known = {stored(rel) for rel in known}
        fresh: list[tuple] = []  # new files, in walker.FILE_FIELDS order
        folders: list[str] = []  # the folder of each
        dir_rows: list[tuple] = []
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO sources(name, root, kind) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
                (name, root, kind),
            )
            for rel, parent, mtime_ns, files in dirs:
                dir_rows.append((name, rel, parent, mtime_ns, len(files)))
                new = self._diff_dir(name, rel, files, changes) if rel in known else files
                fresh += new
                folders += [rel] * len(new)
            self.conn.executemany(
                "INSERT INTO dirs(source, relpath, parent, mtime_ns, files) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(source, relpath) DO UPDATE SET parent = excluded.parent, "
                "mtime_ns = excluded.mtime_ns, files = excluded.files",
                dir_rows,
            )
            items = self._attach_new(fresh, changes, now)
            self.conn.executemany(self._INSERT_FILE, [
                (name, rel, now, *f, item) for rel, f, item in zip(folders, fresh, items)])
            changes.added = len(fresh)
        return changes

    def _attach_new(self, files: list[tuple], changes: WalkChanges, now: float) -> list[int | None]:
        """For each new file (walker.FILE_FIELDS), the id of the item it plainly belongs to, or None.

        Writing item ids with the files spares rewriting every new file when titles settle.
        A group without items gets them here, by the year rule of _resolve_items. A file that
        plainly joins an item (same title spelling, no clashing year) only needs the item's
        totals refreshed (changes.items); anything else puts its group in doubt (changes.groups).
        """
        from plexsh.library.titles import sort_key

        # f[4] kind, f[5] title, f[6] year, f[7] match key
        members: dict[tuple[str, str], list[tuple]] = {}  # in order of first appearance
        for f in files:
            group = (f[4], f[7])
            listed = members.get(group)
            if listed is None:
                members[group] = [f]
            else:
                listed.append(f)
        existing, titles = self._group_items(members.keys())
        next_id = (self._count("SELECT max(id) FROM items") or 0) + 1
        created = []
        for group, group_files in members.items():
            if group in existing:
                continue
            years = {f[6] for f in group_files} - {None}
            if len(years) > 1:
                item_years = sorted(years) + ([None] if any(f[6] is None for f in group_files) else [])
            else:
                item_years = [next(iter(years)) if years else None]
            ids = existing[group] = {}
            item_kind = _ITEM_KIND.get(group[0], "movie")
            for year in item_years:
                title = next((f[5] for f in group_files if f[6] == year), group_files[0][5])
                created.append((item_kind, title, year, group[1], sort_key(title), now, next_id))
                ids[year] = [next_id]
                titles[next_id] = title
                next_id += 1
        self._insert_items(created)
        doubtful, plain = changes.groups, changes.items
        attached: list[int | None] = []
        for f in files:
            group = (f[4], f[7])
            ids = existing[group]
            year = f[6]
            if year in ids:
                item = ids[year][0]
            elif len(ids) == 1:  # an undated file joins the one title; a dated one dates an undated title
                ((only_year, (item, *_)),) = ids.items()
                if year is not None and only_year is not None:
                    item = None  # a second year: which title is which is for settle to say
            else:
                item = None
            if item is not None and titles[item] == f[5] and (year is None or year in ids):
                plain.add(item)
            else:
                doubtful.add(group)
            attached.append(item)
        return attached

    def _insert_items(self, rows: list[tuple]) -> None:
        """Insert (kind, title, year, match_key, sort_key, added, id) rows, with their search words."""
        self.conn.executemany(
            "INSERT INTO items(kind, title, year, match_key, sort_key, added, id, words) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, " ".join(words)) for row, words in zip(rows, search_words(r[1] for r in rows))],
        )

    def _group_items(self, groups: set[tuple[str, str]]) -> tuple[dict, dict[int, str]]:
        """({(file kind, match_key): {year: [item ids]}}, {item id: title}) for groups with items.

        Fills the temporary scan_groups table with `groups` on the way, for the caller's joins.
        """
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS scan_groups "
                          "(kind TEXT, match_key TEXT, PRIMARY KEY (kind, match_key)) WITHOUT ROWID")
        self.conn.execute("DELETE FROM scan_groups")
        self.conn.executemany("INSERT OR IGNORE INTO scan_groups VALUES (?, ?)", groups)
        existing: dict[tuple[str, str], dict[int | None, list[int]]] = defaultdict(dict)
        titles: dict[int, str] = {}
        for item_id, kind, key, year, title in self.conn.execute(
            "SELECT i.id, g.kind, i.match_key, i.year, i.title FROM scan_groups g CROSS JOIN items i "
            "ON i.match_key = g.match_key AND i.kind = (CASE g.kind WHEN 'episode' THEN 'show' ELSE 'movie' END) "
            "ORDER BY i.id"
        ):
            existing[(kind, key)].setdefault(year, []).append(item_id)
            titles[item_id] = title
        return dict(existing), titles

    def remove_dirs(self, name: str, vanished: Sequence[str]) -> WalkChanges:
        """Forget folders a finished walk no longer found, with their files (settle the groups after)."""
        changes = WalkChanges()
        if not vanished:
            return changes
        gone = [(name, stored(rel)) for rel in vanished]
        with self.db.atomic():
            for chunk in _chunks(gone, 400):
                where = " OR ".join(["(source = ? AND dir = ?)"] * len(chunk))
                params = [v for pair in chunk for v in pair]
                changes.removed += self._count("SELECT count(*) FROM files WHERE " + where, params)
                changes.groups |= self._forget_files(where, params)
            self.conn.executemany("DELETE FROM dirs WHERE source = ? AND relpath = ?", gone)
        return changes

    def apply_walk(self, name: str, root: str, kind: str, dirs: Sequence[tuple],
                   vanished: Sequence[str], known: Iterable[str], now: float | None = None) -> WalkChanges:
        """A whole walk at once: apply_dirs, remove_dirs, settle."""
        changes = self.apply_dirs(name, root, kind, dirs, known, now)
        changes.add(self.remove_dirs(name, vanished))
        self.settle(changes.groups, changes.items)
        return changes

    def settle(self, groups: Iterable[tuple[str, str]] = (), items: Iterable[int] = (),
               loose: bool = False) -> int:
        """Work out the titles of the given (kind, match_key) groups and refresh the totals of
        those and of `items`; returns how many titles were touched.

        `loose` also takes every file left unattached, as an interrupted scan leaves them.
        Bumps the generation, so caches here and in other processes refresh.
        """
        groups, items = set(groups), set(items)
        if loose:
            groups.update(self.conn.execute("SELECT DISTINCT kind, match_key FROM files WHERE item_id IS NULL"))
        if not groups and not items:
            return 0
        with self.db.atomic():
            touched = self._resolve_items(groups) if groups else set()
            self._refresh_totals(touched | items)
            self._bump_generation()
        self.invalidate()
        return len(touched | items)

    def record_scan(self, name: str, root: str, kind: str, ok: bool, reason: str | None,
                    seconds: float, when: float | None = None) -> int:
        """Note a source's scan outcome; returns how many files the catalog holds for it."""
        files = self._count("SELECT coalesce(sum(files), 0) FROM dirs WHERE source = ?", (name,))
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO sources(name, root, kind, last_scan, ok, reason, files, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "last_scan = excluded.last_scan, ok = excluded.ok, reason = excluded.reason, "
                "files = excluded.files, seconds = excluded.seconds",
                (name, root, kind, time.time() if when is None else when, int(ok), reason, files, seconds),
            )
        return files

    def prune_sources(self, keep: Iterable[str]) -> list[str]:
        """Forget sources no longer configured (their files and folders); returns their names."""
        keep = set(keep)
        gone = [n for (n,) in self.conn.execute("SELECT name FROM sources") if n not in keep]
        if not gone:
            return []
        with self.db.atomic():
            groups: set[tuple[str, str]] = set()
            for name in gone:
                groups |= self._forget_files("source = ?", (name,))
                self.conn.execute("DELETE FROM dirs WHERE source = ?", (name,))
                self.conn.execute("DELETE FROM sources WHERE name = ?", (name,))
        self.settle(groups)
        return gone

    def _count(self, sql: str, params: Sequence = ()) -> int:
        return self.conn.execute(sql, params).fetchone()[0]

    _INSERT_FILE = (
        "INSERT INTO files(source, dir, added, relpath, path, size, mtime_ns, kind, title, year, "
        "match_key, season, episode, episodes, episode_title, edition, resolution, quality, "
        "source_tag, codec, container, item_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _PARSED_COLUMNS = ("kind, title, year, match_key, season, episode, episodes, episode_title, "
                       "edition, resolution, quality, source_tag, codec, container")
    _SET_PARSED = f"({_PARSED_COLUMNS}) = ({', '.join('?' * 14)})"

    def _diff_dir(self, source: str, rel: str, files: Sequence[tuple], changes: WalkChanges) -> list[tuple]:
        """Compare a re-listed known folder with the catalog: write changes, return the new files."""
        existing = {
            row[0]: row[1:]
            for row in self.conn.execute(
                f"SELECT relpath, id, size, mtime_ns, {self._PARSED_COLUMNS} FROM files "
                "WHERE source = ? AND dir = ?", (source, rel))
        }
        fresh = []
        for f in files:
            old = existing.pop(f[0], None)
            if old is None:
                fresh.append(f)
                continue
            file_id, size, mtime_ns, *parsed = old
            if (size, mtime_ns) != (f[2], f[3]):
                # The same name with new content: a replaced file. The old version's hash stays in
                # `hashes` under the old size and mtime (a local copy of it may still need it).
                self.conn.execute(
                    f"UPDATE files SET size = ?, mtime_ns = ?, {self._SET_PARSED} WHERE id = ?",
                    (f[2], f[3], *f[4:], file_id),
                )
            elif tuple(parsed) != f[4:]:  # the name parser has learned something since
                self.conn.execute(f"UPDATE files SET {self._SET_PARSED} WHERE id = ?", (*f[4:], file_id))
            else:
                continue
            changes.updated += 1
            changes.groups.add((parsed[0], parsed[3]))
            changes.groups.add((f[4], f[7]))
        if existing:
            changes.removed += len(existing)
            changes.groups |= {(old[3], old[6]) for old in existing.values()}
            self.conn.executemany("DELETE FROM files WHERE id = ?", [(old[0],) for old in existing.values()])
        return fresh

    def _forget_files(self, where: str, params: Sequence) -> set[tuple[str, str]]:
        """Delete files matching `where`; returns the (kind, match_key) groups they belonged to."""
        groups = set(self.conn.execute(f"SELECT DISTINCT kind, match_key FROM files WHERE {where}", params))
        self.conn.execute(f"DELETE FROM files WHERE {where}", params)
        return groups

    # Probing the (kind, match_key) index costs a random row fetch per file; reading the whole
    # table in order wins once the groups cover a good part of it (a first scan in one go).
    SCAN_ALL_GROUPS = 2000

    def _resolve_items(self, groups: set[tuple[str, str]]) -> set[int]:
        """Assign every file of the given (kind, match_key) groups to an item; returns the items touched.

        Movies merge on match key and year, shows on match key. A file without a year joins the
        group's one dated item when there is exactly one; with several years it gets its own item.
        Item ids stay stable where they can: the same year keeps its item.
        """
        from plexsh.library.titles import sort_key

        existing, _ = self._group_items(groups)  # also fills the scan_groups table used below
        members: dict[tuple[str, str], list] = defaultdict(list)  # (file id, year, title, added, item_id)
        files_total = self._count("SELECT max(id) FROM files") or 0
        if len(groups) > self.SCAN_ALL_GROUPS and len(groups) * 4 > files_total:
            # Thousands of index probes, each followed by a random row fetch, cost more than
            # reading the table once in order (a cold scan touches every group anyway).
            rows = self.conn.execute("SELECT id, kind, match_key, year, title, added, item_id FROM files")
            for fid, kind, key, year, title, added, item_id in rows:
                if (kind, key) in groups:
                    members[(kind, key)].append((fid, year, title, added, item_id))
        else:
            for fid, kind, key, year, title, added, item_id in self.conn.execute(
                "SELECT f.id, f.kind, f.match_key, f.year, f.title, f.added, f.item_id FROM scan_groups g "
                "CROSS JOIN files f ON f.kind = g.kind AND f.match_key = g.match_key"
            ):
                members[(kind, key)].append((fid, year, title, added, item_id))

        next_id = (self._count("SELECT max(id) FROM items") or 0) + 1
        inserts, updates, moves, touched, dropped = [], [], [], set(), []
        for group in groups:
            files = members.get(group, ())
            years = {m[1] for m in files if m[1] is not None}
            if len(years) > 1:
                by_year: dict[int | None, list] = defaultdict(list)
                for m in files:
                    by_year[m[1]].append(m)
            else:
                by_year = {next(iter(years)) if years else None: files} if files else {}
            old = existing.get(group, {})
            spare = [i for year, ids in old.items() for i in (ids if year not in by_year else ids[1:])]
            item_kind = _ITEM_KIND.get(group[0], "movie")
            for year, group_files in by_year.items():
                if year in old:
                    item_id, target = old[year][0], updates
                elif spare:  # the year became known (or ambiguous): keep the item, change its year
                    item_id, target = spare.pop(0), updates
                else:
                    item_id, target, next_id = next_id, inserts, next_id + 1
                if len(group_files) == 1:
                    title = group_files[0][2]
                else:  # the parser already cleaned titles; the most common spelling names the item
                    title = Counter(m[2] for m in group_files).most_common(1)[0][0]
                added = min(m[3] for m in group_files)
                target.append((item_kind, title, year, group[1], sort_key(title), added, item_id))
                touched.add(item_id)
                moves += [(item_id, m[0]) for m in group_files if m[4] != item_id]
            dropped += spare

        self._insert_items(inserts)
        self.conn.executemany(  # only rows that really change are written
            "UPDATE items SET title = ?1, year = ?2, sort_key = ?3, added = ?4, words = ?6 WHERE id = ?5 "
            "AND NOT (title IS ?1 AND year IS ?2 AND sort_key IS ?3 AND added IS ?4)",
            [(u[1], u[2], u[4], u[5], u[6], " ".join(words))
             for u, words in zip(updates, search_words(u[1] for u in updates))],
        )
        if moves:  # one set-based UPDATE beats a statement per file
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS scan_moves (id INTEGER PRIMARY KEY, item_id INTEGER)")
            self.conn.execute("DELETE FROM scan_moves")
            self.conn.executemany("INSERT INTO scan_moves VALUES (?, ?)", [(f, i) for i, f in moves])
            self.conn.execute("UPDATE files SET item_id = m.item_id FROM scan_moves m WHERE files.id = m.id")
        if dropped:
            self.conn.executemany("DELETE FROM items WHERE id = ?", [(i,) for i in dropped])
        return touched

    def _refresh_totals(self, item_ids: set[int]) -> None:
        """Recompute the per-item totals that listings filter and sort on; empty items go."""
        if not item_ids:
            return
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS scan_items (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM scan_items")
        self.conn.executemany("INSERT OR IGNORE INTO scan_items VALUES (?)", [(i,) for i in item_ids])
        # The temporary tables lead every join (CROSS JOIN fixes the order): without statistics
        # SQLite would otherwise scan all files and probe the few touched ones.
        # With a single max() in a GROUP BY, SQLite takes the bare columns (resolution, codec)
        # from the row holding the maximum: the best file, preferring one whose codec is known.
        self.conn.execute("""
            WITH t AS (
                SELECT f.item_id AS id, sum(f.size) AS size, count(*) AS files,
                       count(DISTINCT f.season) AS seasons,
                       max(coalesce(f.quality, 0) * 2 + (f.codec IS NOT NULL)) AS best,
                       f.resolution AS resolution, f.codec AS codec,
                       json_group_array(DISTINCT f.source) AS folders
                FROM scan_items s CROSS JOIN files f ON f.item_id = s.id GROUP BY f.item_id
            ), e AS (
                SELECT id, count(*) AS n FROM (
                    SELECT DISTINCT f.item_id AS id, f.season, j.value
                    FROM scan_items s CROSS JOIN files f ON f.item_id = s.id, json_each(f.episodes) j
                    WHERE f.season IS NOT NULL
                ) GROUP BY id
            )
            UPDATE items SET size = t.size, files = t.files, seasons = t.seasons,
                   episodes = coalesce(e.n, 0), quality = nullif(t.best / 2, 0),
                   resolution = t.resolution, codec = t.codec, folders = t.folders
            FROM t LEFT JOIN e ON e.id = t.id WHERE items.id = t.id
        """)
        self.conn.execute(
            "DELETE FROM items WHERE id IN (SELECT id FROM scan_items) "
            "AND NOT EXISTS (SELECT 1 FROM files WHERE files.item_id = items.id)"
        )

    # --- reading -------------------------------------------------------------------------------

    @staticmethod
    def _item(row: tuple) -> Item:
        item_id, kind, title, year, size, files, seasons, episodes, resolution, codec, folders, added = row
        show = kind == "show"
        return Item(item_id, kind, title, year, size or 0, files or 0, seasons if show else None,
                    episodes if show else None, resolution, codec,
                    tuple(sorted(json.loads(folders))) if folders else (), added or 0.0)

    def items(self, kind: str = "all", filters: Iterable[Filter] = (), sort: str = "title",
              descending: bool = False) -> list[Item]:
        """Titles of a kind ("all", "movies", "tv"), filtered (plexsh.lang.ast.Filter) and sorted."""
        if kind not in _KINDS:
            raise ValueError(f"unknown kind {kind!r}: all, movies or tv")
        if sort not in _SORTS:
            raise ValueError(f"unknown sort {sort!r}: " + ", ".join(_SORTS))
        where, params = ["1"], []
        if _KINDS[kind]:
            where.append("kind = ?")
            params.append(_KINDS[kind])
        for filter_ in filters:
            clause, values = self._filter_sql(filter_)
            where.append(clause)
            params += values
        order = _SORTS[sort].format(d="DESC" if descending else "ASC")
        sql = f"SELECT {_ITEM_COLUMNS} FROM items WHERE {' AND '.join(where)} ORDER BY {order}, id"
        return [self._item(row) for row in self.conn.execute(sql, params)]

    def _filter_sql(self, f: Filter) -> tuple[str, list]:
        key, op, value = f.key, f.op, f.value
        if key == "synced":
            return self._synced_sql(bool(value))
        if key == "year" and op == "..":
            lo, hi = (value.lo, value.hi) if hasattr(value, "lo") else value
            return "year BETWEEN ? AND ?", [lo if lo is not None else -1, hi if hi is not None else 99999]
        if op not in _OPS:
            raise ValueError(f"unknown operator {op!r} for {key}")
        op = _OPS[op]
        if key == "year":
            return f"year {op} ?", [int(value)]
        if key == "quality":
            return f"coalesce(quality, 0) {op} ?", [quality_lines(value)]
        if key == "size":
            from plexsh.config import parse_size

            return f"size {op} ?", [parse_size(value)]
        if key == "codec":
            return ("EXISTS (SELECT 1 FROM files f WHERE f.item_id = items.id AND lower(f.codec) = lower(?))",
                    [str(value)])
        if key == "source":
            return ("EXISTS (SELECT 1 FROM files f WHERE f.item_id = items.id "
                    "AND f.source = ? COLLATE NOCASE)", [str(value)])
        raise ValueError(f"unknown filter key {key!r}")

    def _synced_sql(self, synced: bool) -> tuple[str, list]:
        """`synced`: every episode local (a movie: any version); `unsynced`: nothing local.

        Local copies are the `local_files` table (plexsh.library.local).
        """
        # Uncorrelated, so SQLite builds the set of titles with a local file once per query.
        # item_id IS NOT NULL: one NULL would make every NOT IN unknown.
        some_local = ("items.id IN (SELECT f.item_id FROM local_files l JOIN files f ON f.source = l.source "
                      "AND f.dir = l.dir AND f.relpath = l.relpath WHERE f.item_id IS NOT NULL)")
        if not synced:
            return f"NOT {some_local}", []
        # A show is synced when no file of it is missing locally with an episode no local file holds
        # (a double episode file counts for both; a file without episode numbers only for itself).
        return (f"{some_local} AND (items.kind = 'movie' OR NOT EXISTS ("
                "SELECT 1 FROM files m WHERE m.item_id = items.id "
                "AND NOT EXISTS (SELECT 1 FROM local_files l "
                "WHERE l.source = m.source AND l.dir = m.dir AND l.relpath = m.relpath) "
                "AND (m.season IS NULL OR m.episodes IS NULL OR EXISTS ("
                "SELECT 1 FROM json_each(m.episodes) e WHERE NOT EXISTS ("
                "SELECT 1 FROM files g JOIN local_files l ON l.source = g.source AND l.dir = g.dir "
                "AND l.relpath = g.relpath, json_each(g.episodes) ge "
                "WHERE g.item_id = items.id AND g.season = m.season AND ge.value = e.value)))))"), []

    def item(self, item_id: int) -> Item | None:
        row = self.conn.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        return self._item(row) if row else None

    def files(self, item_id: int) -> list[FileRow]:
        """An item's files; episodes by season then episode number, movies by folder and path."""
        rows = self.conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM files f {HASH_OF_FILE} WHERE f.item_id = ? "
            "ORDER BY f.season NULLS LAST, f.episode NULLS LAST, f.source, f.relpath",
            (item_id,),
        )
        return [FileRow(r[0], r[1], loaded(r[2]), loaded(r[3]), r[4], r[5], r[6], _episode_value(r[7]), *r[8:])
                for r in rows]

    def seasons(self, item_id: int) -> dict[int, list[int]]:
        """Season -> sorted episode numbers of a show (a double episode counts for both)."""
        seasons: dict[int, set[int]] = defaultdict(set)
        for season, episodes in self.conn.execute(
            "SELECT season, episodes FROM files WHERE item_id = ? AND season IS NOT NULL", (item_id,)
        ):
            seasons[season].update(json.loads(episodes) if episodes else ())
        return {season: sorted(seasons[season]) for season in sorted(seasons)}

    def lookup(self, title: str, kind: str | None = None) -> list[Item]:
        """Items whose title matches exactly (by match key); "Title (Year)" narrows by year."""
        from plexsh.library.titles import match_key

        kind = _KINDS.get(kind, kind)
        tries: list[tuple[str, int | None]] = []
        dated = _TITLE_WITH_YEAR.match(title)
        if dated:
            tries.append((match_key(dated["title"]), int(dated["year"])))
        tries.append((match_key(title), None))
        for key, year in tries:
            sql, params = f"SELECT {_ITEM_COLUMNS} FROM items WHERE match_key = ?", [key]
            if year is not None:
                sql += " AND year = ?"
                params.append(year)
            if kind:
                sql += " AND kind = ?"
                params.append(kind)
            else:
                sql += " AND kind IN ('movie', 'show')"  # lets SQLite use the (kind, match_key, year) index
            found = [self._item(r) for r in self.conn.execute(sql + " ORDER BY year, id", params)]
            if found:
                return found
        return []

    def title_index(self) -> list[TitleEntry]:
        """Every title as (id, title, year, kind, match_key) in title order, cached until the catalog changes."""
        generation = self.generation()
        if self._titles is None or self._titles[0] != generation:
            with no_gc():
                rows = self.conn.execute(  # "+": see _SORTS
                    "SELECT id, title, year, kind, match_key FROM items ORDER BY +sort_key, coalesce(year, 0)")
                self._titles = (generation, [TitleEntry(*row) for row in rows])
        return self._titles[1]

    def _title_index(self) -> TitleIndex:
        generation = self.generation()
        if self._index is None or generation != self._index_generation:
            builder = self._index_builder
            if builder is not None and builder.generation == generation:
                builder.join()  # one is being built in the background: wait, do not build twice
            if self._index is None or generation != self._index_generation:
                self._index, self._index_generation = _load_title_index(self.conn), generation
        return self._index

    def prepare_title_index(self) -> None:
        """Build the title index on a background thread, so the first keystroke does not wait.

        100,000 titles take a few hundred milliseconds to index; the shell calls this after
        opening the catalog and after a scan. The thread reads through its own connection.
        """
        generation = self.generation()
        if (self._index is not None and generation == self._index_generation) or (
                self._index_builder is not None and self._index_builder.generation == generation
                and self._index_builder.is_alive()):
            return

        def build() -> None:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                index = _load_title_index(conn)
            finally:
                conn.close()
            if generation == self._index_generation or self._index_builder is not thread:
                return
            self._index, self._index_generation = index, generation

        thread = threading.Thread(target=build, name="plexsh-title-index", daemon=True)
        thread.generation = generation
        self._index_builder = thread
        thread.start()

    def find(self, text: str, limit: int = 20) -> list[tuple[Item, float]]:
        """Titles matching `text` as typed: prefixes, single words, misspellings ("brekin bad")."""
        hits = self._title_index().search(text, limit)
        return self._with_items(hits)

    def closest(self, text: str, limit: int = 5) -> list[tuple[Item, float]]:
        """The titles nearest to `text`, for "did you mean"; falls back to whole-title similarity."""
        index = self._title_index()
        hits = index.search(text, limit) or index.whole_title(text, limit)
        return self._with_items(hits)

    def _with_items(self, hits: list[tuple[int, float]]) -> list[tuple[Item, float]]:
        if not hits:
            return []
        ids = [item_id for item_id, _ in hits]
        rows = self.conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
        items = {row[0]: self._item(row) for row in rows}
        return [(items[i], score) for i, score in hits if i in items]

    def known_values(self, key: str) -> list[str]:
        """Values seen in the library, for completion: resolution, codec, source (folder), year."""
        queries = {
            "resolution": "SELECT resolution FROM files WHERE resolution IS NOT NULL "
                          "GROUP BY resolution ORDER BY max(quality) DESC, resolution",
            "codec": "SELECT DISTINCT codec FROM files WHERE codec IS NOT NULL ORDER BY codec",
            "source": "SELECT name FROM sources ORDER BY name",
            "folder": "SELECT name FROM sources ORDER BY name",
            "year": "SELECT DISTINCT year FROM items WHERE year IS NOT NULL ORDER BY year DESC",
        }
        if key not in queries:
            raise ValueError(f"no known values for {key!r}: " + ", ".join(queries))
        generation = self.generation()
        cached = self._values.get(key)
        if cached and cached[0] == generation:
            return list(cached[1])
        values = [str(v) for (v,) in self.conn.execute(queries[key])]
        self._values[key] = (generation, values)
        return list(values)

    def source_rows(self) -> list[SourceRow]:
        return [
            SourceRow(name, root, kind, files or 0, last_scan, None if ok is None else bool(ok), reason)
            for name, root, kind, files, last_scan, ok, reason in self.conn.execute(
                "SELECT name, root, kind, files, last_scan, ok, reason FROM sources ORDER BY name")
        ]

    def stats(self) -> CatalogStats:
        """Counts and the last scan time, for `doctor` and the status line."""
        movies, shows = self.conn.execute(
            "SELECT coalesce(sum(kind = 'movie'), 0), coalesce(sum(kind = 'show'), 0) FROM items").fetchone()
        files, size, episodes = self.conn.execute(
            "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(kind = 'episode'), 0) FROM files").fetchone()
        sources = tuple(self.source_rows())
        scans = [s.last_scan for s in sources if s.last_scan is not None]
        return CatalogStats(str(self.path), movies, shows, episodes, files, size, sources,
                            max(scans) if scans else None)


def _load_title_index(conn: sqlite3.Connection) -> TitleIndex:
    """The search index from the items table, sorted by SQLite (outside the GIL), shortest first."""
    with no_gc():
        rows = conn.execute("SELECT id, title, year, kind, match_key, coalesce(words, '') AS w FROM items "
                            "ORDER BY length(w), w").fetchall()
        return TitleIndex([TitleEntry(*r[:5]) for r in rows], [r[5] for r in rows], shortest_first=True)


# FILE_FIELDS positions of the words parsed from a name (title, episode title, edition, resolution,
# release tag, codec, container): they come from the name, so they hold its undecodable bytes too.
_NAME_WORDS = (5, 11, 12, 13, 15, 16, 17)


def _storable_dir(listed: tuple) -> tuple:
    """A walker's folder record as SQLite can take it: paths with bytes that are not UTF-8 in
    their stored form (pathtext), the words parsed from such a name made readable."""
    rel, parent, mtime_ns, files = listed
    if not any(is_stored(f[1]) for f in files) and not is_stored(rel) and not is_stored(parent):
        return listed
    from plexsh.library.titles import match_key

    fixed = []
    for f in files:
        if is_stored(f[1]):
            f = list(f)
            f[0], f[1] = stored(f[0]), stored(f[1])
            for i in _NAME_WORDS:
                if isinstance(f[i], str):
                    f[i] = readable(f[i])
            f[7] = match_key(f[5])
            f = tuple(f)
        fixed.append(f)
    return stored(rel), parent if parent is None else stored(parent), mtime_ns, fixed


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
