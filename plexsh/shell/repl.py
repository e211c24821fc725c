"""The interactive shell: a prompt_toolkit loop with history, Ctrl-R search, completion and a bottom toolbar."""

from __future__ import annotations

import time

from plexsh.home import history_path
from plexsh.render import format_age

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
    if not stats.files:
        return " catalog empty · `scan` to fill it "
    age = stats.last_scan_age
    when = "" if age is None else f" · scanned {format_age(age)} ago"
    return f" {stats.movies:,} movies · {stats.shows:,} shows · {stats.files:,} files{when} "


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
    warm_up = schedule_warm_up(session)
    while not session.quit_requested:
        try:
            text = prompt.prompt(pre_run=warm_up)
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line, as in any shell
        except EOFError:
            break
        warm_up = None
        if text.strip():
            session.run(text)
            toolbar.refresh()
            prepare_title_index(session)  # a scan may have changed the titles
    return 0


def prepare_title_index(session) -> None:
    """Index titles on a background thread so the first title completion does not wait for it."""
    try:
        session.catalog.prepare_title_index()
    except Exception:
        pass  # a catalog that cannot open says so when a command uses it


def schedule_warm_up(session):
    """A pre_run hook: once the first prompt is on screen, get the catalog ready without blocking typing.

    The slow part, importing the catalog's modules, runs on a thread; opening the catalog (quick once
    imported) and starting the title index go back to the event loop's thread, which owns the
    SQLite connection.
    """

    def pre_run():
        import asyncio
        import threading

        loop = asyncio.get_running_loop()

        def import_then_prepare():
            import plexsh.library.catalog  # noqa: F401

            loop.call_soon_threadsafe(prepare_title_index, session)

        threading.Thread(target=import_then_prepare, name="plexsh-warm-up", daemon=True).start()

    return pre_run
