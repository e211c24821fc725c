"""Remote sources (rsync:// and host:/path): one `rsync --list-only -r` stream parsed into the walker's folder records."""

from __future__ import annotations

import calendar
import ctypes
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from typing import Any, Callable, Iterable

from plexsh.config import Discovery
from plexsh.engine.fetch import classify, rsync_command, rsync_path, unescape
from plexsh.home import home_dir
from plexsh.library.sources import SourceSpec
from plexsh.library.walker import BATCH_FILES, BATCH_SECONDS, Walk

__all__ = ["check_root", "describe_failure", "join", "listing_command", "parse_line", "unescape", "walk_remote"]

# rsync prints a listed entry as mode, size, date, time and name (`--no-h`: plain byte counts).
_LINE = re.compile(rb"^(?P<mode>\S+)\s+(?P<size>\d[\d,]*)\s+"
                   rb"(?P<date>\d{4}/\d\d/\d\d) (?P<time>\d\d:\d\d:\d\d) (?P<name>.*)$")
# What each kind of rsync failure (fetch.classify) means for a source as a whole.
_FAILURE_LABELS = {"network": "unreachable", "source_unreadable": "cannot be read", "fatal": "refused",
                   "permission_denied": "refused"}
NOT_INSTALLED = "rsync is not installed (apt-get install rsync)"


def join(root: str, rel: str) -> str:
    """The remote location of `rel` below a source root, as rsync fetches it.

    >>> join("rsync://nas:873/media/Movies", "Heat (1995)/Heat (1995).mkv")
    'rsync://nas:873/media/Movies/Heat (1995)/Heat (1995).mkv'
    >>> join("root@nas:/", "TV/a.mkv"), join("nas:/srv/TV", "")
    ('root@nas:/TV/a.mkv', 'nas:/srv/TV')
    """
    if not rel:
        return root
    return root + rel if root.endswith("/") else f"{root}/{rel}"


def parse_line(line: bytes) -> tuple[str, int, int, str] | None:
    r"""(mode, size, mtime_ns, relpath) of one line of `rsync --list-only` output run with TZ=UTC;
    None for a line that is not an entry. The root itself (".") has the relpath "".

    >>> parse_line(b"drwxr-xr-x          4096 2024/01/02 10:11:12 Heat (1995)")
    ('drwxr-xr-x', 4096, 1704190272000000000, 'Heat (1995)')
    >>> parse_line(b"-rw-r--r--   3000000 2024/01/02 10:11:12 Heat (1995)/Am\xc3\xa9lie\\#012.mkv")[1:]
    (3000000, 1704190272000000000, 'Heat (1995)/Amélie\n.mkv')
    >>> parse_line(b"-rw-r--r-- 1 2024/01/02 10:11:12 Caf\xe9\tbar.mkv")[3] == os.fsdecode(b"Caf\xe9\tbar.mkv")
    True
    >>> parse_line(b"drwxr-xr-x 4096 2024/01/02 10:11:12 .")[3], parse_line(b"receiving file list ...")
    ('', None)
    """
    m = _LINE.match(line.rstrip(b"\r\n"))
    if m is None:
        return None
    year, month, day = map(int, m["date"].split(b"/"))
    hour, minute, second = map(int, m["time"].split(b":"))
    mtime = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    # Bytes of names the way os.scandir gives them: UTF-8, anything else kept as surrogates.
    name = os.fsdecode(unescape(m["name"]))
    rel = "" if name == "." else name.removeprefix("./")
    size = int(m["size"].replace(b",", b""))
    return m["mode"].decode(), size, mtime * 1_000_000_000, rel


def rsync_timeout(seconds: float) -> int:
    """rsync's whole-second timeouts for a caller that gives up after `seconds`: a second less where
    that leaves one, so rsync ends first and says why (`--contimeout`, ssh's ConnectTimeout)."""
    return max(1, math.ceil(seconds) - 1)


def listing_command(spec: SourceSpec, timeout: int, recursive: bool) -> list[str]:
    """`rsync --list-only` of a source's root folder with fetch's timeouts and ssh options.

    Over ssh, the host keys are checked against the same known_hosts file the transfers use (a new
    host trusted on first use), so a source that scans is a source that fetches.
    """
    argv = rsync_command(spec.root, timeout=timeout, ssh_key=spec.ssh_key,
                         known_hosts=os.fspath(home_dir() / "known_hosts"))
    argv += ["--list-only", "--no-h", "-8"]  # -8: names as raw bytes, only control characters escaped
    if recursive:
        # Hidden folders are clutter by Rules too; excluding them here also spares listing a NAS's
        # snapshot trees (.snapshot, .zfs), which can hold the library many times over.
        argv += ["-r", "--exclude=.*"]
    # rsync_path: a root such as `Movies [HD]` must not be taken as a pattern by the remote rsync.
    return [*argv, rsync_path(join(spec.root, "") + ("" if spec.root.endswith((":", "/")) else "/"))]


def _environment() -> dict[str, str]:
    # Dates in UTC, so that a listing's times mean the same whatever the local time zone and DST.
    return {**os.environ, "TZ": "UTC"}


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A preexec_fn for rsync: SIGKILL when the process listing it ends, so a listing the scanner
    gave up on (and killed the child reading it) does not go on in the background. Linux only."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None

    def arm() -> None:
        if prctl is not None:
            prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent ended before the signal was armed
            os._exit(1)

    return arm


def describe_failure(code: int, stderr: str) -> str:
    """How a source failed, for a person: what it means and rsync's own words.

    >>> describe_failure(10, "rsync: [Receiver] failed to connect to nas (10.0.0.2): Connection refused (111)")
    'unreachable (rsync exit 10 (error in socket I/O): [Receiver] failed to connect to nas (10.0.0.2): Connection refused (111))'
    >>> describe_failure(5, "@ERROR: Unknown module 'films'")
    "refused (rsync exit 5 (error starting the client-server protocol): @ERROR: Unknown module 'films')"
    >>> describe_failure(12, "ssh: connect to host nas port 22: Connection refused\\n"
    ...                      "rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]")
    'unreachable (rsync exit 12 (error in the rsync protocol data stream): connection unexpectedly closed (0 bytes received so far) [Receiver]; ssh: connect to host nas port 22: Connection refused)'
    """
    kind, message = classify(code, stderr)
    # Over ssh, rsync's own last words are "connection unexpectedly closed"; ssh said why.
    said = [line.strip() for line in stderr.splitlines() if line.startswith("ssh:")
            or "Permission denied" in line or "Host key verification failed" in line]
    if said and said[-1] not in message:
        message += f"; {said[-1]}"
    return f"{_FAILURE_LABELS.get(kind, 'failed')} ({message})"


def check_root(spec: SourceSpec, timeout: float) -> str | None:
    """Why a remote source cannot be listed now, or None: one `rsync --list-only` of its root
    folder (not recursive), within `timeout` seconds whatever the network does."""
    argv = listing_command(spec, rsync_timeout(timeout), recursive=False)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=_environment(), timeout=timeout, preexec_fn=_die_with_parent(os.getpid()))
    except FileNotFoundError:
        return NOT_INSTALLED
    except subprocess.TimeoutExpired:
        return f"unreachable (no answer within {timeout:g} s)"
    if done.returncode != 0:
        return describe_failure(done.returncode, done.stderr.decode(errors="replace"))
    entries = [parse_line(line) for line in done.stdout.splitlines()]
    root = next((e for e in entries if e is not None and e[3] == ""), None)
    if root is None or not root[0].startswith("d"):
        return "is not a folder"
    return None


def walk_remote(spec: SourceSpec, discovery: Discovery, known_rows: list[tuple], full: bool,
                send: Callable[[Any], None]) -> None:
    """walker.walk for a remote source, with the same messages: list it with one rsync stream.

    The listing is always whole (one `rsync --list-only -r`, never a round trip per folder), but a
    known folder whose mtime is unchanged keeps its catalog files without its names being parsed.
    """
    _RemoteWalk(spec, discovery, known_rows, full, send).run(rsync_timeout(discovery.scan_timeout))


class _RemoteWalk(Walk):
    """One listing of a remote source, taken apart line by line as rsync prints it."""

    def __init__(self, spec: SourceSpec, discovery: Discovery, known_rows: Iterable[tuple], full: bool, send):
        super().__init__(spec, discovery, known_rows, full, send)
        # Folders walked into: relpath -> [parent, depth, mtime_ns, files], files None when unchanged.
        self.folders: dict[str, list] = {}
        self.skipped: set[str] = set()  # folders not walked into (hidden, extras, too deep)
        # Entries listed before their folder: rsync sends a folder before its contents, but
        # nothing here depends on that.
        self.waiting: dict[str, list[tuple]] = {}

    def heartbeat(self) -> None:
        """Counters alone while the listing streams, so a long listing is not taken for a hang."""
        now = time.monotonic()
        if now - self.last_send >= BATCH_SECONDS:
            self.send(("batch", self.counters(), []))
            self.last_send = now

    def run(self, timeout: int) -> None:
        argv = listing_command(self.spec, timeout, recursive=True)
        # stderr to a file: a pipe nobody reads could fill and stop rsync; only its end matters.
        with tempfile.TemporaryFile() as errors:
            try:
                rsync = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
                                         env=_environment(), preexec_fn=_die_with_parent(os.getpid()))
            except FileNotFoundError:
                self.send(("failed", NOT_INSTALLED))
                return
            with rsync:
                for line in rsync.stdout:
                    entry = parse_line(line)
                    if entry is not None:
                        self.entry(*entry)
                    self.heartbeat()
                code = rsync.wait()
            errors.seek(max(0, errors.seek(0, 2) - 8000))
            stderr = errors.read().decode(errors="replace")
        if code == 24:  # files vanished while listed: the listing is whole otherwise
            self.warn("some files vanished while the source was listed")
        elif code != 0:
            self.send(("failed", describe_failure(code, stderr)))
            return
        if "" not in self.folders:
            self.send(("failed", "is not a folder"))
            return
        self.finish()

    def entry(self, mode: str, size: int, mtime_ns: int, rel: str) -> None:
        kind = mode[0]
        if rel == "":
            if kind == "d":
                self.enter("", None, 0, mtime_ns)
            return
        parent, _, name = rel.rpartition("/")
        if parent in self.skipped:
            if kind == "d":
                self.skipped.add(rel)
            return
        folder = self.folders.get(parent)
        if folder is None:
            self.waiting.setdefault(parent, []).append((mode, size, mtime_ns, rel))
            return
        if kind == "d":
            if self.rules.enters(name, folder[1]):
                self.enter(rel, parent, folder[1] + 1, mtime_ns)
            else:
                self.skipped.add(rel)
                self.drop_waiting(rel)
        elif kind == "-" and folder[3] is not None and self.rules.keeps(name):  # symlinks and devices are not
            self.add_file(folder[3], rel, size, mtime_ns)

    def enter(self, rel: str, parent: str | None, depth: int, mtime_ns: int) -> None:
        self.dirs_seen += 1
        known = self.known.get(rel)
        if known and known[0] == mtime_ns and not self.full:
            self.unchanged += 1
            self.files_seen += known[1]
            files = None
        else:
            files = []
        self.folders[rel] = [parent, depth, mtime_ns, files]
        for entry in self.waiting.pop(rel, ()):
            self.entry(*entry)

    def drop_waiting(self, rel: str) -> None:
        for entry in self.waiting.pop(rel, ()):
            if entry[0][0] == "d":
                self.skipped.add(entry[3])
                self.drop_waiting(entry[3])

    def add_file(self, files: list, rel: str, size: int, mtime_ns: int) -> None:
        self.files_seen += 1
        path = join(self.spec.root, rel)
        try:
            row = self.parse(rel, path, size, mtime_ns)
        except Exception as error:  # one odd name must not lose the whole source
            self.warn(f"{rel}: the name parser failed ({type(error).__name__}: {error})")
            row = self.parse.fallback(rel, path, size, mtime_ns)
        self.files_parsed += 1
        files.append(row)

    def finish(self) -> None:
        """Send the listed folders that changed, then what vanished: only a whole listing may say so."""
        if self.waiting:
            count = sum(map(len, self.waiting.values()))
            self.warn(f"{count} listed entries were outside any listed folder")
        batch, batch_files = [], 0
        for rel, (parent, _depth, mtime_ns, files) in self.folders.items():
            if files is None:
                continue
            # A folder changed this recently may change again within the same second of mtime.
            mtime = mtime_ns if mtime_ns < self.settled_before else 0
            batch.append((rel, parent, mtime, files))
            batch_files += len(files)
            if batch_files >= BATCH_FILES:
                self.send(("batch", self.counters(), batch))
                batch, batch_files = [], 0
        self.send(("batch", self.counters(), batch))
        vanished = [rel for rel in self.known if rel not in self.folders]
        self.send(("done", self.counters(), self.unchanged, vanished, self.warnings))
