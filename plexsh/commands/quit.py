"""`quit` / `exit`: leave the shell (in a script: stop it here)."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply


@command("quit", ast.Quit, usage="quit", summary="leave plexsh")
def quit_(session, node: ast.Quit) -> Reply:
    session.quit_requested = True
    return Reply("quit")
