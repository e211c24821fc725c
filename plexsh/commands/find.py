"""`find [movie|tv] TEXT`: fuzzy search across movie and show titles (partial and misspelled words work)."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.reply import Reply

FIND_LIMIT = 20


@command("find", ast.Find, usage="find [movie|tv] TEXT", summary="fuzzy search for a title (typos are fine)")
def find(session, node: ast.Find) -> Reply:
    matches = session.catalog.find(node.text, limit=FIND_LIMIT)
    if node.kind:
        matches = [(i, s) for i, s in matches if i.kind == node.kind]
    reply = Reply("find", data={"query": node.text,
                                "items": [dict(i.as_dict(), score=round(s, 1)) for i, s in matches]})
    if not matches:
        return reply.say(f"nothing looks like {node.text!r}", "warn")
    rows = [[i.title, str(i.year or ""), "movie" if i.kind == "movie" else "show", f"{s:.0f}"] for i, s in matches]
    return reply.table(["title", "year", "kind", "match"], rows, align=["left", "right", "left", "right"])
