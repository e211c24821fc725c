"""Transfer child processes: copier workers kept for file after file, one-file children, and abandoning those that will not die."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Sequence

import trio

__all__ = ["IDLE_TIMEOUT", "Worker", "WorkerPool", "send_signal"]

IDLE_TIMEOUT = 15.0  # seconds an idle copier worker waits for another file before it is retired


@dataclass
class Worker:
    """A copier child: for one file, or (serving) for file after file while it stays healthy."""

    process: trio.Process
    serving: bool
    buffer: bytes = b""  # output read past the last whole line
    stderr: bytearray = field(default_factory=bytearray)
    idle_since: float = 0.0


class WorkerPool:
    """Starts transfer children and keeps idle copier workers for the next file. Run it with
    `await nursery.start(pool.run)`: it reads children's stderr and reaps abandoned ones until
    cancelled, then ends its idle workers."""

    def __init__(self, copier: Sequence[str], env: dict[str, str] | None = None):
        self.copier = list(copier)
        self.env = env
        self._idle: list[Worker] = []
        self._nursery: trio.Nursery | None = None
        self._reaper: trio.MemorySendChannel | None = None

    async def run(self, task_status=trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            send, receive = trio.open_memory_channel(float("inf"))
            self._reaper, self._nursery = send, nursery
            nursery.start_soon(_reap, receive)
            task_status.started(self)
            try:
                await trio.sleep_forever()
            finally:
                with trio.CancelScope(shield=True):
                    await self.close_idle()
                self._reaper = self._nursery = None

    async def start(self, argv: list[str], request: dict, serve: bool) -> Worker:
        """A child copying one file: an idle worker given the request, a new serving worker, or
        (without serving) ARGV run for this one file."""
        if not serve:
            return await self._spawn([*argv, "--", request["source"], request["partial"]], False)
        line = (json.dumps(request) + "\n").encode()
        while self._idle:
            worker = self._idle.pop()
            if worker.process.poll() is None:
                try:
                    await worker.process.stdin.send_all(line)
                    return worker
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
            self.retire(worker)
        worker = await self._spawn([*self.copier, "--serve"], True)
        await worker.process.stdin.send_all(line)
        return worker

    def release(self, worker: Worker) -> None:
        """A healthy serving worker is done with its file: keep it for the next one."""
        worker.idle_since = time.monotonic()
        self._idle.append(worker)

    def retire(self, worker: Worker) -> None:
        """An idle or unusable worker goes; it holds no file, so SIGKILL loses nothing."""
        if worker.process.returncode is None:
            send_signal(worker.process, signal.SIGKILL)
            self.abandon(worker.process)

    def retire_idle(self) -> None:
        """Retire workers idle longer than IDLE_TIMEOUT, and any that died."""
        before = time.monotonic() - IDLE_TIMEOUT
        keep = []
        for worker in self._idle:
            if worker.idle_since < before or worker.process.poll() is not None:
                self.retire(worker)
            else:
                keep.append(worker)
        self._idle = keep

    def next_retirement_in(self) -> float:
        """Seconds until retire_idle has something to do (inf with no idle worker)."""
        if not self._idle:
            return float("inf")
        oldest = min(w.idle_since for w in self._idle)
        return max(0.0, oldest + IDLE_TIMEOUT - time.monotonic()) + 0.01

    async def close_idle(self) -> None:
        """End idle workers by closing their input (they exit at once), killing any that do not."""
        idle, self._idle = self._idle, []
        for worker in idle:
            try:
                await worker.process.stdin.aclose()
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
        with trio.move_on_after(1.0):
            for worker in idle:
                await worker.process.wait()
        for worker in idle:
            if worker.process.returncode is None:
                send_signal(worker.process, signal.SIGKILL)

    def abandon(self, process: trio.Process) -> None:
        """Hand a child that will not die (yet) to the reaper; nobody on a job's path waits for it."""
        if self._reaper is not None:
            try:
                self._reaper.send_nowait(process)
            except (trio.ClosedResourceError, trio.WouldBlock):
                pass

    async def _spawn(self, argv: list[str], serving: bool) -> Worker:
        process = await trio.lowlevel.open_process(
            argv, stdin=subprocess.PIPE if serving else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, env=self.env)
        worker = Worker(process, serving)
        if self._nursery is not None:
            self._nursery.start_soon(_read_tail, worker)
        return worker


async def _reap(receive: trio.MemoryReceiveChannel) -> None:
    """Collect abandoned children whenever they finally die; cancelled with the pool."""
    async with trio.open_nursery() as nursery:
        async for process in receive:
            nursery.start_soon(process.wait)


async def _read_tail(worker: Worker) -> None:
    """Keep the end of a child's stderr for the message when it fails without a word."""
    while chunk := await worker.process.stderr.receive_some(65536):
        worker.stderr += chunk
        del worker.stderr[:-4000]


def send_signal(process: trio.Process, signum: int) -> None:
    """A signal to a child that may have gone already."""
    try:
        process.send_signal(signum)
    except (ProcessLookupError, OSError):
        pass
