"""Is a source answering? Cheap probes the engine runs while transfers wait to retry, so a retry starts as soon as a NAS is back."""

from __future__ import annotations

import os
import threading

import trio

from plexsh.location import LocalPath, parse_location

__all__ = ["Endpoint", "endpoint", "probe"]

Endpoint = tuple  # ("tcp", host, port) or ("path", folder)

PROBE_TIMEOUT = 2.0

# Path probes whose stat() has not come back (a dead mount holds it in uninterruptible sleep): no
# second thread is sent after one that is stuck.
_stuck: set[str] = set()
_stuck_lock = threading.Lock()


def endpoint(source: str) -> Endpoint:
    """What answers for a source: the rsync daemon or ssh server, or the folder a local file is in.

    >>> endpoint("rsync://10.0.0.2/media/Movies/a.mkv"), endpoint("rsync://nas:8730/media/a.mkv")
    (('tcp', '10.0.0.2', 873), ('tcp', 'nas', 8730))
    >>> endpoint("root@10.0.0.2:/srv/media/a.mkv"), endpoint("/mnt/media/Movies/a.mkv")
    (('tcp', '10.0.0.2', 22), ('path', '/mnt/media/Movies'))
    """
    where = parse_location(source)
    if isinstance(where, LocalPath):
        return ("path", os.path.dirname(source) or ".")
    return ("tcp", *where.address)


async def probe(where: Endpoint, timeout: float = PROBE_TIMEOUT) -> bool:
    """True if the endpoint answers within `timeout`: a TCP connection accepted, or a stat() of the
    folder returned. Never waits longer than the timeout, even on a dead mount."""
    if where[0] == "tcp":
        with trio.move_on_after(timeout):
            try:
                stream = await trio.open_tcp_stream(where[1], where[2])
            except OSError:
                return False
            await stream.aclose()
            return True
        return False
    folder = where[1]
    with _stuck_lock:
        if folder in _stuck:
            return False
        _stuck.add(folder)

    def look() -> bool:
        try:
            os.stat(folder)
            return True
        except OSError:
            return False
        finally:
            with _stuck_lock:
                _stuck.discard(folder)

    with trio.move_on_after(timeout):
        return await trio.to_thread.run_sync(look, abandon_on_cancel=True)
    return False
