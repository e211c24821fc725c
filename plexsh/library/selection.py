"""Applies a Selection (s3 e1-5, s2e4, new-only, next N) to a show's episode files, with errors naming what exists."""

from __future__ import annotations

from typing import Iterable, Protocol

from plexsh.errors import NotFound, PlexError
from plexsh.lang.ast import Selection


class EpisodeFile(Protocol):
    season: int | None
    episodes: tuple[int, ...]


def spans(numbers: Iterable[int]) -> str:
    """Numbers as compact ranges.

    >>> spans([1, 2, 3, 5, 7, 8])
    '1-3, 5, 7-8'
    >>> spans([])
    'none'
    """
    numbers = sorted(set(numbers))
    if not numbers:
        return "none"
    parts, start, prev = [], numbers[0], numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def season_map(files: Iterable[EpisodeFile]) -> dict[int, set[int]]:
    """Season -> the episode numbers present (a multi-episode file adds each of its numbers)."""
    seasons: dict[int, set[int]] = {}
    for f in files:
        if f.season is not None:
            seasons.setdefault(f.season, set()).update(f.episodes)
    return seasons


def select(files: list, selection: Selection, title: str, have: set[tuple[int, int]] = frozenset()) -> list:
    """The files of a show that a selection names, in season/episode order; each file once.

    `have` holds the (season, episode) pairs already local: `new-only` leaves them out and `next N`
    continues after the last of them.
    """
    ordered = sorted((f for f in files if f.season is not None),
                     key=lambda f: (f.season, f.episodes[0] if f.episodes else 0))
    seasons = season_map(ordered)
    wanted = _wanted_pairs(seasons, selection, title)
    chosen = [f for f in ordered if wanted is None or any((f.season, e) in wanted for e in f.episodes)]
    if selection.new_only:
        chosen = [f for f in chosen if not all((f.season, e) in have for e in f.episodes)]
    if selection.next_count is not None:
        if not any(0 in r for r in selection.seasons):
            chosen = [f for f in chosen if f.season != 0]  # "the next episode" never means a special
            have = {pair for pair in have if pair[0] != 0}
        last = max(have, default=None)
        after = [f for f in chosen if last is None or (f.season, max(f.episodes, default=0)) > last]
        chosen = after[: selection.next_count]
    return chosen


def _wanted_pairs(seasons: dict[int, set[int]], selection: Selection, title: str) -> set | None:
    """The (season, episode) pairs named, or None when the selection names no seasons or episodes."""
    if not (selection.seasons or selection.episodes or selection.pairs):
        return None
    wanted: set[tuple[int, int]] = set()
    if selection.seasons or selection.episodes:
        numbers = [n for r in selection.seasons for n in range(r.lo, r.hi + 1)]
        if not numbers:
            if len(seasons) != 1:
                raise PlexError(f"{selection_text(selection)} needs a season: {title} has seasons {spans(seasons)}",
                                "add one, like s1 " + selection_text(selection))
            numbers = list(seasons)
        for season in numbers:
            if season not in seasons:
                raise NotFound(f"{title} has no season {season}; it has seasons {spans(seasons)}")
            episodes = [n for r in selection.episodes for n in range(r.lo, r.hi + 1)] or sorted(seasons[season])
            missing = [e for e in episodes if e not in seasons[season]]
            if missing:
                raise NotFound(f"season {season} of {title} has no episode {spans(missing)}; "
                               f"it has episodes {spans(seasons[season])}")
            wanted.update((season, e) for e in episodes)
    for season, episode in selection.pairs:
        if season not in seasons:
            raise NotFound(f"{title} has no season {season}; it has seasons {spans(seasons)}")
        if episode not in seasons[season]:
            raise NotFound(f"season {season} of {title} has no episode {episode}; "
                           f"it has episodes {spans(seasons[season])}")
        wanted.add((season, episode))
    return wanted


def selection_text(selection: Selection) -> str:
    """The selection as the user would type it."""
    parts = []
    if selection.seasons:
        parts.append("s" + ",".join(f"{r.lo}" if r.lo == r.hi else f"{r.lo}-{r.hi}" for r in selection.seasons))
    if selection.episodes:
        parts.append("e" + ",".join(f"{r.lo}" if r.lo == r.hi else f"{r.lo}-{r.hi}" for r in selection.episodes))
    parts += [f"s{s}e{e}" for s, e in selection.pairs]
    if selection.new_only:
        parts.append("new-only")
    if selection.next_count is not None:
        parts.append(f"next {selection.next_count}")
    return " ".join(parts)
