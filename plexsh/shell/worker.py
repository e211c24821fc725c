"""The shell's commands run on one worker thread, so the loop that draws the toolbar and supervises transfers never waits for one.

A command's SQLite connections are its thread's own (Session.thread_database); its calls to the
engine cross to trio's thread (bridge.EngineHandle); its replies are drawn on the loop's thread,
above the status line (ShellRenderer); its progress goes to that status line (StatusLine).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from plexsh import interrupt
from plexsh.printable import one_line

COMMAND_SHOWN = 60  # characters of the command line the status line repeats


class StatusLine:
    """What the running command is doing, for the line under it: its text or progress, its age, and how to stop it."""

    def __init__(self):
        self.command: str | None = None
        self.detail: str | None = None
        self.started = 0.0
        self.cancellation: interrupt.Cancellation | None = None

    def begin(self, text: str, cancellation: interrupt.Cancellation) -> None:
        shown = " ".join(text.split())
        self.command = one_line(shown if len(shown) <= COMMAND_SHOWN else shown[:COMMAND_SHOWN - 1] + "…")
        self.detail, self.started, self.cancellation = None, time.monotonic(), cancellation

    def end(self) -> None:
        self.command = self.detail = self.cancellation = None

    def cancel(self) -> None:
        """Cancel the running command, if one runs (a SIGINT's handler: it must never end the shell)."""
        if self.cancellation is not None:
            self.cancellation.cancel()

    def line(self) -> str:
        if self.command is None:
            return ""
        seconds = int(time.monotonic() - self.started)
        stop = "cancelling…" if self.cancellation is not None and self.cancellation.cancelled else "Ctrl-C cancels"
        return f" {self.detail or self.command} · {seconds} s · {stop} "


class ShellRenderer:
    """The session's Renderer as commands on the worker thread use it: a reply is drawn on the loop's
    thread while the status line steps aside (prompt_toolkit's run_in_terminal), and `progress`
    feeds the status line instead of a live display of its own."""

    def __init__(self, renderer, loop: asyncio.AbstractEventLoop, status: StatusLine):
        self.renderer = renderer
        self._loop = loop
        self._loop_thread = threading.current_thread()
        self._status = status

    def __getattr__(self, name: str):
        return getattr(self.renderer, name)

    def render(self, reply) -> None:
        self._draw(self.renderer.render, reply)

    def error(self, message: str, hint: str | None = None) -> None:
        self._draw(self.renderer.error, message, hint)

    def syntax_error(self, error) -> None:
        self._draw(self.renderer.syntax_error, error)

    def confirm(self, question: str) -> bool:
        """Ask QUESTION on the terminal (the status line steps aside) and wait for the answer: yes only
        for y or yes; Ctrl-C, Ctrl-D or anything else is no. Commands that delete for good call this."""

        async def ask() -> bool:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.application import in_terminal

            async with in_terminal():
                try:
                    answer = await PromptSession().prompt_async(question)
                except (KeyboardInterrupt, EOFError):
                    return False
            return answer.strip().lower() in ("y", "yes")

        return asyncio.run_coroutine_threadsafe(ask(), self._loop).result()

    @contextlib.contextmanager
    def progress(self, label: str):
        """The status line says `label` and then what the command reports."""
        status = self._status

        def update(text: str) -> None:
            status.detail = one_line(f"{label} {text}")

        status.detail = one_line(label)
        try:
            yield update
        finally:
            status.detail = None

    def _draw(self, draw, *args) -> None:
        if threading.current_thread() is self._loop_thread:
            draw(*args)
            return

        async def in_terminal() -> None:
            from prompt_toolkit.application import run_in_terminal

            await run_in_terminal(lambda: draw(*args))

        asyncio.run_coroutine_threadsafe(in_terminal(), self._loop).result()


class CommandThread:
    """The one thread every command of the shell runs on, in turn."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plexsh-command")

    def run(self, session, text: str, cancellation: interrupt.Cancellation) -> asyncio.Future:
        """Run the line `text` there as a command `cancellation` may cancel; the future holds its exit status."""
        return asyncio.get_running_loop().run_in_executor(self._pool, _run_line, session, text, cancellation)

    async def close(self, session) -> None:
        """Close the connections the commands opened (on their thread, where they belong), then the thread."""
        await asyncio.get_running_loop().run_in_executor(self._pool, session.close)
        self._pool.shutdown(wait=True)


def _run_line(session, text: str, cancellation: interrupt.Cancellation) -> int:
    with interrupt.cancellable(cancellation):
        return session.run(text)
