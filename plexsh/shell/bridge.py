"""The engine inside the shell: trio runs as a guest of prompt_toolkit's asyncio loop, on the same thread."""

from __future__ import annotations

import asyncio

import trio


class GuestEngine:
    """Starts the transfer Supervisor under trio guest mode and stops it; both loops share one thread,
    so the shell calls the supervisor's control methods directly."""

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


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
