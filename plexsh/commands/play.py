"""`play [movie|tv] TITLE [SELECTION]`: open a local copy with the configured player and record the play."""

from __future__ import annotations

import time

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.commands.show import episode_code
from plexsh.errors import NotFound
from plexsh.lang import ast
from plexsh.library.local import local_files
from plexsh.library.resolve import command_for, label, resolve_title
from plexsh.library.selection import select, selection_text
from plexsh.reply import Reply
from plexsh.usage.player import player_command, start_player
from plexsh.usage.records import PLAY, record
from plexsh.usage.reports import title_usage


@command("play", ast.Play, usage="play [movie|tv] TITLE [SELECTION]",
         summary="open a local copy with your player (player: in the config) and count the play",
         details='play "The Matrix"            the local copy (the best version when there are several)\n'
                 'play "Breaking Bad"          the next local episode after the last one played\n'
                 'play "Breaking Bad" s2e3     that episode\n'
                 "The player runs on its own: plexsh does not wait for it. Without `player:` plexsh tries\n"
                 "mpv, vlc, then xdg-open (open on macOS).")
def play(session, node: ast.Play) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "play")
    files = catalog.files(item.id)
    copies = {c.file_id: c for c in local_files(catalog).copies(item_id=item.id, present=True)}
    if item.kind == "show":
        chosen = [f for f in select(files, node.selection, item.title) if f.id in copies]
        if node.selection.is_everything:
            chosen = _next_up(catalog, session, item, chosen)
    else:
        chosen = sorted((f for f in files if f.id in copies), key=lambda f: (-(f.size or 0), f.relpath))
    if not chosen:
        what = f" {selection_text(node.selection)}" if not node.selection.is_everything else ""
        raise NotFound(f"{label(item)}{what} has no local copy to play",
                       f"`{command_for(catalog, 'get', item)}{what}` copies it first")
    target, copy = chosen[0], copies[chosen[0].id]
    argv = player_command(session.config.player)
    pid = start_player(argv, copy.path)
    code = episode_code(target) if item.kind == "show" else None
    record(catalog, copy.path, PLAY, {"title": item.title, "year": item.year, "kind": item.kind, "episode": code,
                                      "player": argv[0]}, analytics=analytics(session))
    reply = Reply("play", data={"item": item.as_dict(), "file": target.as_dict(), "path": copy.path,
                                "player": argv, "pid": pid, "episode": code})
    return reply.say(f"▶ {label(item)}{' ' + code if code else ''} with {argv[0]}: {copy.path}", "good")


def _next_up(catalog, session, item, local_episodes: list) -> list:
    """A show with no selection: the first local episode after the last one played, else the first local one."""
    usage = title_usage(catalog, analytics(session), now=time.time(), item_ids=[item.id]).get(item.id)
    played = [(f.season, max(f.episodes)) for f in (usage.files if usage else []) if f.uses and f.episodes
              and f.season not in (None, 0)]
    if not played:
        return local_episodes
    last = max(played)
    after = [f for f in local_episodes if f.season not in (None, 0) and (f.season, max(f.episodes, default=0)) > last]
    return after or local_episodes
