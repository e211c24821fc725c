"""Turns the title a user typed into one catalog item: exact first, then a clear fuzzy winner, else suggestions."""

from __future__ import annotations

from plexsh.errors import NotFound, PlexError

# A fuzzy match is taken without asking only when it is this good and this far ahead of the next one.
CLEAR_SCORE = 90.0
CLEAR_LEAD = 8.0


def label(item) -> str:
    return f"{item.title} ({item.year})" if item.year else item.title


def resolve_title(catalog, text: str, kind: str | None = None):
    """One item for `text`, or NotFound listing the closest titles, or PlexError listing the ties.

    kind is "movie" or "show" to restrict the match (`get movie "Avatar"`), or None.
    """
    exact = [i for i in catalog.lookup(text) if kind is None or i.kind == kind]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise PlexError(f"{text!r} names {len(exact)} titles: " + "; ".join(label(i) for i in exact[:6]),
                        "add the year, like \"" + label(exact[0]) + "\"")
    ranked = [(i, s) for i, s in catalog.closest(text, limit=6) if kind is None or i.kind == kind]
    if ranked:
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= CLEAR_SCORE and score - runner_up >= CLEAR_LEAD:
            return best
    if not ranked:
        raise NotFound(f"no title matches {text!r}", "run `scan` if the library changed, or `find` to search")
    return _no_match(text, [i for i, _ in ranked])


def _no_match(text: str, close: list):
    raise NotFound(f"no title matches {text!r}", "closest: " + "; ".join(label(i) for i in close[:5]))
