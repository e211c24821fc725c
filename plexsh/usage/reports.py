"""What the records say per file, title, show and month: plain data for `usage`, `recommend` and `random`."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Iterable

from plexsh.config import Analytics
from plexsh.library.pathtext import loaded
from plexsh.usage.records import LOOK, USES, current_scores, current_totals
from plexsh.usage.score import category, score_now

DAY = 86400.0


@dataclass
class FileUsage:
    """One file of a title: its catalog row (if the catalog still has it), its local copy (if any) and use."""

    file_id: int | None
    item_id: int | None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    size: int = 0                 # the catalog file's size
    added: float = 0.0            # when the catalog first saw it
    local_path: str | None = None
    local_size: int = 0
    synced_at: float | None = None
    uses: int = 0                 # plays and reads
    looks: int = 0
    last_use: float | None = None
    last_look: float | None = None
    score: float = 0.0            # decayed to now
    paths: list[str] = field(default_factory=list)  # the recorded paths (local copies, or catalog paths for looks)

    @property
    def local(self) -> bool:
        return self.local_path is not None

    @cached_property
    def order(self) -> tuple[int, int]:
        """Where the file stands in a show: (season, its last episode)."""
        return (self.season if self.season is not None else -1, max(self.episodes, default=0))

    @property
    def code(self) -> str | None:
        """S01E02 (S01E03-E04 for a double episode), or None for a movie."""
        if self.season is None or not self.episodes:
            return None
        code = f"S{self.season:02d}E{self.episodes[0]:02d}"
        return code + (f"-E{self.episodes[-1]:02d}" if len(self.episodes) > 1 else "")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["episodes"] = list(self.episodes)
        data["category"] = category(self.score, self.uses)
        data["code"] = self.code
        return data


@dataclass
class TitleUsage:
    """A title and its files' use, summed: plays, looks, last played, score and its category."""

    item_id: int
    kind: str
    title: str
    year: int | None
    files: list[FileUsage] = field(default_factory=list)
    # Season -> its last episode in the catalog, for shows whose files here are only some of them.
    season_ends: dict[int, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    # The sums over the files, worked out once per length of `files`: files are only ever added to
    # a title (with_all_episodes), never changed once in it, and the rules ask for them many times.
    _sums: tuple = field(default=(), init=False, repr=False, compare=False)

    def _summed(self) -> tuple:
        if not self._sums or self._sums[0] != len(self.files):
            files = self.files
            self._sums = (len(files), sum(f.uses for f in files), sum(f.looks for f in files),
                          max((f.last_use for f in files if f.last_use is not None), default=None),
                          max((f.last_look for f in files if f.last_look is not None), default=None),
                          sum(f.score for f in files), sum(f.local_size for f in files if f.local))
        return self._sums

    @property
    def uses(self) -> int:
        return self._summed()[1]

    @property
    def looks(self) -> int:
        return self._summed()[2]

    @property
    def last_use(self) -> float | None:
        return self._summed()[3]

    @property
    def last_look(self) -> float | None:
        return self._summed()[4]

    @property
    def score(self) -> float:
        return self._summed()[5]

    @property
    def category(self) -> str:
        return category(self.score, self.uses)

    @property
    def local_bytes(self) -> int:
        return self._summed()[6]

    def as_dict(self, with_files: bool = False) -> dict[str, Any]:
        data = {"item_id": self.item_id, "kind": self.kind, "title": self.title, "year": self.year,
                "plays": self.uses, "looks": self.looks, "last_played": self.last_use, "last_looked": self.last_look,
                "score": round(self.score, 4), "category": self.category, "local_bytes": self.local_bytes}
        if with_files:
            data["files"] = [f.as_dict() for f in self.files]
        return data


@lru_cache(maxsize=4096)
def _episodes(text: str | None) -> tuple[int, ...]:
    """A files row's episodes (JSON, like `[3, 4]`) as a tuple; the few distinct texts are read once."""
    return tuple(json.loads(text)) if text else ()


def title_usage(catalog, analytics: Analytics, *, now: float | None = None,
                item_ids: Iterable[int] | None = None, local_only: bool = False,
                looks: bool = True) -> dict[int, TitleUsage]:
    """Item id -> its usage, for every title with a local copy or a record (or only `item_ids`; without
    `looks`, titles only looked at are left out). Reads the per-file totals and the local record: never
    the records themselves."""
    conn = catalog.conn
    now = time.time() if now is None else now
    current_scores(conn, analytics)  # titles are found through the files' places here, not the cached ids
    wanted = None if item_ids is None else set(item_ids)
    by_file: dict[Any, FileUsage] = {}

    def file_for(file_id, item_id, season, episodes, size, added, fallback_key) -> FileUsage:
        key = file_id if file_id is not None else fallback_key
        found = by_file.get(key)
        if found is None:
            found = by_file[key] = FileUsage(file_id, item_id, season, _episodes(episodes), size or 0, added or 0.0)
        return found

    # For a few titles, from their files through the indexes; for all, one pass over each table.
    only = "" if wanted is None else f" WHERE f.item_id IN ({', '.join('?' * len(wanted))})"
    params = [] if wanted is None else sorted(wanted)
    for path, size, synced_at, file_id, item_id, season, episodes, file_size, added in conn.execute(
            "SELECT l.path, l.size, l.synced_at, f.id, f.item_id, f.season, f.episodes, f.size, f.added "
            f"FROM local_files l {'LEFT ' if wanted is None else ''}JOIN files f "
            "ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath" + only, params):
        if wanted is not None and item_id not in wanted:
            continue
        usage = file_for(file_id, item_id, season, episodes, file_size, added, ("local", path))
        usage.local_path, usage.local_size, usage.synced_at = loaded(path), size, synced_at
    half_life = analytics.half_life_days
    for path, uses, looks, last_use, last_look, score, score_at, file_id, item_id, season, episodes, size, added in conn.execute(
            "SELECT t.file_path, t.uses, t.looks, t.last_use, t.last_look, t.score, t.score_at, f.id, f.item_id, "
            f"f.season, f.episodes, f.size, f.added FROM access_totals t {'LEFT ' if wanted is None else ''}JOIN files f "
            "ON f.source = t.source AND f.dir = t.dir AND f.relpath = t.relpath" + only
            + ("" if looks else (" AND" if only else " WHERE") + " t.uses > 0"), params):
        if wanted is not None and item_id not in wanted:
            continue
        if local_only and ("local", path) not in by_file and (file_id is None or file_id not in by_file):
            continue
        usage = file_for(file_id, item_id, season, episodes, size, added, ("path", path))
        usage.uses += uses
        usage.looks += looks
        usage.last_use = max((t for t in (usage.last_use, last_use) if t is not None), default=None)
        usage.last_look = max((t for t in (usage.last_look, last_look) if t is not None), default=None)
        usage.score += score_now(score, score_at, now, half_life)
        usage.paths.append(loaded(path))
    titles: dict[int, TitleUsage] = {}
    ids = {f.item_id for f in by_file.values() if f.item_id is not None}
    for chunk in _chunks(sorted(ids), 900):
        for item_id, kind, title, year in conn.execute(
                f"SELECT id, kind, title, year FROM items WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            titles[item_id] = TitleUsage(item_id, kind, title, year)
    for usage in by_file.values():
        if usage.item_id in titles:
            titles[usage.item_id].files.append(usage)
    for title in titles.values():
        title.files.sort(key=lambda f: (f.order, f.local_path or ""))
    return titles


def shows_being_watched(catalog, limit: int) -> list[int]:
    """Ids of the shows with a play or another player's read, the latest first (from the per-file totals)."""
    return [row[0] for row in catalog.conn.execute(
        "SELECT f.item_id FROM access_totals t JOIN files f ON f.source = t.source AND f.dir = t.dir "
        "AND f.relpath = t.relpath JOIN items i ON i.id = f.item_id WHERE t.uses > 0 AND i.kind = 'show' "
        "GROUP BY f.item_id ORDER BY max(t.last_use) DESC LIMIT ?", (limit,))]


def with_all_episodes(catalog, title: TitleUsage) -> TitleUsage:
    """A show's usage with every episode file of the catalog in it, local or not (for next episodes)."""
    with_all_episodes_of(catalog, [title])
    return title


def with_all_episodes_of(catalog, titles: Iterable[TitleUsage]) -> None:
    """with_all_episodes for many shows at once: their files read in a few queries, not one per show."""
    shows = {t.item_id: t for t in titles if t.kind == "show"}
    have = {f.file_id for t in shows.values() for f in t.files if f.file_id is not None}
    for chunk in _chunks(sorted(shows), 900):
        for file_id, item_id, season, episodes, size, added in catalog.conn.execute(
                "SELECT id, item_id, season, episodes, size, added FROM files "
                f"WHERE item_id IN ({', '.join('?' * len(chunk))})", chunk):
            if file_id not in have:
                shows[item_id].files.append(FileUsage(file_id, item_id, season, _episodes(episodes), size or 0,
                                                      added or 0.0))
    for title in shows.values():
        title.files.sort(key=lambda f: (f.order, f.local_path or ""))


def season_ends_of(catalog, titles: Iterable[TitleUsage]) -> None:
    """Fill each show's season_ends (season -> last episode number in the catalog) in a few queries."""
    shows = {t.item_id: t for t in titles if t.kind == "show"}
    for chunk in _chunks(sorted(shows), 900):
        for item_id, season, last in catalog.conn.execute(
                "SELECT item_id, season, max(episode) FROM files WHERE item_id IN "
                f"({', '.join('?' * len(chunk))}) AND season IS NOT NULL GROUP BY item_id, season", chunk):
            shows[item_id].season_ends[season] = last


def window(catalog, since: float) -> dict[int | None, dict[str, Any]]:
    """Item id -> plays, looks and last play since `since`, read from the records of that window."""
    found: dict[int | None, dict[str, Any]] = {}
    for item_id, access_type, count, last in catalog.conn.execute(
            "SELECT f.item_id, r.access_type, count(*), max(r.timestamp) FROM access_records r "
            "JOIN access_totals t ON t.file_path = r.file_path "
            "LEFT JOIN files f ON f.source = t.source AND f.dir = t.dir AND f.relpath = t.relpath "
            "WHERE r.timestamp >= ? GROUP BY f.item_id, r.access_type", (since,)):
        entry = found.setdefault(item_id, {"plays": 0, "looks": 0, "last_played": None})
        if access_type in USES:
            entry["plays"] += count
            entry["last_played"] = max(filter(None, (entry["last_played"], last)), default=None)
        elif access_type == LOOK:
            entry["looks"] += count
    return found


def month_starts(months: int, now: float) -> list[tuple[str, float]]:
    """(YYYY-MM, its first second in local time) of the last `months` months, oldest first."""
    year, month = (int(part) for part in time.strftime("%Y %m", time.localtime(now)).split())
    found = []
    for _ in range(months):
        found.append((f"{year:04d}-{month:02d}", time.mktime((year, month, 1, 0, 0, 0, 0, 0, -1))))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def monthly(catalog, *, months: int = 12, now: float | None = None) -> list[tuple[str, int]]:
    """(YYYY-MM, plays and reads) for the last `months` months, oldest first, months without any included:
    one count per month over the (type, time) index."""
    now = time.time() if now is None else now
    starts = month_starts(months, now)
    ends = [start for _, start in starts[1:]] + [float("inf")]
    marks = ", ".join("?" * len(USES))
    return [(key, catalog.conn.execute(f"SELECT count(*) FROM access_records WHERE access_type IN ({marks}) "
                                       "AND timestamp >= ? AND timestamp < ?", (*USES, start, end)).fetchone()[0])
            for (key, start), end in zip(starts, ends)]


def _decay_sql(conn, now: float, half_life_days: float) -> str:
    """SQL for a totals row's score decayed to `now`: SQLite's exp() where it has its math functions,
    else the same arithmetic registered from Python (slower: a call per row)."""
    rate = math.log(2) / (half_life_days * DAY)
    try:
        conn.execute("SELECT exp(0)").fetchone()
        return f"coalesce(score * exp((score_at - {now!r}) * {rate!r}), 0)"
    except sqlite3.OperationalError:
        conn.create_function("plexsh_decayed", 2, lambda score, at: score_now(score, at, now, half_life_days),
                             deterministic=True)
        return "plexsh_decayed(score, score_at)"


def summaries(catalog, analytics: Analytics, *, now: float | None = None, limit: int | None = None,
              used_only: bool = False) -> tuple[int, list[dict[str, Any]]]:
    """(how many titles were played, the first `limit` titles: those played by score then last play,
    then, room permitting and unless `used_only`, those only looked at, latest first), each with plays,
    looks, last played and looked, score, category and local bytes. Summed per title in SQL from the
    totals' indexes (the played files have one of their own); only the rows returned reach Python."""
    conn = catalog.conn
    now = time.time() if now is None else now
    current_totals(conn, analytics)
    total = conn.execute("SELECT count(DISTINCT item_id) FROM access_totals WHERE uses > 0 AND item_id IS NOT NULL"
                         ).fetchone()[0]
    few = "LIMIT ?" if limit is not None else ""
    played = conn.execute(f"""
        SELECT item_id, sum(uses) AS plays, max(last_use) AS last_played,
               sum({_decay_sql(conn, now, analytics.half_life_days)}) AS score
        FROM access_totals WHERE uses > 0 AND item_id IS NOT NULL GROUP BY item_id
        ORDER BY score DESC, last_played DESC, item_id {few}""", [limit] if limit is not None else []).fetchall()
    rows = [(item_id, plays, last_played, score) for item_id, plays, last_played, score in played]
    if not used_only and (limit is None or len(rows) < limit):
        rows += [(item_id, 0, None, 0.0) for (item_id,) in conn.execute(f"""
            SELECT item_id FROM access_totals WHERE item_id IS NOT NULL GROUP BY item_id
            HAVING sum(uses) = 0 AND sum(looks) > 0 ORDER BY max(last_look) DESC, item_id {few}""",
            [limit - len(rows)] if limit is not None else [])]
    ids = [row[0] for row in rows]
    local, names, looks = {}, {}, {}
    for chunk in _chunks(ids, 900):
        marks = ", ".join("?" * len(chunk))
        local.update(conn.execute(
            "SELECT f.item_id, sum(l.size) FROM local_files l JOIN files f ON f.source = l.source "
            f"AND f.dir = l.dir AND f.relpath = l.relpath WHERE f.item_id IN ({marks}) GROUP BY f.item_id", chunk))
        names.update((row[0], row[1:]) for row in conn.execute(
            f"SELECT id, kind, title, year FROM items WHERE id IN ({marks})", chunk))
        looks.update((row[0], row[1:]) for row in conn.execute(
            f"SELECT item_id, sum(looks), max(last_look) FROM access_totals WHERE item_id IN ({marks}) "
            "GROUP BY item_id", chunk))
    found = [{"item_id": item_id, "kind": names[item_id][0], "title": names[item_id][1], "year": names[item_id][2],
              "plays": plays, "looks": looks.get(item_id, (0, None))[0], "last_played": last_played,
              "last_looked": looks.get(item_id, (0, None))[1], "score": round(score or 0.0, 4),
              "category": category(score or 0.0, plays), "local_bytes": local.get(item_id, 0)}
             for item_id, plays, last_played, score in rows if item_id in names]
    return total, found


def _ago(seconds: float) -> str:
    days = int(seconds // DAY)
    if days >= 1:
        return f"{days} d ago"
    hours = int(seconds // 3600)
    return f"{hours} h ago" if hours >= 1 else "just now"


def when_text(timestamp: float | None, now: float) -> str:
    """A time as an age (`3 d ago`), or `never`.

    >>> when_text(None, 0), when_text(0, 3 * DAY + 5), when_text(0, 7200), when_text(0, 30)
    ('never', '3 d ago', '2 h ago', 'just now')
    """
    return "never" if timestamp is None else _ago(max(0.0, now - timestamp))


def usage_line(title: TitleUsage | None, now: float) -> str:
    """The one line `show` and `info` print about a title's use.

    >>> t = TitleUsage(1, "movie", "Heat", 1995, [FileUsage(1, 1, uses=2, looks=1, last_use=0, score=1.5)])
    >>> usage_line(t, DAY * 2)
    'usage: 2 plays, last 2 d ago · 1 look · score 1.50 (medium)'
    >>> usage_line(None, 0)
    'usage: never played · no looks'
    """
    if title is None or not title.uses:
        looks = title.looks if title else 0
        return f"usage: never played · {_count(looks, 'look') if looks else 'no looks'}"
    return (f"usage: {_count(title.uses, 'play')}, last {when_text(title.last_use, now)} · "
            f"{_count(title.looks, 'look') if title.looks else 'no looks'} · score {title.score:.2f} ({title.category})")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
