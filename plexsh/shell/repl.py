"""The interactive shell: a prompt_toolkit loop with history, Ctrl-R search, completion and a bottom toolbar."""

from __future__ import annotations

import signal
import time

from plexsh.home import history_path
from plexsh.printable import one_line
from plexsh.render import format_age, format_size

PROMPT = [("class:prompt", "plexsh"), ("class:arrow", " › ")]
GREETING = "plexsh — type `help` for commands, Tab to complete, Ctrl-R to search history, Ctrl-D to leave."
STATUS_REFRESH_SECONDS = 5.0


def make_toolbar(session):
    """The bottom toolbar: what the catalog holds and how old it is (transfer progress joins it later)."""
    cache = {"at": 0.0, "text": ""}

    def toolbar():
        jobs = _jobs_line(session)
        if jobs:
            return jobs
        now = time.monotonic()
        if now - cache["at"] > STATUS_REFRESH_SECONDS:
            cache["at"], cache["text"] = now, _catalog_line(session)
        return cache["text"]

    toolbar.refresh = lambda: cache.update(at=0.0)
    return toolbar


def _jobs_line(session) -> str | None:
    """Running transfers: file, percent, rate, ETA; then what waits in the queue."""
    if session.engine is None:
        return None
    views = session.engine.active()
    running = [v for v in views if v.state in ("running", "verifying")]
    waiting = [v for v in views if v.state in ("queued", "paused", "stalled")]
    if not running and not waiting:
        return None
    parts = []
    for v in running:
        rate = f" {format_size(int(v.rate))}/s" if v.rate else ""
        eta = f" ETA {format_age(v.eta)}" if v.eta else ""
        parts.append(f"⇣ {one_line(v.label)} {v.percent:.0f}%{rate}{eta}")
    if waiting:
        parts.append(f"{len(waiting)} waiting")
    left = sum(v.total - v.bytes_done for v in running + waiting)
    return " " + " · ".join(parts) + f" · {format_size(left)} to go "


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

    from plexsh.lang.parser import lark_parser

    lark_parser()  # completion's first key press must not wait for the grammar's tables
    history_file = history_path()
    history_file.parent.mkdir(parents=True, exist_ok=True)
    style = Style.from_dict({"prompt": "bold ansicyan", "arrow": "ansigray", "bottom-toolbar": "noreverse ansigray",
                             "status": "ansicyan"})
    toolbar = make_toolbar(session)
    prompt = PromptSession(PROMPT, history=FileHistory(str(history_file)), completer=make_completer(session),
                           complete_while_typing=True, complete_style=CompleteStyle.COLUMN,
                           bottom_toolbar=toolbar, style=style, refresh_interval=0.5,
                           enable_history_search=False, mouse_support=False)
    return prompt, toolbar


def run_repl(session, first_commands: str | None = None) -> int:
    """Read, run, render until `quit` or Ctrl-D, with transfers running in the background meanwhile."""
    import asyncio

    return asyncio.run(_host(session, first_commands))


async def _host(session, first_commands: str | None) -> int:
    """The asyncio host: the prompt loop, and the transfer engine as trio's guest, started behind it."""
    import asyncio

    from prompt_toolkit.patch_stdout import patch_stdout

    from plexsh.shell.worker import CommandThread, ShellRenderer, StatusLine

    prompt, toolbar = build_prompt(session)
    session.renderer.out.write(GREETING + "\n")
    engine_start = asyncio.ensure_future(_start_engine(session, prompt))
    status = StatusLine()
    worker = CommandThread()
    loop = asyncio.get_running_loop()
    renderer, session.renderer = session.renderer, ShellRenderer(session.renderer, loop, status)
    # Ctrl-C is a key while the prompt or the status line is up; in the instant between them the
    # terminal is cooked and sends SIGINT instead: that too cancels the command, never the shell.
    loop.add_signal_handler(signal.SIGINT, status.cancel)
    try:
        with patch_stdout(raw=True):
            await _prompt_loop(session, prompt, toolbar, first_commands, engine_start, worker, status)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        await worker.close(session)
        session.renderer = renderer
        engine = await engine_start
        engine.supervisor.on_change = None
        await engine.stop()
        session.engine = None
    return 0


async def _start_engine(session, prompt):
    """Open the job store and run the supervisor; jobs a stopped plexsh left unfinished start again."""
    import asyncio

    # The imports take a few hundred milliseconds: a thread does them while the prompt takes keys.
    await asyncio.to_thread(_import_engine)
    from plexsh import transfers
    from plexsh.shell.bridge import GuestEngine

    supervisor = transfers.supervisor(session)
    engine = GuestEngine(supervisor)
    await engine.start()
    session.engine = engine.handle()
    supervisor.on_change = job_watcher(prompt)
    note = transfers.recovered_note(session)
    if note:
        print(one_line(note), flush=True)
    return engine


def _import_engine() -> None:
    import plexsh.engine.supervisor  # noqa: F401  (imports trio, sqlite-utils and the job store)
    import plexsh.shell.bridge  # noqa: F401
    import plexsh.transfers  # noqa: F401


async def _prompt_loop(session, prompt, toolbar, first_commands, engine_start, worker, status) -> None:
    from plexsh.shell.guided import is_guided, run_guided

    warm_up = schedule_warm_up(session)
    pending = first_commands
    typed: list[str] = []  # keys typed while a command ran: the next prompt starts with them
    while True:
        ahead = "".join(typed)
        if pending:
            text, pending = pending, None
        elif "\n" in ahead:  # a line typed and entered while the last command ran: run it now
            text, rest = ahead.split("\n", 1)
            typed[:] = list(rest)
            prompt.history.append_string(text)
            echo_line(text)
        else:
            try:
                typed[:] = []
                text = await prompt.prompt_async(pre_run=warm_up, default=ahead)
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line, as in any shell
            except EOFError:
                text = None
            warm_up = None
        if text is not None and text.strip():
            await engine_start  # a command typed in the first instant waits for the engine, not the other way
            if is_guided(text):  # `get`, `sync` or `browse` alone: choose on the full screen, then run that line
                await run_guided(session, prompt, lambda line: run_command(session, prompt, toolbar, worker, status,
                                                                            line, typed), echo_line)
            else:
                await run_command(session, prompt, toolbar, worker, status, text, typed)
            toolbar.refresh()
            prepare_title_index(session)  # a scan may have changed the titles
        if text is None or session.quit_requested:
            await engine_start
            if await _may_leave(session):
                return
        session.quit_requested = False


def echo_line(text: str) -> None:
    """A line plexsh runs for the user, shown after the prompt as if typed there."""
    print("".join(part for _, part in PROMPT) + one_line(text), flush=True)


async def run_command(session, prompt, toolbar, worker, status, text: str, typed: list[str]) -> int:
    """Run a line on the worker thread; meanwhile a status line (the command, its progress, its age)
    and the toolbar keep being drawn, and Ctrl-C cancels the command, not the shell or the transfers.
    What is typed meanwhile goes into `typed`, for the next prompt."""
    from plexsh.interrupt import Cancellation

    cancellation = Cancellation()
    status.begin(text, cancellation)
    running = worker.run(session, text, cancellation)
    try:
        app = busy_view(prompt, toolbar, status, cancellation, typed)

        def leave(_=None) -> None:
            if app.future is not None and not app.future.done():
                app.exit()

        running.add_done_callback(leave)
        if not running.done():
            await app.run_async(pre_run=lambda: leave() if running.done() else None)
        return await running
    finally:
        status.end()
        if running.done():  # else the command may still poll its descriptor: it goes with the process
            cancellation.close()


def busy_view(prompt, toolbar, status, cancellation, typed: list[str]):
    """While a command runs: its status line over the toolbar, redrawn twice a second; Ctrl-C
    cancels the command, and what is typed meanwhile waits for the next prompt."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    keys = KeyBindings()

    @keys.add("c-c")
    @keys.add("<sigint>")  # the application turns a SIGINT into this key
    def _cancel(event) -> None:
        """Cancel the running command (its children are stopped; transfers go on)."""
        cancellation.cancel()
        event.app.invalidate()

    @keys.add("<any>")
    def _type_ahead(event) -> None:
        """Keep a printable key for the next prompt."""
        if event.data.isprintable():
            typed.append(event.data)

    @keys.add("enter")
    @keys.add("c-j")
    def _enter_ahead(event) -> None:
        """Keep an entered line: it runs once the command ends, as a shell runs type-ahead."""
        typed.append("\n")

    @keys.add("backspace")
    def _rub_out(event) -> None:
        """Take back the last key kept for the next prompt."""
        if typed:
            typed.pop()

    layout = Layout(HSplit([
        Window(FormattedTextControl(lambda: [("class:status", status.line())]), height=1),
        Window(FormattedTextControl(lambda: [("class:bottom-toolbar", toolbar())]), height=1),
    ]))
    return Application(layout=layout, key_bindings=keys, style=prompt.app.style, refresh_interval=0.5,
                       erase_when_done=True, input=prompt.app.input, output=prompt.app.output)


async def _may_leave(session) -> bool:
    """Leaving with transfers under way asks first; they resume on the next start."""
    from prompt_toolkit import PromptSession

    busy = [v for v in session.engine.active()
            if v.state in ("running", "queued", "verifying", "paused", "stalled")]
    if not busy:
        return True
    question = (f"{len(busy)} transfer{'s are' if len(busy) > 1 else ' is'} not finished; "
                "quit anyway? They resume the next time plexsh starts. [y/N] ")
    try:
        answer = await PromptSession().prompt_async(question)
    except (KeyboardInterrupt, EOFError):
        return False
    return answer.strip().lower() in ("y", "yes")


def job_watcher(prompt):
    """The supervisor's on_change: redraw the toolbar; say so above the prompt when a job ends.

    Those lines pass patch_stdout(raw=True) untouched, so the file's name is escaped here.
    """
    said: dict[int, str] = {}

    def on_change(view) -> None:
        app = prompt.app
        if view.state in ("done", "failed", "cancelled") and said.get(view.id) != view.state:
            said[view.id] = view.state
            if view.state == "done":
                print(f"✓ job {view.id} done: {one_line(view.label)}", flush=True)
            else:
                print(f"✗ job {view.id} {view.state}: {one_line(view.label)}"
                      + (f": {one_line(view.error)}" if view.error else ""), flush=True)
        if app.is_running:
            app.invalidate()

    return on_change


def prepare_title_index(session) -> None:
    """Index titles on a background thread so the first title completion does not wait for it, and
    read the guided selection's title lists there too (~0.5 s for 100,000 titles)."""
    from plexsh.shell.guidedshelf import shelf_for

    try:
        session.catalog.prepare_title_index()
        shelf_for(session.catalog).prefetch()
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
