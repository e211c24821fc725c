"""Where a source lies: the one parser of locations (a local path, an rsync daemon URL, or ssh's host:path), read as rsync reads them."""

from __future__ import annotations

import re
from typing import NamedTuple, Union

# Imported by the transfer child (plexsh.engine.fetch), which starts lean: nothing but `re` and `typing` here.

__all__ = ["LocalPath", "Location", "RSYNC_FORM", "RsyncDaemon", "SSH_FORM", "SshPath", "check_remote",
           "is_remote", "parse_location"]

RSYNC_FORM = "rsync://host[:port]/module/path"
SSH_FORM = "[user@]host:/path"

# rsync://[user@]host[:port][/module[/path]]; an IPv6 host is written in brackets.
_RSYNC_URL = re.compile(r"rsync://(?:(?P<user>[^@/]*)@)?(?P<host>\[[^\]/]*\]|[^/:\[\]]*)(?::(?P<port>[^/]*))?"
                        r"(?:/(?P<module>[^/]*)(?:/(?P<path>.*))?)?\Z", re.DOTALL)
# As rsync reads a location: a colon before any slash means a remote host (over ssh). A host holds
# no space; an IPv6 one is written in brackets. A local folder whose name has a colon is ./Name:Here.
_SSH = re.compile(r"(?:(?P<user>[^@/:\s]+)@)?(?P<host>\[[0-9A-Fa-f:.%\w]*\]|[^@/:\s\[\]]+):(?P<path>.*)\Z",
                  re.DOTALL)
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:\\")


class LocalPath(NamedTuple):
    """A folder or file on this machine (perhaps on a mounted share)."""

    path: str

    @property
    def head(self) -> str:
        return ""


class RsyncDaemon(NamedTuple):
    """rsync://[user@]host[:port]/module/path: an rsync daemon's module and a path inside it."""

    user: str | None
    host: str
    port: int | None
    module: str
    path: str
    head: str  # the text before `path`: rsync://[user@]host[:port]/module/ (the module's slash included)

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port or 873


class SshPath(NamedTuple):
    """[user@]host:path, fetched by rsync over ssh."""

    user: str | None
    host: str
    path: str
    head: str  # the text before `path`: [user@]host:

    @property
    def address(self) -> tuple[str, int]:
        return self.host, 22


Location = Union[LocalPath, RsyncDaemon, SshPath]


def parse_location(text: str) -> Location:
    r"""What TEXT names, read the way rsync reads it; `head + path` is always TEXT. A remote form that
    cannot be read at all is a local path here (`check_remote` says what is wrong with it).

    >>> parse_location("rsync://me@nas:8873/media/Movies/Heat (1995).mkv")
    RsyncDaemon(user='me', host='nas', port=8873, module='media', path='Movies/Heat (1995).mkv', head='rsync://me@nas:8873/media/')
    >>> parse_location("rsync://[fe80::1%eth0]:8873/media/a.mkv")[1:4], parse_location("rsync://[::1]/m").address
    (('fe80::1%eth0', 8873, 'media'), ('::1', 873))
    >>> parse_location("rsync://nas"), parse_location("rsync://nas/media").path
    (RsyncDaemon(user=None, host='nas', port=None, module='', path='', head='rsync://nas'), '')
    >>> parse_location("root@10.0.0.2:/srv/a b.mkv"), parse_location("[2001:db8::2]:/srv").address
    (SshPath(user='root', host='10.0.0.2', path='/srv/a b.mkv', head='root@10.0.0.2:'), ('2001:db8::2', 22))
    >>> parse_location("nas:"), parse_location("nas:Movies").path
    (SshPath(user=None, host='nas', path='', head='nas:'), 'Movies')

    Local: a slash before any colon, a space in what would be the host, a Windows drive.

    >>> [type(parse_location(s)).__name__ for s in ("./a:b", "/mnt/a:b", "Movies", "my films:old", "C:\\Films")]
    ['LocalPath', 'LocalPath', 'LocalPath', 'LocalPath', 'LocalPath']
    """
    if text.startswith("rsync://"):
        url = _RSYNC_URL.match(text)
        if url is None:
            return LocalPath(text)
        port = url["port"]
        path = url["path"] or ""
        return RsyncDaemon(url["user"], url["host"].strip("[]"), int(port) if _is_port(port) else None,
                           url["module"] or "", path, text[:len(text) - len(path)])
    ssh = _SSH.match(text)
    if ssh is None or _WINDOWS_DRIVE.match(text):
        return LocalPath(text)
    return SshPath(ssh["user"], ssh["host"].strip("[]"), ssh["path"], text[:len(text) - len(ssh["path"])])


def is_remote(location: str) -> bool:
    """True for `rsync://host/module/path` and `[user@]host:/path` locations: rsync fetches them.

    >>> [is_remote(s) for s in ("rsync://nas/media", "me@nas:/srv", "nas:/srv", "/mnt/nas", "./odd:name")]
    [True, True, True, False, False]
    """
    return location.startswith("rsync://") or not isinstance(parse_location(location), LocalPath)


def check_remote(location: str) -> str:
    """A remote source location tidied (no trailing slash), or ValueError saying what is wrong with it.

    >>> check_remote("rsync://nas:8873/media/Movies/"), check_remote("me@nas:/volume1/TV/")
    ('rsync://nas:8873/media/Movies', 'me@nas:/volume1/TV')
    >>> check_remote("rsync://nas")
    Traceback (most recent call last):
    ...
    ValueError: 'rsync://nas' names no module: rsync://host[:port]/module/path
    >>> check_remote("nas:Movies")
    Traceback (most recent call last):
    ...
    ValueError: 'nas:Movies' needs an absolute path after the colon: [user@]host:/path (./nas:Movies for a local folder)
    """
    where = parse_location(location)
    if location.startswith("rsync://"):
        url = _RSYNC_URL.match(location)
        if url is None:
            raise ValueError(f"{location!r} is not {RSYNC_FORM}")
        if not where.host:
            raise ValueError(f"{location!r} names no host: {RSYNC_FORM}")
        if url["port"] is not None and not _is_port(url["port"]):
            raise ValueError(f"{location!r}: the port must be a number from 1 to 65535: {RSYNC_FORM}")
        if not where.module:
            raise ValueError(f"{location!r} names no module: {RSYNC_FORM}")
        if any(c.isspace() for c in where.host + (where.user or "")):
            raise ValueError(f"{location!r}: a host or user name cannot hold spaces: {RSYNC_FORM}")
        return where.head + where.path.rstrip("/") if where.path.rstrip("/") else where.head.rstrip("/")
    if not isinstance(where, SshPath):
        raise ValueError(f"{location!r} is not {SSH_FORM} or {RSYNC_FORM}")
    if not where.path.startswith("/"):
        raise ValueError(f"{location!r} needs an absolute path after the colon: {SSH_FORM}"
                         f" (./{location} for a local folder)")
    return where.head + (where.path.rstrip("/") or "/")


def _is_port(text: str | None) -> bool:
    return text is not None and text.isascii() and text.isdigit() and len(text) <= 5 and 0 < int(text) < 65536
