"""Turns the title a user typed into one catalog item: exact first, then a clear fuzzy winner, else suggestions."""

from __future__ import annotations

from plexsh.errors import NotFound, PlexError
from plexsh.printable import quoted

# A fuzzy match is taken without asking only when it is this good and this far ahead of the next one.
CLEAR_SCORE = 90.0
CLEAR_LEAD = 8.0

# The kind word that picks an item of a kind (`show tv "Fargo"`): the grammar's TITLE_KIND takes both.
KIND_WORDS = {"movie": "movie", "show": "tv"}


def label(item) -> str:
    return f"{item.title} ({item.year})" if item.year else item.title


def resolve_title(catalog, text: str, kind: str | None = None, verb: str = "show"):
    """One item for `text`, or NotFound listing the closest titles, or PlexError listing the ties, each
    with the `verb` command that picks it.

    kind is "movie" or "show" to restrict the match (`get movie "Avatar"`), or None.
    """
    exact = [i for i in catalog.lookup(text) if kind is None or i.kind == kind]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        shown = exact[:6]
        raise PlexError(f"{text!r} names {len(exact)} titles: "
                        + "; ".join(f"{label(i)}, a {i.kind}" for i in shown),
                        "pick one: " + " or ".join(f"`{c}`" for c in picking_commands(verb, shown)))
    ranked = [(i, s) for i, s in catalog.closest(text, limit=6) if kind is None or i.kind == kind]
    if ranked:
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= CLEAR_SCORE and score - runner_up >= CLEAR_LEAD:
            return best
    if not ranked:
        raise NotFound(f"no title matches {text!r}", "run `scan` if the library changed, or `find` to search")
    return _no_match(text, [i for i, _ in ranked])


def picking_commands(verb: str, items: list) -> list[str]:
    """For each of several items one title matches, the command that picks it: a kind word where the
    kinds differ, the year where two of a kind share the title.

    >>> from types import SimpleNamespace as Item
    >>> picking_commands("show", [Item(title="Fargo", year=1996, kind="movie"), Item(title="Fargo", year=2014, kind="show")])
    ['show movie "Fargo"', 'show tv "Fargo"']
    >>> picking_commands("get", [Item(title="Heat", year=1995, kind="movie"), Item(title="Heat", year=1986, kind="movie")])
    ['get "Heat (1995)"', 'get "Heat (1986)"']
    """
    kinds_differ = len({i.kind for i in items}) > 1
    commands = []
    for item in items:
        same_kind = [other for other in items if other.kind == item.kind]
        title = label(item) if len(same_kind) > 1 else item.title
        words = [verb, KIND_WORDS[item.kind]] if kinds_differ else [verb]
        commands.append(" ".join([*words, quoted(title)]))
    return commands


def command_for(catalog, verb: str, item) -> str:
    """The shortest `verb` command that picks `item` (kind word and year only where its title needs them)."""
    same = [other for other in catalog.lookup(item.title) if other.id != item.id]
    return picking_commands(verb, [item, *same])[0]


def _no_match(text: str, close: list):
    raise NotFound(f"no title matches {text!r}", "closest: " + "; ".join(label(i) for i in close[:5]))
