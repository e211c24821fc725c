"""`parse "PATH"`: what plexsh understands from a file name, to debug a mis-recognised file."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.library.names import parse_path
from plexsh.reply import Reply

SHOWN_FIELDS = ("kind", "title", "year", "season", "episode", "episode_title", "edition", "resolution", "source",
                "codec", "container")


@command("parse", ast.Parse, usage='parse "PATH"', summary="show what plexsh reads from a file name",
         details="The path may include folders (Movies/Title (Year)/file.mkv): folders help the parser.")
def parse_(session, node: ast.Parse) -> Reply:
    result = parse_path(node.path).as_dict()
    reply = Reply("parse", data={"path": node.path, "result": result})
    rows = [[name, _show(result.get(name))] for name in SHOWN_FIELDS if result.get(name) not in (None, [], "")]
    return reply.table(["field", "value"], rows, title=node.path)


def _show(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
