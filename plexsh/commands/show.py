"""`show "Title" [SELECTION]`: a show's seasons and episodes, or a movie's versions."""

from __future__ import annotations

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select, spans
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


@command("show", ast.Show, usage='show TITLE [SELECTION]', summary="a show's seasons and episodes, or a movie's versions",
         details='show "Breaking Bad"        every season, with its episodes\n'
                 "show breaking bad s2 e1-5  those episodes\n"
                 'show "The Matrix"          the versions of a movie')
def show(session, node: ast.Show) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title)
    files = catalog.files(item.id)
    reply = Reply("show", data={"item": item.as_dict()})
    if item.kind == "movie":
        reply.data["files"] = [f.as_dict() for f in files]
        reply.say(label(item), "title")
        rows = [[f.relpath.rsplit("/", 1)[-1], f.resolution or "", f.source or "", f.codec or "", f.edition or "",
                 format_size(f.size), f.folder] for f in files]
        return reply.table(["version", "quality", "source", "codec", "edition", "size", "folder"], rows,
                           align=["left", "right", "left", "left", "left", "right", "left"])
    chosen = select(files, node.selection, item.title)
    by_season: dict[int, list] = {}
    for f in chosen:
        by_season.setdefault(f.season, []).append(f)
    reply.data["seasons"] = [{"season": s, "episodes": [f.as_dict() for f in fs]} for s, fs in by_season.items()]
    reply.say(f"{label(item)} · {item.seasons} season{'s' if item.seasons != 1 else ''} · "
              f"{item.episodes} episodes · {format_size(item.size)}", "title")
    if node.selection.is_everything and len(by_season) > 1:
        rows = [[season_name(s), spans(e for f in fs for e in f.episodes), str(sum(len(f.episodes) for f in fs)),
                 format_size(sum(f.size for f in fs)), ", ".join(sorted({f.folder for f in fs}))]
                for s, fs in by_season.items()]
        reply.table(["season", "episodes", "count", "size", "folder"], rows,
                    align=["left", "left", "right", "right", "left"],
                    caption=f"`show {_quoted(item.title)} s1` lists the episodes of a season")
        return reply
    rows = [[episode_code(f), f.episode_title or "", f.resolution or "", format_size(f.size), f.folder]
            for f in chosen]
    return reply.table(["episode", "title", "quality", "size", "folder"], rows,
                       align=["left", "left", "right", "right", "left"])


def _quoted(title: str) -> str:
    return '"' + title.replace('"', '\\"') + '"'
