"""The guided selection's steps and keys, as plain state: kind → titles → seasons → episodes, ending in a command line.

`Guide.press(key)` takes one key (a character, or a name: enter, backspace, escape, up, down,
pageup, pagedown, c-c, c-d) and may answer an Outcome (run a line, run `undo`, quit); `screen()`
says what to draw (plexsh.shell.guidedscreen). Nothing here draws or imports prompt_toolkit, so the tests drive it directly.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from plexsh.errors import PlexError
from plexsh.lang.parser import parse_numbers
from plexsh.library.local import NONE, PARTIAL, SYNCED, combine, units
from plexsh.library.resolve import command_for, label
from plexsh.library.selection import spans
from plexsh.printable import one_line
from plexsh.shell.guidedline import command_line, selection_for
from plexsh.shell.guidedshelf import Shelf

KINDS = ("movies", "tv")
KIND_NAMES = {"movies": "movies", "tv": "tv shows"}
KIND_WORDS = {"1": "movies", "2": "tv", "movies": "movies", "movie": "movies", "tv": "tv", "shows": "tv"}
NEXT_PICK = 3  # episodes `?` recommends in a show: the next ones after the last local one
ACTION_KEYS = "nbq~?u"  # single keys, when nothing is typed
NUMBERS = re.compile(r"\d+(-\d+)?(,\d+(-\d+)?)*")
PAGE = re.compile(r"page\s+(\d+)")
MIN_FILTER = 2  # one letter matches thousands of titles: it filters nothing yet


@dataclass(frozen=True)
class Outcome:
    """How a key ends the screen: `run` a command line, `undo` (then come back), or `quit`."""

    action: str
    line: str | None = None


class Guide:
    """One guided selection: the step it is at, what is typed, what is chosen."""

    def __init__(self, shelf: Shelf, rng: random.Random | None = None):
        self.shelf = shelf
        self.rng = rng or random.Random()
        self.step = "kind"
        self.kind = "movies"
        self.lines = {"kind": "", "titles": "", "seasons": "", "episodes": ""}  # what is typed, per step
        self.message = ""
        self.page_size = 20
        self.cursors = {"kind": 0, "titles": 0, "seasons": 0, "episodes": 0}
        self.recommend = False  # the title list holds the recommended shows
        self.show = None  # the ShowView being walked
        self.season: int | None = None
        self.chosen: set[tuple[int, int]] = set()
        self._found: tuple | None = None  # (kind, text, titles) of the last search
        self._recommended: list = []
        self._paged_from: int | None = None  # the cursor before an `n` that a letter may yet turn into text

    def reload(self) -> None:
        """Read the marks again (after `undo`): the show walked, and the search's titles."""
        self._found = None
        if self.show is not None:
            self.show = self.shelf.show(self.show.item)
            self.chosen &= self.show.pairs()

    # --- what is listed ------------------------------------------------------------------------

    def listing(self) -> list:
        if self.step == "kind":
            return list(KINDS)
        if self.step == "titles":
            if self.recommend:
                return self._recommended
            text = self.filter_text()
            if text:
                if self._found is None or self._found[:2] != (self.kind, text):
                    self._found = (self.kind, text, self.shelf.search(self.kind, text))
                return self._found[2]
            return self.shelf.titles(self.kind)
        if self.step == "seasons":
            return sorted(self.show.seasons)
        return self.show.season_files(self.season)

    def filter_text(self) -> str:
        return _filter_text(self.typed)

    @property
    def typed(self) -> str:
        """The line being typed at this step (a title filter stays with the titles when a show opens)."""
        return self.lines[self.step]

    @typed.setter
    def typed(self, value: str) -> None:
        self.lines[self.step] = value

    @property
    def cursor(self) -> int:
        return self.cursors[self.step]

    @cursor.setter
    def cursor(self, value: int) -> None:
        self.cursors[self.step] = max(0, min(value, len(self.listing()) - 1))

    # --- keys ----------------------------------------------------------------------------------

    def press(self, key: str) -> Outcome | None:
        paged_from, self._paged_from = self._paged_from, None
        if key in ("c-c", "c-d"):
            return Outcome("quit")
        self.message = ""
        if key == "enter":
            typed, self.typed = self.typed.strip(), ""
            try:
                return self._apply(typed) if typed else self._enter()
            except PlexError as error:
                self.typed, self.message = typed, error.message
                return None
        if key in MOVES:
            self.cursor = MOVES[key](self)
        elif key == "escape":
            self._retype("")
        elif key == "backspace":
            self._retype(self.typed[:-1])
        elif key == " " and not self.typed and self.step in ("seasons", "episodes"):
            self._toggle_highlighted()
        elif len(key) == 1 and key.isprintable():
            if paged_from is not None and key in "eo" and self.step in ("seasons", "episodes"):
                self.cursor = paged_from  # `n` then e or o: the start of `new` or `none`, not a page
                self._retype("n" + key)
            elif not self.typed and key in ACTION_KEYS:
                return self._action(key)
            elif self.step == "kind" and not self.typed and key in "mt":
                self._choose_kind("movies" if key == "m" else "tv")
            else:
                self._retype(self.typed + key)
        return None

    def _retype(self, text: str) -> None:
        before = self.filter_text()
        self.typed = text
        if self.step == "titles" and self.filter_text() != before:
            self.cursors["titles"] = 0  # a new filter lists its best match first
            self.recommend = False  # and filters every title of the kind

    def _action(self, key: str) -> Outcome | None:
        if key == "q":
            return Outcome("quit")
        if key == "u":
            return Outcome("undo")
        if key == "n":
            listed, size = len(self.listing()), self.page_size
            self._paged_from = self.cursor
            if (self.cursor // size + 1) * size >= listed:
                self.message = "this is the last page"
            else:
                self.cursor = (self.cursor // size + 1) * size
        elif key == "b":
            self._back()
        elif key == "~":
            self._random()
        elif key == "?":
            self._recommend()
        return None

    def _enter(self) -> Outcome | None:
        """Enter with nothing typed: take the highlighted row, or get what is chosen."""
        listed = self.listing()
        if not listed:
            self.message = "nothing is listed here: b goes back"
            return None
        here = listed[self.cursor]
        if self.step == "kind":
            self._choose_kind(here)
        elif self.step == "titles":
            return self._open_title(here)
        elif self.step == "seasons":
            if self.chosen:
                return self._confirm()
            self._open_season(here)
        else:
            if not self.chosen:
                self.chosen |= {(f.season, e) for f in [here] for e in f.episodes}
            return self._confirm()
        return None

    def _apply(self, typed: str) -> Outcome | None:
        """Enter after typing: `page N`, a number, a selection word, or (titles) take the best match."""
        listed = self.listing()
        page = PAGE.fullmatch(typed)
        if page:
            pages = max(1, -(-len(listed) // self.page_size))
            number = int(page.group(1))
            if not 1 <= number <= pages:
                raise PlexError(f"there is no page {number}: pages 1 to {pages}")
            self.cursor = (number - 1) * self.page_size
            return None
        if self.step == "kind":
            word = KIND_WORDS.get(typed)
            if word is None:
                raise PlexError("type 1 or m for movies, 2 or t for tv shows")
            self._choose_kind(word)
            return None
        if self.step == "titles":
            if _filter_text(typed):  # typing filtered the list: Enter opens its highlighted row, the filter stays
                self.typed = typed
                return self._enter()
            number = _number(typed, "a title's number")
            if not 1 <= number <= len(listed):
                raise PlexError(f"there is no title {number} here: they are numbered 1 to {len(listed)}")
            self.cursor = number - 1
            return self._open_title(listed[number - 1])
        return self._apply_selection(typed)

    def _apply_selection(self, typed: str) -> None:
        """On a show: `new`, `all`, `none`, a season (opens it), seasons or episodes (`1,3,5`, `5-8`) to choose."""
        season = self.season if self.step == "episodes" else None
        if typed in ("all", "new", "none"):
            pairs = self.show.pairs(season) if typed != "new" else self.show.unsynced(season)
            if typed == "none":
                self.chosen -= pairs
            elif not pairs:
                self.message = "every episode here is local already"
            else:
                self.chosen |= pairs
            return
        if not NUMBERS.fullmatch(typed):
            where = "episodes" if season is not None else "a season"
            raise PlexError(f"type {where} like 1,3,5 or 5-8, or new, all, none")
        numbers = [n for r in parse_numbers(typed) for n in range(r.lo, r.hi + 1)]
        if season is None and len(numbers) == 1 and "-" not in typed:
            if numbers[0] not in self.show.seasons:
                raise PlexError(f"there is no season {numbers[0]}: seasons {spans(self.show.seasons)}")
            self._open_season(numbers[0])
            return
        if season is None:
            missing = [n for n in numbers if n not in self.show.seasons]
            if missing:
                raise PlexError(f"there is no season {spans(missing)}: seasons {spans(self.show.seasons)}")
            pairs = {p for n in numbers for p in self.show.pairs(n)}
        else:
            have = {e for _, e in self.show.pairs(season)}
            missing = [n for n in numbers if n not in have]
            if missing:
                raise PlexError(f"season {season} has no episode {spans(missing)}: episodes {spans(have)}")
            pairs = {(season, n) for n in numbers}
        self._toggle(pairs)

    def _toggle(self, pairs: set) -> None:
        """Choose them, or when all are chosen already, leave them out again. A file holding two
        episodes (S03E03E04) comes whole, so both count: what is chosen is what arrives."""
        pairs = pairs | {(f.season, e) for f in self.show.files if any((f.season, e) in pairs for e in f.episodes)
                         for e in f.episodes}
        if pairs <= self.chosen:
            self.chosen -= pairs
        else:
            self.chosen |= pairs

    def _toggle_highlighted(self) -> None:
        listed = self.listing()
        if not listed:
            return
        here = listed[self.cursor]
        self._toggle(self.show.pairs(here) if self.step == "seasons" else {(here.season, e) for e in here.episodes})

    # --- moving between steps ------------------------------------------------------------------

    def _choose_kind(self, kind: str) -> None:
        self.cursors["kind"] = KINDS.index(kind)
        if self.kind != kind:
            self.cursors["titles"] = 0
        self.kind, self.step, self.recommend = kind, "titles", False

    def _open_title(self, entry) -> Outcome | None:
        item = self.shelf.items([entry])[0]
        if item.kind == "movie":
            return Outcome("run", command_for(self.shelf.catalog, "get", item))
        self.show, self.step, self.chosen = self.shelf.show(item), "seasons", set()
        self.cursors["seasons"] = 0
        if self.recommend:
            self.chosen = self.show.next_episodes(NEXT_PICK)
            self.message = self._recommended_note()
        return None

    def _open_season(self, season: int) -> None:
        self.cursors["seasons"] = sorted(self.show.seasons).index(season)
        self.season, self.step = season, "episodes"
        self.cursors["episodes"] = 0

    def _confirm(self) -> Outcome:
        show = self.show
        selection = selection_for(show.files, self.chosen, show.have, show.item.title)
        return Outcome("run", command_line(command_for(self.shelf.catalog, "get", show.item), selection))

    def _back(self) -> None:
        if self.step == "episodes":
            self.step = "seasons"
        elif self.step == "seasons":
            if self.chosen:
                self.message = f"left {one_line(label(self.show.item))}: its {len(self.chosen)} chosen episodes too"
            self.step, self.show, self.chosen = "titles", None, set()
        elif self.step == "titles":
            self.step, self.recommend = "kind", False
        else:
            self.message = "this is the first step: q leaves"

    def _random(self) -> None:
        listed = self.listing()
        if not listed:
            self.message = "nothing is listed here to pick from"
            return
        if self.step == "titles":
            pick = self.shelf.random_pick(listed, self.rng)
        elif self.step == "kind":
            pick = self.rng.randrange(len(listed))
        else:
            marks = [self.mark(entry) for entry in listed]
            pick = next((self.rng.choice(found) for wanted in (NONE, PARTIAL, SYNCED)
                         if (found := [i for i, m in enumerate(marks) if m == wanted])), 0)
        self.cursor = pick
        self.message = "a random pick (not local first): Enter takes it, ~ picks again"

    def _recommend(self) -> None:
        if self.step in ("seasons", "episodes"):
            pairs = self.show.next_episodes(NEXT_PICK)
            if not pairs:
                self.message = "nothing to recommend: every episode after the last local one is local"
                return
            self.chosen |= pairs
            self.message = self._recommended_note(pairs)
            return
        self._recommended = self.shelf.recommended()
        if not self._recommended:
            self.message = "nothing to recommend yet: no show is partly local"
            return
        self.step, self.kind, self.recommend = "titles", "tv", True
        self.cursors["titles"] = 0
        self.message = f"shows partly local: Enter opens one with its next {NEXT_PICK} episodes chosen"

    def _recommended_note(self, pairs=None) -> str:
        pairs = self.chosen if pairs is None else pairs
        if not pairs:
            return "nothing to recommend: every episode after the last local one is local"
        codes = ", ".join(f"S{s:02d}E{e:02d}" for s, e in sorted(pairs))
        return f"recommended, the next episodes not local: {codes} · Enter gets them"

    # --- drawing -----------------------------------------------------------------------------

    def mark(self, entry) -> str:
        """The sync status of a season or an episode file of the show walked."""
        if self.step == "seasons":
            return self.show.seasons[entry]
        return combine(self.show.episodes.get(u, NONE) for u in units(entry))

    def screen(self):
        """What to draw now (plexsh.shell.guidedscreen.Screen)."""
        from plexsh.shell.guidedscreen import draw

        return draw(self)


def _filter_text(typed: str) -> str:
    """Typed text as a title filter: not a number, nor `page N`; a leading / makes anything a filter.

    >>> _filter_text("brekin bad"), _filter_text("12"), _filter_text("page 2"), _filter_text("/1917"), _filter_text("B")
    ('brekin bad', '', '', '1917', '')
    """
    text = typed.strip()
    if text.startswith("/"):
        text = text[1:].strip()
    elif NUMBERS.fullmatch(text) or PAGE.fullmatch(text):
        return ""
    return text if len(text) >= MIN_FILTER else ""


def _number(typed: str, what: str) -> int:
    if not typed.isdigit():
        raise PlexError(f"type {what}, `page N`, or words to filter")
    return int(typed)


def _page_step(direction: int):
    def move(guide: Guide) -> int:
        return (guide.cursor // guide.page_size + direction) * guide.page_size
    return move


MOVES = {
    "up": lambda g: g.cursor - 1,
    "down": lambda g: g.cursor + 1,
    "pageup": _page_step(-1),
    "pagedown": _page_step(1),
    "home": lambda g: 0,
    "end": lambda g: len(g.listing()) - 1,
}
