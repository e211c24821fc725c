"""`info [movie|tv] "Title" [SELECTION]`: size, resolution, codec, source folder and path of every file of a title."""

from plexsh.commands import command
from plexsh.commands._usage import look
from plexsh.commands.show import episode_code
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.library.selection import select, selection_text
from plexsh.render import format_size
from plexsh.reply import Reply


@command("info", ast.Info, usage="info [movie|tv] TITLE [SELECTION]",
         summary="every file of a title: size, quality, codec, folder and path")
def info(session, node: ast.Info) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "info")
    files = catalog.files(item.id)
    if item.kind == "show":
        files = select(files, node.selection, item.title)
    reply = Reply("info", data={"item": item.as_dict(), "files": [f.as_dict() for f in files]})
    reply.say(f"{label(item)} · {len(files)} file{'s' if len(files) != 1 else ''} · "
              f"{format_size(sum(f.size for f in files))}", "title")
    line, reply.data["usage"] = look(session, item, files, selection_text(node.selection))
    reply.say(line, "dim")
    rows = []
    for f in files:
        what = episode_code(f) if item.kind == "show" else (f.edition or "")
        rows.append([what, format_size(f.size), f.resolution or "", f.codec or "", f.source or "", f.folder, f.path])
    return reply.table(["", "size", "quality", "codec", "source", "folder", "path"], rows,
                       align=["left", "right", "right", "left", "left", "left", "left"])
