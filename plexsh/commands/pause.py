"""`pause N...|all`: pause transfers."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import control


@command("pause", ast.Pause, usage="pause N...|all", summary="pause transfers")
def pause_(session, node: ast.Pause) -> Reply:
    return control(session, "pause", node.ids)
