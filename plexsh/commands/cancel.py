"""`cancel N...|all`: stop transfers (their partial files stay for a later get)."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import control


@command("cancel", ast.Cancel, usage="cancel N...|all", summary="stop transfers (their partial files stay for a later get)")
def cancel_(session, node: ast.Cancel) -> Reply:
    return control(session, "cancel", node.ids)
