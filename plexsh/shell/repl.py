"""The interactive shell: a prompt_toolkit loop with history, Ctrl-R search, completion and a bottom toolbar."""

from __future__ import annotations

import time

from plexsh.home import history_path

PROMPT = [("class:prompt", "plexsh"), ("class:arrow", " › ")]
GREETING = "plexsh — type `help` for commands, Tab to complete, Ctrl-R to search history, Ctrl-D to leave."
STATUS_REFRESH_SECONDS = 5.0


def make_toolbar(session):
    """The bottom toolbar: what the catalog holds and how old it is (transfer progress joins it later)."""
    cache = {"at": 0.0, "text": ""}

    def toolbar():
        now = time.monotonic()
        if now - cache["at"] > STATUS_REFRESH_SECONDS:
            cache["at"], cache["text"] = now, _catalog_line(session)
        return cache["text"]

    toolbar.refresh = lambda: cache.update(at=0.0)
    return toolbar


def _catalog_line(session) -> str:
    try:
        stats = session.catalog.stats()
    except Exception:
        return " catalog unavailable "
    if not stats.get("files"):
        return " catalog empty · `scan` to fill it "
    age = stats.get("age_seconds")
    when = "" if age is None else f" · scanned {_age(age)} ago"
    return f" {stats.get('movies', 0)} movies · {stats.get('shows', 0)} shows · {stats.get('files', 0)} files{when} "


def _age(seconds: float) -> str:
    """A rough age for people.

    >>> _age(42), _age(3600 * 5), _age(86400 * 3)
    ('42 s', '5 h', '3 d')
    """
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def build_prompt(session):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.shortcuts import CompleteStyle
    from prompt_toolkit.styles import Style

    from plexsh.shell.complete import make_completer

    history_file = history_path()
    history_file.parent.mkdir(parents=True, exist_ok=True)
    style = Style.from_dict({"prompt": "bold ansicyan", "arrow": "ansigray", "bottom-toolbar": "noreverse ansigray"})
    toolbar = make_toolbar(session)
    prompt = PromptSession(PROMPT, history=FileHistory(str(history_file)), completer=make_completer(session),
                           complete_while_typing=True, complete_style=CompleteStyle.COLUMN,
                           bottom_toolbar=toolbar, style=style,
                           enable_history_search=False, mouse_support=False)
    return prompt, toolbar


def run_repl(session, first_commands: str | None = None) -> int:
    """Read, run, render until `quit` or Ctrl-D; every line goes through Session.run like a script would."""
    prompt, toolbar = build_prompt(session)
    session.renderer.out.write(GREETING + "\n")
    if first_commands:
        session.run(first_commands)
    while not session.quit_requested:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line, as in any shell
        except EOFError:
            break
        if text.strip():
            session.run(text)
            toolbar.refresh()
    return 0
