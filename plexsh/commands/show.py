"""`show [movie|tv] "Title" [SELECTION]`: a show's seasons and episodes, or a movie's versions."""

from __future__ import annotations

from plexsh.commands import command
from plexsh.commands._usage import look
from plexsh.lang import ast
from plexsh.library.local import (MARKS, any_version, combine, episode_status, local_files, season_status,
                                  show_status, units)
from plexsh.library.resolve import command_for, label, resolve_title
from plexsh.library.selection import select, selection_text, spans
from plexsh.render import format_size
from plexsh.reply import Reply


def episode_code(f) -> str:
    """S01E01, or S01E01-E03 for a multi-episode file."""
    code = f"S{f.season:02d}E{f.episodes[0]:02d}" if f.episodes else f"S{f.season:02d}"
    if len(f.episodes) > 1:
        code += f"-E{f.episodes[-1]:02d}"
    return code


def season_name(season: int) -> str:
    return "Specials" if season == 0 else f"Season {season}"


@command("show", ast.Show, usage='show [movie|tv] TITLE [SELECTION]', summary="a show's seasons and episodes, or a movie's versions",
         details='show "Breaking Bad"        every season, with its episodes\n'
                 "show breaking bad s2 e1-5  those episodes\n"
                 'show "The Matrix"          the versions of a movie')
def show(session, node: ast.Show) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "show")
    files = catalog.files(item.id)
    # One title: each recorded copy is checked on disk, so a deleted copy shows as not synced.
    status = local_files(catalog).file_status(files, check=True)
    reply = Reply("show", data={"item": item.as_dict()})
    if item.kind == "movie":
        reply.data["item"]["sync"] = any_version(status.values())
        reply.data["files"] = [dict(f.as_dict(), sync=status[f.id]) for f in files]
        reply.say(f"{MARKS[reply.data['item']['sync']]} {label(item)}", "title")
        _usage(session, reply, item, files, node)
        rows = [[MARKS[status[f.id]], f.relpath.rsplit("/", 1)[-1], f.resolution or "", f.source or "", f.codec or "",
                 f.edition or "", format_size(f.size), f.folder] for f in files]
        return reply.table(["", "version", "quality", "source", "codec", "edition", "size", "folder"], rows,
                           align=["left", "left", "right", "left", "left", "left", "right", "left"])
    episodes = episode_status(files, status)
    seasons = season_status(files, status)
    reply.data["item"]["sync"] = show_status(files, status)
    chosen = select(files, node.selection, item.title)
    by_season: dict[int, list] = {}
    for f in chosen:
        by_season.setdefault(f.season, []).append(f)

    def file_sync(f) -> str:
        """A row stands for the episodes it holds: synced when they are local, whichever version holds them."""
        return combine(episodes[u] for u in units(f))

    reply.data["seasons"] = [{"season": s, "sync": seasons[s],
                              "episodes": [dict(f.as_dict(), sync=file_sync(f)) for f in fs]}
                             for s, fs in by_season.items()]
    reply.say(f"{MARKS[reply.data['item']['sync']]} {label(item)} · {item.seasons} season"
              f"{'s' if item.seasons != 1 else ''} · {item.episodes} episodes · {format_size(item.size)}", "title")
    _usage(session, reply, item, chosen, node)
    if node.selection.is_everything and len(by_season) > 1:
        rows = [[MARKS[seasons[s]], season_name(s), spans(e for f in fs for e in f.episodes),
                 str(sum(len(f.episodes) for f in fs)), format_size(sum(f.size for f in fs)),
                 ", ".join(sorted({f.folder for f in fs}))]
                for s, fs in by_season.items()]
        reply.table(["", "season", "episodes", "count", "size", "folder"], rows,
                    align=["left", "left", "left", "right", "right", "left"],
                    caption=f"`{command_for(catalog, 'show', item)} s1` lists the episodes of a season")
        return reply
    rows = [[MARKS[file_sync(f)], episode_code(f), f.episode_title or "", f.resolution or "", format_size(f.size),
             f.folder] for f in chosen]
    return reply.table(["", "episode", "title", "quality", "size", "folder"], rows,
                       align=["left", "left", "left", "right", "right", "left"])


def _usage(session, reply: Reply, item, files, node) -> None:
    """The title's usage line under its headline; showing it counts as a look."""
    line, summary = look(session, item, files, selection_text(node.selection))
    reply.data["usage"] = summary
    reply.say(line, "dim")
