"""The guided selection in the shell: `get`, `sync` or `browse` alone opens it; it ends by running the command line it stands for.

The screen (guidedview) runs on the shell's loop thread and reads the catalog through that thread's
connection a page at a time (guidedshelf). What it ends with goes the way a typed line goes: shown
after the prompt, added to the history, run on the worker thread. `u` runs `undo` the same way and
comes back to the screen where it was.
"""

from __future__ import annotations

from plexsh.printable import one_line

LEFT = "guided selection left: nothing was run"


def is_guided(text: str) -> bool:
    """Whether a line is one bare `get`, `sync` or `browse`, which the shell answers with the guided selection.

    >>> is_guided("get"), is_guided("  sync  "), is_guided("browse"), is_guided("browse movies"), is_guided("get; ls")
    (True, True, True, False, False)
    """
    from plexsh.lang.parser import parse

    try:
        commands = parse(text).commands
    except Exception:  # a line that does not parse (or means nothing) is the worker's to report
        return False
    return len(commands) == 1 and getattr(commands[0], "guided", False)


class _Recorder:
    """The session's renderer, keeping what a command answered so the screen can say it in one line."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.said: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.renderer, name)

    def render(self, reply) -> None:
        if not reply.ok:
            self.said.append(reply.error or "failed")
        else:
            self.said += [block.text for block in reply.blocks if hasattr(block, "text")][:1]
        self.renderer.render(reply)

    def syntax_error(self, error) -> None:
        self.said.append(error.headline())
        self.renderer.syntax_error(error)


async def run_guided(session, prompt, run_line, echo) -> None:
    """The guided selection until it runs a line or is left. `run_line(text)` runs a line as typed
    lines run (awaitable); `echo(text)` shows it after the prompt."""
    import asyncio
    import gc
    import random

    from plexsh.shell.guidedshelf import shelf_for
    from plexsh.shell.guidedstate import Guide
    from plexsh.shell.guidedview import GuidedView

    shelf = shelf_for(session.catalog)
    shelf.prefetch()  # in case a scan changed the titles: they load while the first screen asks movies or tv
    # What lives now (the title index, the title lists) lives on: a full pass of the cycle collector
    # over its objects would take 100-200 ms out of some key (moving them out of its reach is O(1)).
    gc.freeze()
    guide = Guide(shelf, random.Random())
    view = GuidedView(guide)
    app = prompt.app
    loop = asyncio.get_running_loop()
    shelf.when_loaded(lambda: loop.call_soon_threadsafe(view.refresh))  # the first screen's counts
    while True:
        outcome = await view.run(app.style, app.input, app.output)
        if outcome.action == "quit":
            print(LEFT, flush=True)
            return
        line = "undo" if outcome.action == "undo" else outcome.line
        prompt.history.append_string(line)
        echo(line)
        if outcome.action != "undo":
            await run_line(line)
            return
        recorder = _Recorder(session.renderer)
        session.renderer = recorder
        try:
            await run_line(line)
        finally:
            session.renderer = recorder.renderer
        guide.reload()
        guide.message = "undo: " + (one_line(recorder.said[0]) if recorder.said else "done")
