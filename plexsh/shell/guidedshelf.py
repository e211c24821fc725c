"""What the guided selection lists, read from the catalog a page at a time: titles, seasons, episodes and their marks."""

from __future__ import annotations

import concurrent.futures
import gc
import random
import threading
import weakref
from dataclasses import dataclass, field

from plexsh.lang.ast import Selection
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


_shelves: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shelf_for(catalog) -> Shelf:
    """The one Shelf of a catalog connection, so a second guided selection finds the titles read already."""
    shelf = _shelves.get(catalog)
    if shelf is None:
        shelf = _shelves[catalog] = Shelf(catalog)
    return shelf


class Shelf:
    """The catalog as the guided selection reads it (on the shell's loop thread, with its connection).

    The titles of each kind in title order (100,000 take ~0.5 s to read) are read by a thread of
    their own through its own connection as soon as the guided selection opens, while the first
    screen asks movies or tv; a key that needs them before they are ready waits for the rest.
    """

    def __init__(self, catalog):
        self.catalog = catalog
        self.local = local_files(catalog)
        self._titles: tuple[str, dict[str, list]] | None = None  # (generation, kind -> titles)
        self._loading: tuple[str, concurrent.futures.Future] | None = None

    def prefetch(self) -> None:
        """Start reading the titles of every kind in the background (the catalog's generation says when again)."""
        generation = self.catalog.generation()
        if (self._titles and self._titles[0] == generation) or (self._loading and self._loading[0] == generation):
            return
        future: concurrent.futures.Future = concurrent.futures.Future()
        path = self.catalog.path

        def load() -> None:
            from plexsh.library.catalog import Catalog

            try:
                import rapidfuzz.fuzz, rapidfuzz.process  # noqa: E401,F401  (the first filter key must not import them)

                with Catalog(path) as own:
                    by_kind = _by_kind(own.title_index())
                # The lists live as long as the catalog does not change: left to the cycle collector,
                # its next full pass walks their 300,000 objects in the middle of some key (~200 ms).
                gc.freeze()
                future.set_result(by_kind)
            except BaseException as error:  # the loop thread reads it again itself
                future.set_exception(error)

        self._loading = (generation, future)
        threading.Thread(target=load, name="plexsh-guided-titles", daemon=True).start()

    def titles(self, kind: str) -> list:
        """Every title of a kind (TitleEntry: id, title, year, kind) in title order, kept until the catalog changes."""
        generation = self.catalog.generation()
        if self._titles is None or self._titles[0] != generation:
            by_kind = None
            if self._loading is not None and self._loading[0] == generation:
                try:
                    by_kind = self._loading[1].result()
                except Exception:
                    by_kind = None
            self._titles = (generation, by_kind or _by_kind(self.catalog.title_index()))
            self._loading = None
        return self._titles[1][kind]

    def counts(self) -> dict[str, int] | None:
        """Titles of each kind (what the first screen offers) once the lists are read, else None
        (counting them in SQL costs as much as a key may take)."""
        generation = self.catalog.generation()
        if self._titles is None or self._titles[0] != generation:
            if self._loading is None or self._loading[0] != generation or not self._loading[1].done():
                return None
            self.titles("movies")
        return {kind: len(found) for kind, found in self._titles[1].items()}

    def when_loaded(self, callback) -> None:
        """Call `callback()` (from the loading thread) once the background read of the titles is done."""
        if self._loading is not None:
            self._loading[1].add_done_callback(lambda _: callback())

    def search(self, kind: str, text: str) -> list:
        """Titles of a kind matching `text` as typed (prefixes, words, misspellings), best first."""
        wanted = CATALOG_KIND[kind]
        return [item for item, _ in self.catalog.find(text, limit=SEARCH_LIMIT) if item.kind == wanted]

    def recommended(self) -> list:
        """Shows to go on with, their next episodes the recommendations: first those being watched (a
        play or another player's read in the usage records), the latest first, then the others partly
        local, most recently added first. A show wholly local has nothing to fetch and is left out."""
        from plexsh.usage.reports import shows_being_watched

        watched = shows_being_watched(self.catalog, RECOMMENDED_SHOWS)
        shows = [show for show in map(self.catalog.item, watched) if show is not None]
        shows += [show for show in self.catalog.items("tv", sort="added", descending=True) if show.id not in watched]
        status = self.status(shows)
        return [show for show in shows if status.get(show.id) == PARTIAL][:RECOMMENDED_SHOWS]

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
        everything = range(len(entries))  # a range: a list of 100,000 positions would cost the key 4 ms
        positions = rng.sample(everything, RANDOM_SAMPLE) if len(everything) > RANDOM_SAMPLE else list(everything)
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


def _by_kind(entries) -> dict[str, list]:
    """Titles in title order, split by the guided selection's kinds."""
    by_kind: dict[str, list] = {kind: [] for kind in CATALOG_KIND}
    lists = {CATALOG_KIND[kind]: found for kind, found in by_kind.items()}
    for entry in entries:
        found = lists.get(entry.kind)
        if found is not None:
            found.append(entry)
    return by_kind
