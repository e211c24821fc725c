"""Text from a NAS made safe to show: control characters and undecodable bytes escaped as `ls -b` does."""

from __future__ import annotations

import base64
import json
import re

# What a terminal would act on or hide rather than show: C0, DEL and C1 controls, the line and
# paragraph separators, bidi overrides and invisible format characters (a name could otherwise
# pretend to be another), and lone surrogates (undecodable bytes under os.fsdecode's surrogateescape).
# Zero-width (non-)joiners stay: emoji and several scripts need them.
_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)

_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if char in _C_ESCAPES:
        return _C_ESCAPES[char]
    if "\udc80" <= char <= "\udcff":  # surrogateescape: the byte the name really holds
        return f"\\{ord(char) - 0xDC00:03o}"
    if "\ud800" <= char <= "\udfff":  # a surrogate no byte decodes to: its code point
        return f"\\u{ord(char):04x}"
    return "".join(f"\\{byte:03o}" for byte in char.encode("utf-8"))


def printable(text: str) -> str:
    r"""`text` with every character a terminal would act on or hide shown as an escape.

    New lines and tabs as C escapes, ESC and other controls as the octal of their UTF-8 bytes, a
    byte that was not UTF-8 (os.fsdecode's surrogateescape) as its own octal, like `ls -b`. Unlike
    `ls -b` a backslash stays as it is, so escaping twice changes nothing. The result encodes as
    UTF-8 and holds no control character; rich markup is not this function's business.

    >>> printable("Heat (1995).mkv")
    'Heat (1995).mkv'
    >>> print(printable("a\tb\nc\x1b]0;pwned\x07\x7f"))
    a\tb\nc\033]0;pwned\a\177
    >>> print(printable("Caf\udce9 (2004).mkv"), printable("\x9b2J \u202egnp.exe"))
    Caf\351 (2004).mkv \302\2332J \342\200\256gnp.exe
    >>> printable(printable("x\x1b")) == printable("x\x1b")
    True
    """
    return _HIDDEN.sub(_escape, text)


def one_line(text: object) -> str:
    r"""`printable` of anything shown in a cell, a line or a menu (None shows as nothing).

    >>> one_line(None), one_line(42), one_line("two\nlines")
    ('', '42', 'two\\nlines')
    """
    return "" if text is None else printable(str(text))


def quoted(text: str) -> str:
    r"""`text` as a quoted string of the command language that unescape() turns back into `text`.

    Quotes and backslashes get a backslash; every character printable() escapes is written as
    its escape, so a title holding a new line can be typed (and completed) on one line.

    >>> print(quoted('Say "Hi"\\Bye'), quoted("Two\nLines"), quoted("Caf\udce9"))
    "Say \"Hi\"\\Bye" "Two\nLines" "Caf\351"
    >>> all(unescape(quoted(t)[1:-1]) == t for t in ("a\\nb", "x\x1b[2J\x9b\x7f", "Caf\udce9", "\u202e\t"))
    True
    """
    return '"' + printable(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


_ESCAPE = re.compile(r"((?:\\[0-7]{3})+)|\\u([0-9a-fA-F]{4})|\\(.)", re.DOTALL)
_C_UNESCAPES = {escape[1]: char for char, escape in _C_ESCAPES.items()}


def _unescape(match: re.Match) -> str:
    octal, code, char = match.groups()
    if octal:  # bytes: UTF-8 where they decode, the byte itself (surrogateescape) where not
        raw = bytes(int(octal[i + 1:i + 4], 8) & 0xFF for i in range(0, len(octal), 4))
        return raw.decode("utf-8", "surrogateescape")
    if code:
        return chr(int(code, 16))
    return _C_UNESCAPES.get(char, char)


def unescape(text: str) -> str:
    r"""The text a quoted string's inside stands for: the escapes of printable() and quoted() undone.

    `\n \t \r \a \b \v \f` are those controls, `\NNN` (octal) a byte, `\uXXXX` a code point; a
    backslash before any other character stands for that character.

    >>> unescape(r"It\'s \"x\" a\\b"), unescape(r"Two\nLines\033[0m"), unescape(r"Caf\351 \303\251")
    ('It\'s "x" a\\b', 'Two\nLines\x1b[0m', 'Caf\udce9 é')
    """
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


_SURROGATES = re.compile("[\ud800-\udfff]")


def readable_json(value):
    r"""`value` (plain JSON data) with no lone surrogate left, so it can be written as UTF-8 JSON.

    A string holding bytes that are not UTF-8 shows each such byte as U+FFFD; where it is the
    value of a key, a `KEY_bytes` key beside it keeps the exact bytes, base64-encoded.

    >>> readable_json({"path": "Caf\udce9.mkv", "size": 4, "folders": ["Caf\udce9"]})
    {'path': 'Caf�.mkv', 'path_bytes': 'Q2Fm6S5ta3Y=', 'size': 4, 'folders': ['Caf�']}
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            key = _SURROGATES.sub("\ufffd", key) if isinstance(key, str) else key
            if isinstance(item, str) and _SURROGATES.search(item):
                out[key] = _SURROGATES.sub("\ufffd", item)
                out[f"{key}_bytes"] = base64.b64encode(_exact_bytes(item)).decode("ascii")
            else:
                out[key] = readable_json(item)
        return out
    if isinstance(value, list):
        return [readable_json(item) for item in value]
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    return value


def _exact_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte decodes to: as Python's own UTF-8 variant writes it
        return text.encode("utf-8", "surrogatepass")


def json_text(data) -> str:
    r"""One line of JSON for `data`: valid UTF-8 whatever names it holds, and nothing a terminal acts on.

    JSON escapes C0 controls itself; DEL, C1 controls and bidi overrides are escaped as \uXXXX here
    too, so the names stay exact for a program and harmless on a terminal.

    >>> print(json_text({"name": "Csi\x9b31m \u202e\x1b", "path": "Caf\udce9"}))
    {"name": "Csi\u009b31m \u202e\u001b", "path": "Caf�", "path_bytes": "Q2Fm6Q=="}
    """
    text = json.dumps(data, ensure_ascii=False, default=str)
    if _SURROGATES.search(text):
        text = json.dumps(readable_json(json.loads(text)), ensure_ascii=False)
    return _HIDDEN.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)
