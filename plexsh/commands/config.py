"""`config`: show the effective config; `config init` writes a commented starter file."""

from plexsh.commands import command
from plexsh.config import write_starter_config
from plexsh.home import default_config_path
from plexsh.lang import ast
from plexsh.reply import Reply


@command("config", ast.Config, usage="config [init]", summary="show the effective config, or write a starter file",
         details="config       the config in force (file, profile, every value)\n"
                 "config init  write a commented starter config where plexsh looks for it (never overwrites)")
def config(session, node: ast.Config) -> Reply:
    if node.action == "init":
        path = write_starter_config(session.config_path or default_config_path())
        session.reload_config()
        return Reply("config", data={"written": str(path)}).say(
            f"wrote {path}: add your sources there, then `scan`", "good")
    settings = session.config.to_dict()
    reply = Reply("config", data={"config": settings})
    where = settings["path"] or f"{session.config_path or default_config_path()} (not there: defaults in force)"
    reply.say(f"config file: {where}" + (f" · profile {settings['profile']}" if settings["profile"] else ""), "title")
    rows = []
    for section, values in settings.items():
        if section in ("path", "profile"):
            continue
        if isinstance(values, dict):
            for key, value in values.items():
                rows.append([f"{section}.{key}", _show(value)])
        else:
            rows.append([section, _show(values)])
    return reply.table(["key", "value"], rows)


def _show(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if value is None:
        return "(none)"
    return str(value)
