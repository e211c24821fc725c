"""`random [movies|tv] [FILTER...]` (or `~`): a random title never played, or the next episode of a show in progress (module named so it never shadows the standard `random`)."""

from __future__ import annotations

import random as chance
import time

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import NotFound
from plexsh.lang import ast
from plexsh.library.resolve import command_for, label
from plexsh.reply import Reply
from plexsh.usage.reports import title_usage, with_all_episodes


@command("random", ast.Random, usage="random [movies|tv] [FILTER...]",
         summary="a random unplayed title, or the next episode of a show you are watching",
         details="random                 anything unplayed\n"
                 "~ movies year>2000     `~` is the same; the filters are those of `ls`\n"
                 "It says the command that plays the pick (or gets it first when it is not local).")
def random(session, node: ast.Random) -> Reply:
    catalog = session.catalog
    now = time.time()
    settings = analytics(session)
    items = catalog.items(node.kind, node.filters)
    used = title_usage(catalog, settings, now=now, item_ids=[i.id for i in items]) if len(items) < 900 else \
        title_usage(catalog, settings, now=now)
    # Titles never played are picks as they are; a show in progress offers its next episode.
    candidates = [i for i in items if not (used.get(i.id) and used[i.id].uses) or i.kind == "show"]
    while candidates:
        item = candidates.pop(chance.randrange(len(candidates)))
        pick = _pick(catalog, item, used.get(item.id))
        if pick is not None:
            return _reply(catalog, item, *pick)
    raise NotFound("nothing unplayed matches" + (" these filters" if node.filters else ""),
                   "`usage top` shows what you have played")


def _pick(catalog, item, usage) -> tuple[str | None, bool] | None:
    """(the episode's selection or None for a movie, whether it is local), or None when a show has no next episode."""
    if item.kind == "movie":
        return None, bool(usage and usage.local_bytes)
    from plexsh.usage.reports import TitleUsage

    usage = with_all_episodes(catalog, usage or TitleUsage(item.id, item.kind, item.title, item.year))
    episodes = sorted((f for f in usage.files if f.season not in (None, 0) and f.episodes),
                      key=lambda f: (f.season, max(f.episodes)))
    played = [f for f in episodes if f.uses]
    if played:
        last = max(played, key=lambda f: (f.season, max(f.episodes)))
        episodes = [f for f in episodes if (f.season, max(f.episodes)) > (last.season, max(last.episodes))]
    if not episodes:
        return None
    first = episodes[0]
    return f"s{first.season}e{first.episodes[0]}", first.local


def _reply(catalog, item, episode: str | None, local: bool) -> Reply:
    verb = "play" if local else "get"
    text = " ".join(part for part in (command_for(catalog, verb, item), episode) if part)
    reply = Reply("random", data={"item": item.as_dict(), "episode": episode, "local": local, "command": text})
    reply.say(f"🎲 {label(item)}{' ' + episode.upper() if episode else ''}"
              f"{'' if local else ' (not local yet)'}", "title")
    return reply.say(f"→ {text}", "note")
