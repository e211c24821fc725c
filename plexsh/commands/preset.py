"""`preset [list]`, `preset save NAME FILTER...`, `preset rm NAME`: named `ls` filters, used as `ls @NAME`."""

from plexsh.commands import command
from plexsh.lang import ast
from plexsh.library.presets import presets
from plexsh.reply import Reply


@command("preset", ast.Preset, usage="preset [list] | preset save NAME FILTER... | preset rm NAME",
         summary="save `ls` filters under a name, used as `ls @NAME`",
         details="preset save big size>4G quality>=1080p   then   ls movies @big year>2000\n"
                 "A name is letters, digits, - and _ (case does not matter). Saving a name that exists replaces\n"
                 "it and shows what it was. Several presets and more filters combine: all must match.\n"
                 "Tab after @ completes the saved names.")
def preset(session, node: ast.Preset) -> Reply:
    store = presets(session.catalog)
    if node.action == "save":
        old = store.save(node.name, node.text)
        reply = Reply("preset", data={"action": "save", "preset": {"name": node.name, "filter": node.text},
                                      "replaced": old.as_dict() if old else None})
        if old is None:
            return reply.say(f"saved @{node.name}: {node.text}", "good")
        return reply.say(f"replaced @{node.name}: {node.text} (was: {old.filter})", "note")
    if node.action == "rm":
        old = store.require(node.name)
        store.remove(old.name)
        return Reply("preset", data={"action": "rm", "preset": old.as_dict()}).say(
            f"removed @{old.name} ({old.filter})", "note")
    saved = store.all()
    reply = Reply("preset", data={"action": "list", "presets": [p.as_dict() for p in saved]})
    if not saved:
        return reply.say("no presets saved yet: `preset save NAME FILTER...` saves one, e.g. "
                         "`preset save big size>4G`", "dim")
    return reply.table(["preset", "filter"], [[f"@{p.name}", p.filter] for p in saved])
