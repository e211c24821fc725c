"""`rm [movie|tv] TITLE [SELECTION] [dry-run]`: local copies to plexsh's trash (never a source), and the folders left empty."""

from __future__ import annotations

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.reply import Reply


@command("rm", ast.Rm, usage="rm [movie|tv] TITLE [SELECTION] [dry-run]",
         summary="remove local copies (to the trash: `undo` or `trash restore` brings them back)",
         details='rm "Breaking Bad" s2         the local copies of season 2, and its folder once empty\n'
                 'rm movie "Heat" dry-run      what would go, removing nothing')
def rm(session, node: ast.Rm) -> Reply:
    raise PlexError("rm is not ready yet")
