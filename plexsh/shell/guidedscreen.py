"""What the guided selection shows at each step: its path, the rows of the page (numbered, marked ✅ ⚠️ ⬜), counts and keys."""

from __future__ import annotations

from dataclasses import dataclass

from plexsh.commands.show import episode_code, season_name
from plexsh.library.local import MARKS, NONE
from plexsh.library.resolve import label
from plexsh.library.selection import spans
from plexsh.printable import one_line
from plexsh.render import format_size
from plexsh.shell.guidedstate import KIND_NAMES

COMMON_KEYS = "n next page · b back · q quit · ~ random pick · ? recommended · u undo · ↑↓ move"


@dataclass(frozen=True)
class Row:
    number: str  # what to type to take it: a row number, a season or an episode number
    mark: str  # ✅ ⚠️ ⬜, or nothing
    text: str  # shown as it is: names are escaped already
    chosen: str = ""  # "all" or "some" of its episodes are chosen


@dataclass(frozen=True)
class Screen:
    path: str  # where the selection stands: get › tv shows › Breaking Bad (2008) › Season 1
    rows: tuple[Row, ...]
    cursor: int | None  # which row is highlighted
    status: str  # page, count, filter, how many are chosen
    keys: str  # what the keys do here, two lines
    typed: str  # the line being typed
    message: str  # the last key's outcome or mistake


def draw(guide) -> Screen:
    """The Guide's screen: only the page the cursor is on is read from the catalog."""
    listed = guide.listing()
    size = max(1, guide.page_size)
    page = guide.cursor // size
    start, stop = page * size, min(len(listed), (page + 1) * size)
    rows = tuple(_rows(guide, listed[start:stop], start))
    pages = max(1, -(-len(listed) // size))
    status = [f"page {page + 1} of {pages}"] if pages > 1 else []
    status.append(_count(guide, len(listed)))
    if guide.step == "titles" and guide.filter_text():
        status.append(f"matching {guide.filter_text()!r}")
    if guide.chosen:
        status.append(f"{len(guide.chosen)} episode{'s' if len(guide.chosen) != 1 else ''} chosen")
    return Screen(_path(guide), rows, guide.cursor - start if rows else None, " · ".join(status),
                  _keys(guide), one_line(guide.typed), guide.message)


def _rows(guide, shown: list, start: int):
    if guide.step == "kind":
        counts = guide.shelf.counts()
        for n, kind in enumerate(shown, start + 1):
            yield Row(str(n), "", KIND_NAMES[kind] + (f" · {counts[kind]:,}" if counts else ""))
    elif guide.step == "titles":
        items = guide.shelf.items(shown)
        status = guide.shelf.status(items)
        for n, item in enumerate(items, start + 1):
            yield Row(str(n), MARKS[status.get(item.id, NONE)], f"{one_line(label(item))} · {_details(item)}")
    elif guide.step == "seasons":
        for season in shown:
            pairs = guide.show.pairs(season)
            taken = len(pairs & guide.chosen)
            text = (f"{season_name(season)} · episodes {spans(e for _, e in pairs)}"
                    + (f" · {taken} of {len(pairs)} chosen" if taken else ""))
            yield Row(str(season), MARKS[guide.mark(season)], text, _chosen(taken, len(pairs)))
    else:
        for f in shown:
            pairs = {(f.season, e) for e in f.episodes}
            parts = [episode_code(f), one_line(f.episode_title or ""), f.resolution or "", format_size(f.size)]
            yield Row(spans(f.episodes).replace(", ", ","), MARKS[guide.mark(f)], " · ".join(p for p in parts if p),
                      _chosen(len(pairs & guide.chosen), len(pairs)))


def _count(guide, listed: int) -> str:
    if guide.step == "kind":
        return "what to get"
    if guide.step == "titles":
        noun = "recommended shows" if guide.recommend else KIND_NAMES[guide.kind]
        if not listed and not guide.recommend and not guide.filter_text():
            return f"no {noun} in the catalog: q, then `scan` (and `sources` to see where it looks)"
        return f"{listed:,} {noun}"
    if guide.step == "seasons":
        return f"{listed} season{'s' if listed != 1 else ''}"
    return f"{listed} file{'s' if listed != 1 else ''}"


def _path(guide) -> str:
    parts = ["get"]
    if guide.step != "kind":
        parts.append("recommended" if guide.recommend else KIND_NAMES[guide.kind])
    if guide.step in ("seasons", "episodes"):
        parts.append(one_line(label(guide.show.item)))
    if guide.step == "episodes":
        parts.append(season_name(guide.season))
    return " › ".join(parts)


def _keys(guide) -> str:
    """Two lines: what this step takes, then the keys every step has."""
    if guide.step == "kind":
        here = "m movies · t tv shows · Enter takes the highlighted one"
    elif guide.step == "titles":
        here = "type to filter (/ first if it starts with n, b, q or u) · a number or ↑↓ Enter opens · page N"
    else:
        enter = (f"Enter gets the {len(guide.chosen)} chosen" if guide.chosen else
                 "Enter opens the season" if guide.step == "seasons" else "Enter gets this one")
        what = "2 opens season 2 · 1,3 or 1-2 choose seasons" if guide.step == "seasons" else "1,3,5 or 5-8 choose"
        here = f"{what} · new · all · none · Space toggles · {enter}"
    return f"{here}\n{COMMON_KEYS}"


def _chosen(taken: int, total: int) -> str:
    return "" if not taken else "all" if taken >= total else "some"


def _details(item) -> str:
    if item.kind == "show":
        return (f"{item.seasons} season{'s' if item.seasons != 1 else ''} · "
                f"{item.episodes} episode{'s' if item.episodes != 1 else ''}")
    return " · ".join(p for p in (item.resolution or "", format_size(item.size)) if p)
