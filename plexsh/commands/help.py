"""`help [VERB]`: the list of commands, or one command's usage, built from the registry."""

from plexsh.commands import REGISTRY, command, load_all, lookup
from plexsh.errors import NotFound
from plexsh.lang import ast
from plexsh.reply import Reply

SELECTION_HELP = ("Selections (show, info): s3  s1-3  s1,3  e5  e1-5  e1,3,5  s2e4  new-only  next N\n"
                  "Titles: quoted (\"Breaking Bad\") or bare words (breaking bad), after movie or tv to pick one kind\n"
                  "(show tv \"Fargo\"). Separate commands with ; or new lines.")


@command("help", ast.Help, usage="help [COMMAND]", summary="list the commands, or explain one")
def help_(session, node: ast.Help) -> Reply:
    load_all()
    if node.topic is None:
        specs = sorted(REGISTRY.values(), key=lambda s: s.name)
        reply = Reply("help", data={"commands": [{"name": s.name, "aliases": list(s.aliases), "usage": s.usage,
                                                  "summary": s.summary} for s in specs]})
        reply.table(["command", "what it does"], [[s.usage, s.summary] for s in specs])
        return reply.paragraph(SELECTION_HELP, "dim")
    spec = lookup(node.topic)
    if spec is None:
        import difflib

        close = difflib.get_close_matches(node.topic, list(REGISTRY), n=1)
        raise NotFound(f"no command named {node.topic!r}",
                       f"did you mean `help {close[0]}`?" if close else "`help` lists the commands")
    reply = Reply("help", data={"name": spec.name, "aliases": list(spec.aliases), "usage": spec.usage,
                                "summary": spec.summary, "details": spec.details})
    reply.say(spec.usage, "title").say(spec.summary)
    if spec.aliases:
        reply.say("also: " + ", ".join(spec.aliases), "dim")
    if spec.details:
        reply.paragraph(spec.details)
    return reply
