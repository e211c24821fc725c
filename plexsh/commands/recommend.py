"""`recommend`, `recommend apply N`: next episodes, cleanup, archive and keep suggestions, each with its reason and command."""

from __future__ import annotations

import time

from plexsh import commands
from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.library.resolve import command_for
from plexsh.reply import Reply
from plexsh.usage.reports import season_ends_of, title_usage, with_all_episodes_of
from plexsh.usage.rules import SHOWN, next_episodes, recommendations

BATCH = 50  # shows whose episodes are read at a time for next-episode suggestions
HEADINGS = {"next": "next episodes", "season": "new season", "cleanup": "clean up", "archive": "archive",
            "keep": "keep"}


@command("recommend", ast.Recommend, usage="recommend [apply N]",
         summary="what to fetch next, what to clean up, what to keep: each with a reason and its command",
         details="recommend           numbered suggestions, each with a one-line reason and the command\n"
                 "recommend apply 2   runs suggestion 2's command, as if typed (a cleanup's `rm` can be undone)\n"
                 "Cleanup waits analytics.cleanup_after_days (60) after the last play or the copy.")
def recommend(session, node: ast.Recommend) -> Reply:
    found = suggestions(session)
    if node.apply is not None:
        return _apply(session, found, node.apply)
    reply = Reply("recommend", data={"recommendations": [dict(r, number=n) for n, r in enumerate(found, 1)]})
    if not found:
        return reply.say("nothing to suggest yet: play something (`play TITLE`), or `usage scan` to count what "
                         "other players read", "dim")
    return reply.table(["#", "", "title", "why", "command"],
                       [[str(n), HEADINGS[r["kind"]], r["title"], r["reason"], r["command"]]
                        for n, r in enumerate(found, 1)],
                       align=["right", "left", "left", "left", "left"],
                       caption="`recommend apply N` runs the command of suggestion N")


def suggestions(session) -> list[dict]:
    """Every recommendation as data, numbered by its place, each command typed as the user would."""
    catalog = session.catalog
    settings = analytics(session)
    now = time.time()
    titles = title_usage(catalog, settings, now=now, looks=False)  # rules read plays and local copies only
    season_ends_of(catalog, titles.values())
    # Next episodes of the shows watched most lately, their episodes read in batches until enough are found.
    shows = sorted((t for t in titles.values() if t.kind == "show" and t.uses), key=lambda t: -(t.last_use or 0))
    upcoming = []
    for start in range(0, len(shows), BATCH):
        batch = shows[start:start + BATCH]
        with_all_episodes_of(catalog, batch)
        upcoming += next_episodes(batch, now)
        if len(upcoming) >= SHOWN["next"]:
            break
    found = []
    for rec in recommendations(titles.values(), now, settings.cleanup_after_days, next_found=upcoming):
        item = catalog.item(rec.item_id)
        text = " ".join(part for part in (command_for(catalog, rec.verb, item), rec.args) if part)
        found.append({**rec.as_dict(), "command": text})
    return found


def _apply(session, found: list[dict], number: int) -> Reply:
    if not found:
        raise PlexError("there is nothing to apply: `recommend` has no suggestion now")
    if number > len(found):
        raise PlexError(f"there is no suggestion {number}: `recommend` lists {len(found)}")
    chosen = found[number - 1]
    verb = chosen["command"].split()[0]
    if commands.lookup(verb) is None:
        raise PlexError(f"suggestion {number} needs `{verb}`, which this plexsh does not have yet",
                        f"run it yourself when it does: {chosen['command']}")
    if session.renderer.mode != "json":
        session.renderer.render(Reply("recommend").say(f"suggestion {number}: {chosen['command']}", "note"))
    status = session.run(chosen["command"])  # the same path as a typed line: journal, confirmations, errors
    reply = Reply("recommend", data={"applied": number, "recommendation": chosen, "status": status})
    if status != 0:
        reply.ok, reply.error = False, f"suggestion {number} failed: {chosen['command']}"
    return reply
