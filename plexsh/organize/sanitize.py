"""One path component that every file system users have takes: Windows' reserved characters and names, no control
characters, no leading dots, no trailing dots or spaces, at most 255 bytes (the extension kept)."""

from __future__ import annotations

import re

from plexsh.engine.plan import safe_name

__all__ = ["RESERVED_NAMES", "component"]

# Names Windows keeps for devices, with or without an extension ("NUL.mkv" is the device too).
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                            *(f"LPT{i}" for i in range(1, 10))})
# Characters Windows (and SMB shares, exFAT and FAT drives) refuse in a name; a colon before a space is a
# subtitle's, best written as " - ".
_WINDOWS = str.maketrans({"<": "-", ">": "-", ":": "-", '"': "'", "\\": "-", "|": "-", "?": "", "*": "-"})
_SUBTITLE_COLON = re.compile(r"\s*:\s+")


def component(text: str) -> str:
    """TEXT as one safe path component (never empty, never "." or "..", never a separator).

    >>> component("Mission: Impossible")
    'Mission - Impossible'
    >>> component('What? <Why> "here" a|b*c\\\\d')
    "What -Why- 'here' a-b-c-d"
    >>> component("con.mkv"), component("LPT9"), component("Console")
    ('_con.mkv', '_LPT9', 'Console')
    >>> component(".."), component("  trailing. . "), component("tab\\there\\x1b[31m")
    ('_', 'trailing', 'tab-here-[31m')
    >>> name = component("é" * 300 + ".mkv")
    >>> len(name.encode()) <= 255, name.endswith(".mkv")
    (True, True)
    """
    name = safe_name(_SUBTITLE_COLON.sub(" - ", text).translate(_WINDOWS)).lstrip(" .") or "_"  # ". . x" too
    if name.split(".", 1)[0].rstrip(" ").upper() in RESERVED_NAMES:
        name = "_" + name
    return name
