"""`resume N...|all`: resume paused transfers."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply
from plexsh.jobreplies import control


@command("resume", ast.Resume, usage="resume N...|all", summary="resume paused transfers")
def resume_(session, node: ast.Resume) -> Reply:
    return control(session, "resume", node.ids)
