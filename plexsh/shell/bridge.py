"""The engine inside the shell: trio runs as a guest of prompt_toolkit's asyncio loop, on the same thread;
commands on the shell's worker thread reach it through trio.from_thread."""

from __future__ import annotations

import asyncio
import threading

import trio


class GuestEngine:
    """Starts the transfer Supervisor under trio guest mode and stops it; both loops share one thread,
    so the shell calls the supervisor's control methods directly, and `handle()` serves other threads."""

    def __init__(self, supervisor):
        self.supervisor = supervisor
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._done: asyncio.Future | None = None

    async def start(self) -> None:
        """Run the supervisor as a trio guest; returns once it is accepting jobs."""
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        ready = loop.create_future()

        async def engine_main():
            self._token = trio.lowlevel.current_trio_token()
            with trio.CancelScope() as scope:
                self._scope = scope
                async with trio.open_nursery() as nursery:
                    await nursery.start(self.supervisor.run)
                    loop.call_soon(_resolve, ready)
                    await trio.sleep_forever()

        def finished(outcome) -> None:
            if not self._done.done():
                self._done.set_result(outcome)
            if not ready.done():
                ready.set_result(None)

        trio.lowlevel.start_guest_run(
            engine_main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=finished,
            host_uses_signal_set_wakeup_fd=True,
        )
        await ready
        if self._done.done():
            self._done.result().unwrap()  # the engine died while starting: say why

    def handle(self) -> EngineHandle:
        """The supervisor as every thread may call it (set as session.engine)."""
        return EngineHandle(self.supervisor, self._token, threading.current_thread())

    async def stop(self) -> None:
        """Cancel the engine (its children get SIGTERM, their jobs stay queued) and wait for trio to end."""
        if self._token is not None and self._scope is not None:
            try:
                self._token.run_sync_soon(self._scope.cancel)
            except trio.RunFinishedError:
                pass
        if self._done is not None:
            outcome = await self._done
            try:
                outcome.unwrap()
            except trio.Cancelled:
                pass


class EngineHandle:
    """The live Supervisor for any thread. On the loop's thread (the toolbar, the shell) its methods
    are called directly; from a command's worker thread each call runs on trio's thread and its
    answer (or exception) comes back, so the supervisor's state and its job store's SQLite
    connection are only ever touched by trio's thread."""

    def __init__(self, supervisor, token: trio.lowlevel.TrioToken, loop_thread: threading.Thread):
        self._supervisor = supervisor
        self._token = token
        self._loop_thread = loop_thread

    def __getattr__(self, name: str):
        value = getattr(self._supervisor, name)
        if not callable(value) or threading.current_thread() is self._loop_thread:
            return value

        def on_trio_thread(*args, **kwargs):
            return trio.from_thread.run_sync(lambda: value(*args, **kwargs), trio_token=self._token)

        return on_trio_thread


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
