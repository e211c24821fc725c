"""`retry N...|failed`: queue failed or cancelled transfers again."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import control


@command("retry", ast.Retry, usage="retry N...|failed", summary="queue failed or cancelled transfers again")
def retry_(session, node: ast.Retry) -> Reply:
    return control(session, "retry", node.ids)
