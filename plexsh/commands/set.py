"""`set OPTION VALUE`: session options (keep-going, profile, page-size, color)."""

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.reply import Reply

TRUE_WORDS, FALSE_WORDS = ("on", "yes", "true", "1"), ("off", "no", "false", "0")


def on_off(option: str, value: str | None) -> bool:
    """`set keep-going` alone means on."""
    if value is None or value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise PlexError(f"{option} takes on or off, not {value!r}")


@command("set", ast.Set, usage="set OPTION [VALUE]", summary="change a session option",
         details="keep-going on|off: scripts go on after a failed command\n"
                 "profile NAME: use a profile of the config file\n"
                 "page-size N: rows per page in ls (default: fits the terminal)\n"
                 "color on|off: colours in answers")
def set_(session, node: ast.Set) -> Reply:
    settings = session.settings
    if node.option == "keep-going":
        settings.keep_going = on_off(node.option, node.value)
        shown = "on" if settings.keep_going else "off"
    elif node.option == "color":
        settings.color = on_off(node.option, node.value)
        session.renderer.use_color(settings.color)
        shown = "on" if settings.color else "off"
    elif node.option == "page-size":
        rows = node.value or ""
        # isdigit() alone takes "²", and int() refuses thousands of digits: both were internal errors.
        if not (rows.isascii() and rows.isdigit()) or len(rows) > 9 or int(rows) < 1:
            shown = repr(rows[:20] + "..." if len(rows) > 20 else node.value)
            raise PlexError(f"page-size takes a whole number of rows from 1 to 999999999, not {shown}")
        settings.page_size = int(rows)
        shown = node.value
    else:  # profile
        if not node.value:
            raise PlexError("profile needs a name", _profile_hint(session))
        previous = settings.profile
        settings.profile = node.value
        session.reload_config()
        try:
            session.config
        except PlexError:
            settings.profile = previous
            session.reload_config()
            raise
        shown = node.value
    return Reply("set", data={"option": node.option, "value": shown}).say(f"{node.option} = {shown}", "dim")


def _profile_hint(session) -> str | None:
    names = sorted(session.config.profiles)
    return f"profiles: {', '.join(names)}" if names else "the config file defines no profiles"
