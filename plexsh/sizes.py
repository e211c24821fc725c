"""Sizes for people: one parser (4G = 4GB = 4GiB = 4 * 2**30, as `ls -h` and `du -h` mean them) and one format.

Imports only `re`: the copier child parses its --bwlimit with it and must start fast.
"""

from __future__ import annotations

import re

# Every unit is binary, whatever its spelling: plexsh prints sizes in KiB/MiB/GiB, and a user who
# reads "3.9 GiB" and types `size<4GB` means the 4 they just read, as with `ls -h` and `du -h`.
UNITS = {"": 1, "b": 1}
for _power, _letter in enumerate("kmgt", start=1):
    for _spelling in (_letter, _letter + "b", _letter + "ib"):
        UNITS[_spelling] = 1 << (10 * _power)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)

# The largest size or count plexsh takes: what SQLite's INTEGER and a C long hold (8 EiB).
MAX_SIZE = (1 << 63) - 1

EXAMPLES = "700M, 4G or 1.5GiB"


def parse_size(text: str | int | float) -> int:
    """Bytes from a size: a plain number is bytes; K, M, G, T with or without B or iB are powers of 1024.

    >>> [parse_size(t) for t in ("4G", "4GB", "4GiB", "4g", "4gib")] == [4 * 2**30] * 5
    True
    >>> parse_size("5M"), parse_size("64KB"), parse_size("1.5 G"), parse_size("700"), parse_size("12b"), parse_size(0)
    (5242880, 65536, 1610612736, 700, 12, 0)
    >>> parse_size("5 parsecs")
    Traceback (most recent call last):
    ...
    ValueError: not a size: '5 parsecs' (try 700M, 4G or 1.5GiB)
    >>> parse_size("9999999T")
    Traceback (most recent call last):
    ...
    ValueError: '9999999T' is too large (at most 8 EiB)
    """
    if isinstance(text, bool):
        raise ValueError(f"not a size: {text!r}")
    if isinstance(text, (int, float)):
        if text != text:  # NaN
            raise ValueError(f"not a size: {text!r}")
        if text < 0:
            raise ValueError(f"a size cannot be negative: {text!r}")
        size = text
    else:
        match = _SIZE.match(str(text))
        unit = match and UNITS.get(match.group(2).lower())
        if not match or unit is None:
            raise ValueError(f"not a size: {text!r} (try {EXAMPLES})")
        digits = match.group(1)
        if len(digits.split(".")[0].lstrip("0")) > 30:  # int() refuses over 4,300 digits; 30 is too large
            raise ValueError(f"{str(text)[:30]!r}... is too large (at most 8 EiB)")
        size = (int(digits) if digits.isdigit() else float(digits)) * unit  # whole numbers exactly
    if size > MAX_SIZE:  # also infinity, which int() cannot take
        raise ValueError(f"{text!r} is too large (at most 8 EiB)")
    return int(size)


def format_size(size: int | None) -> str:
    """Bytes for people, in binary units (what parse_size reads back).

    >>> format_size(0), format_size(1536), format_size(4 * 2**30), format_size(None)
    ('0 B', '1.5 KiB', '4.0 GiB', '')
    """
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
