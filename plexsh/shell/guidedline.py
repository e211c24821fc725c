"""The command a guided selection stands for: the episodes chosen, written as the selection words of the language."""

from __future__ import annotations

from plexsh.lang.ast import Range, Selection
from plexsh.library.selection import select, selection_text


def ranges(numbers) -> tuple[Range, ...]:
    """Numbers as the fewest ranges.

    >>> ranges([5, 1, 2, 3, 8])
    (Range(lo=1, hi=3), Range(lo=5, hi=5), Range(lo=8, hi=8))
    """
    found: list[Range] = []
    for n in sorted(set(numbers)):
        if found and found[-1].hi == n - 1:
            found[-1] = Range(found[-1].lo, n)
        else:
            found.append(Range(n, n))
    return tuple(found)


def chosen_files(files, chosen: set[tuple[int, int]]) -> list:
    """The files a set of (season, episode) pairs brings: every file holding one of them, as `get` picks."""
    return [f for f in files if f.season is not None and any((f.season, e) in chosen for e in f.episodes)]


def selection_for(files, chosen: set[tuple[int, int]], have: set[tuple[int, int]], title: str = "") -> Selection:
    """The shortest selection that makes `get` take exactly the files holding the `chosen` episodes.

    `have` are the episodes already local (what `new-only` and `next N` read). Tried in order: the
    whole show (nothing); seasons, whole ones as `s1,3` or one in part as `s2 e1-3,5`, or one episode; once something
    is local, `new-only` and `next N`; else seasons and single episodes (`s1,3 s4e2`).

    >>> from types import SimpleNamespace as F
    >>> show = [F(season=s, episodes=[e]) for s in (1, 2) for e in (1, 2)]
    >>> text = lambda chosen, have=(): selection_text(selection_for(show, set(chosen), set(have)))
    >>> text([(1, 1), (1, 2), (2, 1), (2, 2)]), text([(2, 1), (2, 2)], [(1, 1), (1, 2)])
    ('', 's2')
    >>> text([(1, 2), (2, 1), (2, 2)], [(1, 1)])
    'new-only'
    >>> text([(1, 2)], [(1, 1)]), text([(1, 2), (2, 1)], [(1, 1)]), text([(1, 1), (2, 2)])
    ('s1e2', 'next 2', 's1e1 s2e2')
    >>> text([(1, 1), (1, 2), (2, 2)]), text([(2, 1), (2, 2), (1, 2)])
    ('s1 s2e2', 's2 s1e2')
    """
    wanted = chosen_files(files, chosen)
    wanted_ids = {id(f) for f in wanted}

    def exact(selection: Selection) -> bool:
        try:
            got = select(files, selection, title, have)
        except Exception:  # a selection the show cannot take is not the one
            return False
        return {id(f) for f in got} == wanted_ids and len(got) == len(wanted)

    seasons = _by_seasons(files, chosen)
    # Plain seasons read best; `new-only` and `next N` only mean more than that once something is local.
    plain = not seasons.pairs or seasons == Selection(pairs=seasons.pairs[:1])
    candidates = [Selection()] + ([seasons] if plain else [])
    if have:
        candidates += [Selection(new_only=True), Selection(next_count=len(wanted))] if wanted else []
    for candidate in candidates:
        if exact(candidate):
            return candidate
    return seasons


def _by_seasons(files, chosen: set[tuple[int, int]]) -> Selection:
    """Whole seasons as one SEASONS word; one partial season as `sN eR` when no season is whole; the rest as pairs."""
    all_pairs: dict[int, set[int]] = {}
    for f in files:
        if f.season is not None:
            all_pairs.setdefault(f.season, set()).update(f.episodes)
    by_season: dict[int, set[int]] = {}
    for season, episode in chosen:
        by_season.setdefault(season, set()).add(episode)
    whole = sorted(s for s, eps in by_season.items() if eps >= all_pairs.get(s, set()))
    partial = {s: eps for s, eps in by_season.items() if s not in whole}
    seasons: tuple[Range, ...] = ranges(whole)
    episodes: tuple[Range, ...] = ()
    if not whole and partial:
        # The season with the most chosen episodes is written as `sN eR` (a single one as `sNeM`), the others as pairs.
        biggest = max(partial, key=lambda s: (len(partial[s]), -s))
        if len(partial[biggest]) > 1:
            seasons, episodes = (Range(biggest, biggest),), ranges(partial.pop(biggest))
    pairs = tuple(sorted((s, e) for s, eps in partial.items() for e in eps))
    return Selection(seasons, episodes, pairs)


def command_line(title_command: str, selection: Selection) -> str:
    """`get "Show"` and the selection, as one line.

    >>> command_line('get "Breaking Bad"', Selection(new_only=True))
    'get "Breaking Bad" new-only'
    """
    words = selection_text(selection)
    return f"{title_command} {words}" if words else title_command
