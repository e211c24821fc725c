"""Names of the temporary files of a copy: short, hidden, beside the destination, never the final name plus a suffix."""

from __future__ import annotations

import hashlib
import os

PARTIAL_PREFIX = ".plexsh-"
PARTIAL_SUFFIX = ".partial"


def partial_name(final_name: str) -> str:
    """The hidden name a file is written under until it is verified, whatever its final name's length:
    a name of 255 bytes (the most a file system takes) plus a suffix would not fit.

    >>> partial_name("Heat (1995).mkv")
    '.plexsh-f2cd31474d9c935e.partial'
    >>> partial_name("Heat (1995).mkv") != partial_name("Heat (1995) .mkv")
    True
    """
    digest = hashlib.sha256(os.fsencode(final_name)).hexdigest()[:16]
    return f"{PARTIAL_PREFIX}{digest}{PARTIAL_SUFFIX}"


def beside(partial: str, what: str) -> str:
    """A file that goes with a partial, named after it: its checkpoints ("state"), rsync's log
    ("rsync-log"). The partial's name is short, so these are too.

    >>> beside("/local/Movies/Heat (1995)/.plexsh-f2cd31474d9c935e.partial", "state")
    '/local/Movies/Heat (1995)/.plexsh-f2cd31474d9c935e.partial.state'
    """
    return f"{os.fspath(partial)}.{what}"
