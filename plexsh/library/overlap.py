"""A source is never written to: finds a destination that is, contains, or lies inside a local source.

Paths are compared after resolving links, and by device and inode where the names differ (a bind
mount, a second mount of the same share). A source on a dead mount must not hang the check, so
the file system is asked in a forked child; one that does not answer in time leaves the check to
the resolved names alone.
"""

from __future__ import annotations

import os
from typing import Iterable

from plexsh.location import is_remote
from plexsh.errors import ConfigError, PlexError
from plexsh.library.sources import ForkedChild

CHECK_SECONDS = 2.0

Identity = tuple[int, int]


def inside(path: str, root: str) -> bool:
    """Whether PATH is ROOT or lies below it (both already resolved: no links, no "..").

    >>> inside("/nas/Movies/a.mkv", "/nas/Movies"), inside("/nas/Movies2/a.mkv", "/nas/Movies")
    (True, False)
    >>> inside("/nas/Movies", "/nas/Movies"), inside("/etc/hostname", "/")
    (True, True)
    """
    return path == root or path.startswith(root.rstrip("/") + "/")


def _by_name(destination: str, source: str) -> str | None:
    destination, source = os.path.realpath(destination), os.path.realpath(source)
    if destination == source:
        return "is"
    if inside(destination, source):
        return "lies inside"
    if inside(source, destination):
        return "contains"
    return None


def _identities(path: str) -> tuple[Identity | None, list[Identity]]:
    """(identity of the nearest existing folder at or above `path`, identities of its parents)."""
    existing, parents = None, []
    current = path
    while True:
        try:
            st = os.stat(current)
            identity = (st.st_dev, st.st_ino)
            if existing is None:
                existing = identity
            else:
                parents.append(identity)
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            return existing, parents
        current = parent


def relation(destination: str, source: str) -> str | None:
    """How a destination stands to a source: "is", "lies inside", "contains", or None (apart).

    >>> import tempfile, os
    >>> nas = tempfile.mkdtemp()
    >>> relation(nas, nas), relation(os.path.join(nas, "Local"), nas), relation(os.path.dirname(nas), nas)
    ('is', 'lies inside', 'contains')
    >>> relation(nas + "2", nas) is None
    True
    """
    found = _by_name(destination, source)
    if found:
        return found
    destination, source = os.path.abspath(destination), os.path.abspath(source)
    if not os.path.isdir(source):
        return None  # a source that is not there yet: its name alone was compared
    source_id, source_parents = _identities(source)
    dest_id, dest_parents = _identities(destination)
    dest_exists = os.path.lexists(destination)
    if dest_exists and dest_id == source_id:
        return "is"
    if dest_id == source_id or source_id in dest_parents:
        return "lies inside"
    if dest_exists and dest_id in source_parents:
        return "contains"
    return None


def _relations(pairs: list[tuple[str, str]]) -> list[str | None]:
    return [relation(d, s) for d, s in pairs]


def find_overlaps(destinations: Iterable[str], sources: Iterable[str],
                  timeout: float = CHECK_SECONDS) -> list[tuple[str, str, str]]:
    """(destination, relation, source) for each destination that meets a local source."""
    pairs = [(str(d), str(s)) for d in destinations for s in sources if not is_remote(str(s))]
    if not pairs:
        return []
    child = ForkedChild(lambda send: send(_relations(pairs)))
    messages = child.wait(timeout)
    if messages and isinstance(messages[0], list):
        found = messages[0]
    else:  # a source that does not answer: judge by the names alone
        child.kill()
        found = [_by_name(d, s) for d, s in pairs]
    return [(d, rel, s) for (d, s), rel in zip(pairs, found) if rel]


def refuse_overlaps(destinations: Iterable[str], sources: Iterable[str], *, where: object = None) -> None:
    """Raise a one-line error naming the first destination that is, contains or lies inside a source
    (a ConfigError naming the file `where` when the config says so)."""
    overlaps = find_overlaps(destinations, sources)
    if not overlaps:
        return
    destination, how, source = overlaps[0]
    message = f"the destination {destination} {how} the source {source}: plexsh never writes to a source"
    if where is not None:
        raise ConfigError(f"{where}: {message}", "choose a destination outside every source")
    raise PlexError(message, "choose a destination outside every source")
