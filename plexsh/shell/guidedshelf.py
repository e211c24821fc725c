"""What the guided selection lists, read from the catalog a page at a time: titles of a kind, a show's seasons and episodes, with their sync marks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from plexsh.lang.ast import Filter, Selection
from plexsh.library.local import NONE, PARTIAL, SYNCED, episode_status, local_files, season_status
from plexsh.library.localepisodes import local_episodes
from plexsh.library.selection import select

CATALOG_KIND = {"movies": "movie", "tv": "show"}
SEARCH_LIMIT = 120  # the title index scores at most this many candidates per search
RANDOM_SAMPLE = 200  # titles whose marks a random pick reads: the whole list would cost a key its 50 ms
RECOMMENDED_SHOWS = 40


@dataclass
class ShowView:
    """One show as the guided selection walks it: its episode files, their marks, what is local."""

    item: object
    files: list  # files with a season, in season and episode order
    file_status: dict[int, str]
    episodes: dict[tuple, str]  # (season, episode) -> mark
    seasons: dict[int, str]  # season -> mark
    have: set[tuple[int, int]] = field(default_factory=set)  # episodes local (what `new-only` leaves out)

    def season_files(self, season: int) -> list:
        return [f for f in self.files if f.season == season]

    def pairs(self, season: int | None = None) -> set[tuple[int, int]]:
        """Every (season, episode) of the show, or of one season."""
        return {(f.season, e) for f in self.files if season is None or f.season == season for e in f.episodes}

    def unsynced(self, season: int | None = None) -> set[tuple[int, int]]:
        return {pair for pair in self.pairs(season) if pair not in self.have}

    def next_episodes(self, count: int) -> set[tuple[int, int]]:
        """The `count` episodes after the last local one, as `get ... next N` takes them."""
        return {(f.season, e) for f in select(self.files, Selection(next_count=count), "", self.have)
                for e in f.episodes}


class Shelf:
    """The catalog as the guided selection reads it (on the shell's loop thread, with its connection)."""

    def __init__(self, catalog):
        self.catalog = catalog
        self.local = local_files(catalog)
        self._titles: dict[str, tuple[str, list]] = {}

    def counts(self) -> dict[str, int]:
        stats = self.catalog.stats()
        return {"movies": stats.movies, "tv": stats.shows}

    def titles(self, kind: str) -> list:
        """Every title of a kind (TitleEntry: id, title, year, kind) in title order, kept until the catalog changes."""
        generation = self.catalog.generation()
        cached = self._titles.get(kind)
        if cached is None or cached[0] != generation:
            wanted = CATALOG_KIND[kind]
            cached = self._titles[kind] = (generation, [e for e in self.catalog.title_index() if e.kind == wanted])
        return cached[1]

    def search(self, kind: str, text: str) -> list:
        """Titles of a kind matching `text` as typed (prefixes, words, misspellings), best first."""
        wanted = CATALOG_KIND[kind]
        return [item for item, _ in self.catalog.find(text, limit=SEARCH_LIMIT) if item.kind == wanted]

    def recommended(self) -> list:
        """Shows partly local, most recently added first: their next episodes are the recommendations
        (until plexsh learns from what is watched)."""
        shows = self.catalog.items("tv", (Filter("synced", "=", False),))
        untouched = {i.id for i in shows}
        done = {i.id for i in self.catalog.items("tv", (Filter("synced", "=", True),))}
        started = [i for i in self.catalog.items("tv", sort="added", descending=True)
                   if i.id not in untouched and i.id not in done]
        return started[:RECOMMENDED_SHOWS]

    def items(self, entries) -> list:
        """The catalog Items of a page of entries (entries may already be Items)."""
        found = []
        for entry in entries:
            item = entry if hasattr(entry, "files") else self.catalog.item(entry.id)
            if item is not None:
                found.append(item)
        return found

    def status(self, entries) -> dict[int, str]:
        """Title id -> synced, partial or none, from the record of copies (no stat per file)."""
        return self.local.item_status(entries)

    def random_pick(self, entries, rng: random.Random) -> int | None:
        """The position of a random entry, one not local first, then one partly local, then any.

        A long list is sampled: the marks of RANDOM_SAMPLE titles are read, not of 100,000."""
        if not entries:
            return None
        positions = list(range(len(entries)))
        if len(positions) > RANDOM_SAMPLE:
            positions = rng.sample(positions, RANDOM_SAMPLE)
        status = self.status([entries[p] for p in positions])
        for wanted in (NONE, PARTIAL, SYNCED):
            matching = [p for p in positions if status.get(entries[p].id) == wanted]
            if matching:
                return rng.choice(matching)
        return rng.choice(positions)

    def show(self, item) -> ShowView:
        """A show's episode files and marks; each recorded copy is checked on disk, as `show` does."""
        files = [f for f in self.catalog.files(item.id) if f.season is not None]
        file_status = self.local.file_status(files, check=True) if files else {}
        return ShowView(item, files, file_status, episode_status(files, file_status),
                        season_status(files, file_status), local_episodes(self.catalog, item.id))
