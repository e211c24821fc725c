"""A cancelled command (Ctrl-C in the shell) stops where it waits or loops, and leaves no child behind."""

from __future__ import annotations

import os
import threading
import time

import pytest

from plexsh.interrupt import Cancellation, CommandCancelled, cancellable
from plexsh.library.sources import ForkedChild, reap_abandoned


def gone(pid: int) -> bool:
    reap_abandoned()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0] == "Z"


def test_a_command_waiting_on_a_silent_child_stops_when_cancelled_from_another_thread_and_kills_it():
    child = ForkedChild(lambda send: time.sleep(600))  # a probe stuck on a dead mount
    cancellation = Cancellation()
    waiting = threading.Event()
    threading.Thread(target=lambda: (waiting.wait(), cancellation.cancel()), daemon=True).start()
    try:
        with cancellable(cancellation), pytest.raises(CommandCancelled):
            waiting.set()
            child.wait(600)
    finally:
        cancellation.close()
    assert not child.open
    deadline = time.monotonic() + 30
    while not gone(child.pid):
        assert time.monotonic() < deadline, "the child outlived its cancelled command"
        time.sleep(0.05)


def test_hashing_a_file_at_the_destination_stops_when_the_command_is_cancelled(tmp_path):
    from plexsh.engine.plan import sha256_file

    big = tmp_path / "Heat (1995).mkv"
    with open(big, "wb") as out:
        out.truncate(64 << 20)
    cancellation = Cancellation()
    try:
        with cancellable(cancellation), pytest.raises(CommandCancelled):
            cancellation.cancel()
            sha256_file(big)
    finally:
        cancellation.close()


def test_a_forked_child_does_not_inherit_its_parents_cancellation():
    from plexsh import interrupt

    cancellation = Cancellation()
    try:
        with cancellable(cancellation):
            cancellation.cancel()
            child = ForkedChild(lambda send: send(interrupt.current() is None))
            messages = []
            while child.open:  # read directly: the parent's own wait would raise, it is cancelled
                messages += child.read()
    finally:
        cancellation.close()
    assert messages == [True]
