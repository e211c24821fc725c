"""The grammar's LALR tables, cached in plexsh's home where only this user can write, and nowhere else.

Lark's own `cache=True` keeps a pickle in the shared temporary folder under a name anyone can
predict, and unpickles it before any check: another local user who writes that file first runs code
as you. This cache instead lives in `<home>/cache/` (made 0700), is written atomically, holds plain
data in `marshal` format (which builds only numbers, strings and containers, never objects or
code), and is read only when the folder and the file belong to this user and nobody else can
write them, and its digest matches. Anything else is ignored and the tables are built afresh.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from plexsh.home import home_dir

MAGIC = b"plexsh-lark-tables 1\n"
# A cache file is a few hundred KiB; anything much larger was not written by plexsh.
MAX_BYTES = 16 << 20


def cache_path(grammar: str, options: dict) -> Path:
    """The cache file for this grammar, these options, this lark and this Python."""
    key = repr((grammar, sorted(options.items()), lark.__version__, sys.version_info[:2]))
    return home_dir() / "cache" / f"grammar-{hashlib.sha256(key.encode()).hexdigest()[:24]}.tables"


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private_folder(folder: Path) -> bool:
    try:
        st = os.stat(folder, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _private(st)


def load(path: Path) -> Lark | None:
    """The parser from a cache file this user wrote, or None for anything else (missing, foreign, damaged)."""
    if not (_private_folder(path.parent) and _private_folder(path.parent.parent)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > MAX_BYTES:
            return None
        blob = f.read(MAX_BYTES + 1)
    head, digest, payload = blob[:len(MAGIC)], blob[len(MAGIC):len(MAGIC) + 32], blob[len(MAGIC) + 32:]
    if head != MAGIC or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        data = marshal.loads(payload)
        return Lark.__new__(Lark)._load(data)
    except Exception:  # damaged or from another lark: build afresh
        return None


def save(parser: Lark, path: Path) -> None:
    """Write the tables beside their final name and rename them in place; a failure leaves no cache."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    payload = marshal.dumps({"data": data, "memo": memo})
    try:
        path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        if not (_private_folder(path.parent) and _private_folder(path.parent.parent)):
            return
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tables-")
    except OSError:
        return  # a read-only or full home: run without a cache
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def cached_parser(grammar: str, **options) -> Lark:
    """Lark(grammar, **options) from this user's cache when it holds them, built and cached otherwise."""
    path = cache_path(grammar, options)
    parser = load(path)
    if parser is None:
        parser = Lark(grammar, **options)
        save(parser, path)
    return parser

