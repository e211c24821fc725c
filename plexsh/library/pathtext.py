"""File names that are not UTF-8: stored in SQLite text exactly, and read as words for titles.

A path is a Python str from `os.fsdecode`, so a byte that is not UTF-8 (an old Samba share's
`Caf\\xe9`) is the lone surrogate U+DCE9, which the file system takes back as the same byte but
SQLite (strict UTF-8) refuses. In the database such a byte is written as NUL and two hex digits:
NUL never occurs in a file name, so the stored form can be told apart and undone exactly.
"""

from __future__ import annotations

import re

_UNDECODABLE = re.compile("[\udc80-\udcff]")
_STORED_BYTE = re.compile("\x00([0-9a-f]{2})")


def stored(path: str) -> str:
    """The text SQLite keeps for a path.

    >>> stored("Caf\\udce9 (2004).mkv")
    'Caf\\x00e9 (2004).mkv'
    >>> stored("Amélie (2001).mkv")
    'Amélie (2001).mkv'
    """
    if path.isascii():
        return path
    return _UNDECODABLE.sub(lambda m: "\x00%02x" % (ord(m.group()) - 0xDC00), path)


def loaded(text: str) -> str:
    """The path back from its stored text: the same str `os.fsdecode` gave, so the same bytes on disk.

    >>> loaded(stored("Caf\\udce9.mkv")) == "Caf\\udce9.mkv"
    True
    """
    if "\x00" not in text:
        return text
    return _STORED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), text)


def is_stored(text: str | None) -> bool:
    """Whether a path needs `stored()` before SQLite takes it."""
    return text is not None and not text.isascii() and _UNDECODABLE.search(text) is not None


def readable(text: str) -> str:
    """Words for a title or a local name: bytes that are not UTF-8 read as Windows-1252, what the
    shares that write such names use (a byte that means nothing there becomes U+FFFD).

    >>> readable("Caf\\udce9 (2004)")
    'Café (2004)'
    """
    if text.isascii():
        return text
    return _UNDECODABLE.sub(lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", "replace"), text)
