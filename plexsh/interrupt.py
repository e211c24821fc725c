"""A running command's cancellation: the shell's Ctrl-C sets it; the command's long waits and loops check it."""

from __future__ import annotations

import contextlib
import contextvars
import os


class CommandCancelled(Exception):
    """The user cancelled the running command (Ctrl-C in the shell)."""


class Cancellation:
    """Set once, from any thread. It is also a descriptor that poll() sees readable once set, so a
    command waiting on its children wakes at once instead of at the end of its timeout."""

    def __init__(self):
        self._read, self._write = os.pipe()
        self._owner = os.getpid()  # a forked child inherits the context, not the command
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            os.write(self._write, b"x")

    def fileno(self) -> int:
        return self._read

    def close(self) -> None:
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass


_current: contextvars.ContextVar[Cancellation | None] = contextvars.ContextVar("plexsh_cancellation", default=None)


@contextlib.contextmanager
def cancellable(cancellation: Cancellation):
    """Run the body as a command that `cancellation` may cancel (on this thread only)."""
    token = _current.set(cancellation)
    try:
        yield cancellation
    finally:
        _current.reset(token)


def current() -> Cancellation | None:
    """The running command's cancellation, if it has one (never in a child it forked)."""
    cancellation = _current.get()
    if cancellation is None or cancellation._owner != os.getpid():
        return None
    return cancellation


def requested() -> bool:
    cancellation = current()
    return cancellation is not None and cancellation.cancelled


def check() -> None:
    """Raise CommandCancelled if the running command was cancelled; the long loops call it as they go.

    >>> check()  # outside a cancellable command: nothing to do
    >>> with cancellable(Cancellation()) as c:
    ...     c.cancel()
    ...     check()
    Traceback (most recent call last):
    ...
    plexsh.interrupt.CommandCancelled
    """
    if requested():
        raise CommandCancelled()
