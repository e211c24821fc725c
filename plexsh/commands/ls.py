"""`ls` / `browse`: page through movies, shows or both, filtered (saved presets too) and sorted."""

from __future__ import annotations

import math

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.lang.errors import PlexSyntaxError
from plexsh.lang.parser import parse
from plexsh.library.local import MARKS, local_files
from plexsh.library.presets import Preset, presets
from plexsh.render import format_size
from plexsh.reply import Reply

KIND_LABEL = {"movies": "movies", "tv": "shows", "all": "titles"}
PLAIN_PAGE_SIZE = 50  # `page N` in a pipe, where no terminal height says how long a page is


def page_bounds(total: int, page: int | None, size: int | None) -> tuple[int, int, int, int]:
    """(page, pages, start, stop) for a list of `total` rows; size None means one page with everything.

    >>> page_bounds(120, None, 50)
    (1, 3, 0, 50)
    >>> page_bounds(120, 3, 50)
    (3, 3, 100, 120)
    """
    if not size:
        return 1, 1, 0, total
    pages = max(1, math.ceil(total / size))
    page = page or 1
    if page > pages:
        raise PlexError(f"there is no page {page}: {total} rows make {pages} page{'s' if pages > 1 else ''}")
    start = (page - 1) * size
    return page, pages, start, min(total, start + size)


def count_label(item) -> str:
    if item.kind == "show":
        return f"{item.seasons} s · {item.episodes} ep"
    return f"{item.files} file{'s' if item.files != 1 else ''}"


def preset_filters(session, names) -> tuple[list[Preset], tuple[ast.Filter, ...]]:
    """The presets named (`ls @big @new`) and the filters they stand for, read again from their words."""
    store = presets(session.catalog)
    used, filters = [], []
    for name in names:
        preset = store.require(name)
        try:
            commands = parse(f"ls {preset.filter}").commands
        except PlexSyntaxError:
            commands = ()
        # Only filters are ever saved: anything else (a grammar that changed, a hand-edited file) is refused.
        read = commands[0] if len(commands) == 1 and isinstance(commands[0], ast.Ls) else None
        if read is None or read != ast.Ls(filters=read.filters):
            raise PlexError(f"preset @{preset.name} no longer reads as filters: {preset.filter}",
                            f"save it again: `preset save {preset.name} FILTER...`")
        used.append(preset)
        filters.extend(read.filters)
    return used, tuple(filters)


@command("ls", ast.Ls, usage="ls [movies|tv|all] [FILTER ...] [@PRESET ...] [sort KEY [asc|desc]] [page N]",
         summary="list movies and shows, page by page",
         details="Filters: year 1999 | year 1990..1999 | year>=2010 | quality 1080p | quality>=720p | codec hevc\n"
                 "         size<4GB | source \"Movies2\" | synced | unsynced\n"
                 "Presets: @NAME adds the filters saved with `preset save NAME FILTER...`.\n"
                 "Sort keys: title (default), year, size, added.\n"
                 "`browse` alone, in the shell, opens the guided selection (as `get` alone does).")
def ls(session, node: ast.Ls) -> Reply:
    if node.guided:  # the shell starts the guided selection before a bare `browse` gets here
        raise PlexError("`browse` needs something to list here: type `ls`, `ls movies`, `ls tv unsynced` "
                        "or `browse movies year>=2010`", "in the shell (`plexsh` alone), `browse` alone starts the guided selection")
    local = local_files(session.catalog)
    used, saved_filters = preset_filters(session, node.presets)
    items = session.catalog.items(node.kind, node.filters + saved_filters, node.sort, node.descending)
    size = session.settings.page_size or session.renderer.page_size() or (PLAIN_PAGE_SIZE if node.page else None)
    if session.renderer.mode == "json" and node.page is None:
        size = None  # scripts reading JSON want every match unless they ask for a page
    page, pages, start, stop = page_bounds(len(items), node.page, size)
    shown = items[start:stop]
    # Many titles: the record of local copies alone says what is synced (no stat per file).
    status = local.item_status(shown)
    reply = Reply("ls", data={"kind": node.kind, "presets": [p.as_dict() for p in used],
                              "total": len(items), "page": page, "pages": pages,
                              "items": [dict(i.as_dict(), sync=status[i.id]) for i in shown]})
    if not items:
        return reply.say(_empty_hint(session, node), "warn")
    applied = "".join(f" · @{p.name} = {p.filter}" for p in used)
    rows = [[MARKS[status[i.id]], i.title, str(i.year or ""), "movie" if i.kind == "movie" else "show",
             i.resolution or "", format_size(i.size), count_label(i), ", ".join(i.folders)] for i in shown]
    caption = f"{len(items)} {KIND_LABEL[node.kind]}{applied}"
    if pages > 1:
        caption = f"page {page} of {pages} · {caption} · add `page {page + 1 if page < pages else 1}` to see more"
    return reply.table(["", "title", "year", "kind", "quality", "size", "files", "source"], rows, caption=caption,
                       align=["left", "left", "right", "left", "right", "right", "right", "left"])


def _empty_hint(session, node: ast.Ls) -> str:
    if node.filters or node.presets:
        return "nothing matches those filters"
    if session.catalog.stats().files == 0:
        return "the catalog is empty: run `scan` (and `sources` to see where it looks)"
    return f"no {KIND_LABEL[node.kind]} in the catalog"
