"""The rsync backend: one remote file to a partial file, with the copier's events, checkpoints and resume.

    python -m plexsh.engine.fetch SOURCE PARTIAL [--chunk-size 8M] [--bwlimit BYTES_PER_S] [--fresh]
                                  [--timeout SECONDS] [--ssh-key PATH] [--known-hosts PATH]
                                  [--ssh-ciphers CIPHERS] [--source-check]

SOURCE is `rsync://host[:port]/module/path` (an rsync daemon) or `[user@]host:/path` (rsync over
ssh). The engine runs this for remote sources as it runs plexsh.engine.copier for local ones: the
same JSON events on stdout, the same exit statuses, the same PARTIAL.state checkpoints, so the
supervisor, resume and retries do not care which backend moved the bytes.

How a file moves. An existing partial is re-hashed against its checkpoints as the copier does and
cut back to the longest prefix that matches (a partial's size alone is never trusted: field notes).
Then `rsync --append` sends only the bytes after that prefix, written in place into PARTIAL. rsync
names the source's size and mtime from its own file list as it starts (`--out-format`); if they are
not those the checkpoints were recorded for, the source changed between runs and the partial is
dropped. While rsync runs, this process follows PARTIAL as it grows, hashing the new bytes,
recording a checkpoint at each chunk boundary and reporting progress; the state is saved at most
every half second. When rsync ends, one `rsync --list-only` brackets the transfer: a size or mtime
other than rsync's at the start means the source changed under it (source_changed: the engine
fetches it again from byte 0, never a mix). That is one connection to the source besides the
transfer (each is a whole ssh handshake over ssh).

What "verified" means here. rsync checks every transfer with its own whole-stream checksum; on top
of that, "dest_sha256" in the done event is the SHA-256 of PARTIAL exactly as it landed on the local
disk, read back by this process, so the catalog records the digest of the bytes the user has. No
second read of the source: done says `"guarantee": "rsync-checksum+local-sha256"`. With
--source-check (`get ... verify sha256`) the source is checksummed where it lies, so its bytes do
not cross the network again: over ssh the NAS computes its SHA-256 (openssl, else sha256sum) and
done's "sha256" is that, for the engine to compare ("rsync-checksum+source-sha256"); an rsync
daemon runs no commands, so its rsync checksums the whole file (-c, a dry run, SHA-1: the strongest
whole-file checksum rsync offers) against the SHA-1 of PARTIAL computed here meanwhile
("rsync-checksum+local-sha256+source-sha1"); a mismatch is a verify error.

rsync's exit status is classified into the copier's error kinds with the reason named: network
trouble (5, 10, 12, 30, 35) is retried with backoff, a vanished or changed source (24) is fetched
afresh, usage and protocol errors (1, 2, 4, 22 ...) fail at once, and so does a refusal (a file
or folder the NAS may not read, a daemon that denies access or a login): no retry changes those.
"No space left" is no_space.

Names. Every remote path is handed to rsync through rsync_path(), which keeps the remote rsync
from expanding `*`, `?` and `[...]` in it, and the name rsync says it sends (and lists after the
transfer) must be the one asked for, byte for byte. Paths are str as os.fsdecode gives them, so a
name that is not UTF-8 reaches rsync as its own bytes. Over ssh, -s keeps paths out of the remote
shell. The files kept beside PARTIAL are named after it (tempnames.beside), never after the final
name, so a 255-byte name fits.
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import threading
import time

from plexsh.engine.copier import (BLOCK, CHECKPOINT_INTERVAL, EXIT_USAGE, Cancelled, Copy, open_partial,
                                  CopyError, Events, Stop, UsageError, buffers, copy_one, errno_text,
                                  load_state, parse_args, remove_file, request_stop, stopping)
from plexsh.engine.tempnames import beside
from plexsh.location import RsyncDaemon, is_remote, parse_location

__all__ = ["base_name", "classify", "command", "is_remote", "main", "rsync_command", "rsync_path", "unescape"]

POLL = 0.05                # seconds between looks at the growing partial
DEFAULT_TIMEOUT = 30       # rsync's own I/O timeout; the engine's stall detection is the backstop

# rsync's exit statuses (its man page), the error kind each becomes, and what it means to a user.
EXIT_MEANINGS = {
    1: ("fatal", "syntax or usage error"),
    2: ("fatal", "protocol incompatibility"),
    3: ("fatal", "errors selecting input/output files or folders"),
    4: ("fatal", "requested action not supported"),
    5: ("network", "error starting the client-server protocol"),
    6: ("fatal", "the daemon cannot write its log"),
    10: ("network", "error in socket I/O"),
    11: ("other", "error in file I/O"),
    12: ("network", "error in the rsync protocol data stream"),
    13: ("fatal", "errors with program diagnostics"),
    14: ("fatal", "error in IPC code"),
    20: ("other", "stopped by a signal"),
    21: ("other", "waitpid() failed"),
    22: ("fatal", "out of memory"),
    23: ("other", "partial transfer due to an error"),
    24: ("source_changed", "the source file vanished"),
    25: ("fatal", "--max-delete limit"),
    30: ("network", "timeout in data send/receive"),
    35: ("network", "timeout waiting for the daemon connection"),
    255: ("network", "the ssh connection failed"),
}
# What rsync, its daemon or ssh say when they refuse: not a fault of the network, and no retry
# changes it, so the job fails at once (the copier's permission_denied, and fatal).
_DENIALS = ("Permission denied", "@ERROR: access denied", "auth failed")
_REFUSALS = ("@ERROR: Unknown module", "Host key verification failed")
_list_line = re.compile(rb"^(?P<mode>\S+)\s+(?P<size>\d+)\s+(?P<date>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (?P<name>.*)$")
# What rsync prints as it starts the file (--out-format=IDENTITY_FORMAT): its file list's size and
# mtime, and the name of the file it sends.
IDENTITY_FORMAT = "plexsh-identity %l %M %n"
_identity_line = re.compile(rb"^plexsh-identity (?P<size>\d+) (?P<day>\d{4}/\d\d/\d\d)-(?P<time>\d\d:\d\d:\d\d)"
                            rb" (?P<name>.*)$")
# What rsync prints instead of its identity line for a source that is not a regular file.
_skipped_line = re.compile(rb'^skipping (?:(?P<folder>directory )|non-regular file ")')
_NOT_REGULAR = {b"d": "a folder", b"l": "a symbolic link", b"p": "a FIFO", b"s": "a socket",
                b"c": "a device", b"b": "a device"}
_escape = re.compile(rb"\\#([0-7]{3})")
_wildcards = re.compile(r"[*?\[]")
# ssh's bulk cipher costs more CPU than anything else in a transfer over ssh; AES-GCM runs on the
# AES instructions of any recent CPU (about a quarter faster here than ssh's default, chacha20).
# "^" puts these first and keeps ssh's whole default list behind them, so no server is refused.
DEFAULT_SSH_CIPHERS = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"


def classify(code: int, stderr: str) -> tuple[str, str]:
    """(error kind, message) for an rsync that ended with `code`; its last words name the cause.

    >>> classify(12, "rsync: connection unexpectedly closed (0 bytes received so far) [receiver]")
    ('network', 'rsync exit 12 (error in the rsync protocol data stream): connection unexpectedly closed (0 bytes received so far) [receiver]')
    >>> classify(11, "rsync: write failed on \\"x\\": No space left on device (28)")[0]
    'no_space'
    >>> classify(5, "@ERROR: Unknown module 'films'")[0], classify(5, "@ERROR: access denied to media from pc")[0]
    ('fatal', 'permission_denied')
    >>> classify(23, 'rsync: [sender] send_files failed to open "/a.mkv" (in media): Permission denied (13)')[0]
    'permission_denied'
    >>> classify(23, 'rsync: [sender] link_stat "/srv/a.mkv" failed: No such file or directory (2)')[0]
    'source_unreadable'
    """
    kind, meaning = EXIT_MEANINGS.get(code, ("other", "unknown error"))
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and not line.startswith("rsync error:")]
    # The line naming the cause beats the last one (often a connection reset that followed it).
    causes = [line for line in lines if "@ERROR" in line or "failed:" in line]
    detail = (causes or lines or [""])[-1]
    detail = re.sub(r"^rsync:\s*", "", detail)
    if "when copying more than 1 file" in stderr:  # a backslash before [ * ? is asked for as `?` (rsync_path)
        detail = "the name matches more than one file on the NAS, and rsync cannot be asked for it alone"
    if "No space left on device" in stderr or "Disk quota exceeded" in stderr:
        kind = "no_space"
    elif any(denial in stderr for denial in _DENIALS):
        kind = "permission_denied"
    elif any(refusal in stderr for refusal in _REFUSALS):
        kind = "fatal"
    elif code in (3, 23) and "No such file or directory" in stderr:
        kind = "source_unreadable"
    elif code == 255 or "Connection refused" in stderr or "No route to host" in stderr \
            or "Network is unreachable" in stderr or "Connection timed out" in stderr:
        kind = "network"
    message = f"rsync exit {code} ({meaning})" + (f": {detail}" if detail else "")
    return kind, message


def rsync_path(source: str) -> str:
    r"""SOURCE as rsync must be asked for it to name exactly that file and nothing else.

    The remote rsync (a daemon, or the one ssh starts) expands `*`, `?` and `[...]` in the paths it
    is asked for, one path component at a time, as a shell would: `A [12].mkv` would fetch
    `A 1.mkv`. In a component holding one of them, a backslash makes the next character plain
    (`A \[12\].mkv`); in any other component nothing is special, a backslash included. rsync's
    client then checks the names it receives against the request, taking a backslash that is not
    before `*`, `?` or `[` literally, so no escaped backslash satisfies both sides: a backslash in
    such a component is asked for as `?`, which both match to it (and to any one character: the
    name rsync says it sends, and the listing after the transfer, must be the file's own).

    >>> rsync_path("rsync://nas/media/Twins [x]/A [12].mkv")
    'rsync://nas/media/Twins \\[x\\]/A \\[12\\].mkv'
    >>> rsync_path("nas:/srv/A *.mkv"), rsync_path("nas:/srv/A \\b.mkv"), rsync_path("nas:/srv/A \\[1].mkv")
    ('nas:/srv/A \\*.mkv', 'nas:/srv/A \\b.mkv', 'nas:/srv/A ?\\[1\\].mkv')
    >>> rsync_path("rsync://nas/media/Heat (1995)/Heat ]1995[.mkv"), rsync_path("rsync://nas/me?ia/")
    ('rsync://nas/media/Heat (1995)/Heat \\]1995\\[.mkv', 'rsync://nas/me?ia/')
    """
    where = parse_location(source)
    return where.head + "/".join(_plain_component(part) for part in where.path.split("/"))


def _plain_component(part: str) -> str:
    if not _wildcards.search(part):
        return part
    return "".join("?" if c == "\\" else "\\" + c if c in "*?[]" else c for c in part)


def unescape(name: bytes) -> bytes:
    r"""A name as rsync printed it, with its `\#ooo` octal escapes turned back into bytes.

    rsync escapes control characters (all bytes it deems unprintable, without -8), and a backslash
    only where it would read as an escape (before `#` and three digits); a tab is printed as it is.

    >>> unescape(rb"new\#012line.mkv"), unescape(rb"back\#134#012.mkv"), unescape(rb"a\b.mkv")
    (b'new\nline.mkv', b'back\\#012.mkv', b'a\\b.mkv')
    """
    return _escape.sub(lambda m: bytes([int(m[1], 8)]), name) if b"\\#" in name else name


def base_name(source: str) -> str:
    """The file name a source ends in, as rsync's listing and --out-format's %n print it.

    >>> base_name("rsync://nas/media/Movies/Heat (1995).mkv"), base_name("nas:a.mkv")
    ('Heat (1995).mkv', 'a.mkv')
    """
    return parse_location(source).path.rsplit("/", 1)[-1]


def rsync_command(source: str, *, timeout: int = DEFAULT_TIMEOUT, ssh_key: str | None = None,
                  known_hosts: str | None = None, ssh_ciphers: str | None = None,
                  rsync: str = "rsync") -> list[str]:
    """rsync with what every call needs: timeouts, and for ssh sources a non-interactive ssh.

    With `known_hosts` (plexsh's own file), a host seen for the first time is trusted and written
    there, and one whose key changed is refused; the user's ~/.ssh/known_hosts is consulted too.
    `ssh_ciphers` is ssh's Ciphers option (security.ssh_ciphers; None leaves ssh's own choice).

    >>> rsync_command("rsync://nas/media/a.mkv", timeout=20)[1:]
    ['--timeout=20', '--contimeout=20', '--no-motd', '--sockopts=TCP_NODELAY']
    >>> rsync_command("nas:/srv/a.mkv", ssh_key="/k")[-3:]
    ['-s', '-e', "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=10 -i '/k'"]
    >>> rsync_command("nas:/srv/a.mkv", ssh_key="/k")[-1]
    "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=10 -i '/k'"
    >>> rsync_command("nas:/a.mkv", known_hosts="/h/known hosts")[-1].split(" -o ")[-2:]
    ['StrictHostKeyChecking=accept-new', "UserKnownHostsFile='/h/known hosts ~/.ssh/known_hosts'"]
    >>> rsync_command("nas:/a.mkv", ssh_ciphers=DEFAULT_SSH_CIPHERS)[-1].split(" -o ")[-1]
    "Ciphers='^aes128-gcm@openssh.com,aes256-gcm@openssh.com'"
    """
    argv = [rsync, f"--timeout={timeout}"]
    if isinstance(parse_location(source), RsyncDaemon):
        # Without TCP_NODELAY each connection to a daemon stalls on its handshakes and its goodbye
        # (Nagle's algorithm waiting for a delayed ACK): about 40 ms a connection here, a third of
        # a small file's whole transfer, paid again by the closing listing.
        argv += [f"--contimeout={timeout}", "--no-motd", "--sockopts=TCP_NODELAY"]
    else:
        ssh = f"ssh -o BatchMode=yes -o ConnectTimeout={timeout} -o ServerAliveInterval=10"
        if ssh_key:
            ssh += f" -i {_quote(str(ssh_key))}"
        if known_hosts:
            ssh += (" -o StrictHostKeyChecking=accept-new"
                    f" -o UserKnownHostsFile={_quote(known_hosts + ' ~/.ssh/known_hosts')}")
        if ssh_ciphers:
            ssh += f" -o Ciphers={_quote(ssh_ciphers)}"
        # -s (--secluded-args): paths reach the remote rsync as they are, not through the remote
        # shell, whose unquoting drops a new line from a name (and rsync's own escaping of it).
        argv += ["-s", "-e", ssh]
    return argv


def _quote(text: str) -> str:
    """Single quotes for rsync's split of the -e command (it honours them, as a shell would)."""
    return "'" + text.replace("'", "") + "'"


class Follower:
    """Hashes PARTIAL's new bytes as rsync appends them; a checkpoint at each chunk boundary (the
    hasher interface Copy's bookkeeping uses).

    While rsync runs, the hashing runs on a thread of its own at idle priority (SCHED_IDLE): rsync's
    sender and receiver hand data to each other through socket buffers, and a hash thread taking
    the core one of them was about to wake on stalls both (the bench: 0.78x plain rsync at normal
    priority, 0.87x idle, with cores to spare either way). Whatever is left when rsync ends is
    hashed by the calling thread at its own priority, so a busy machine delays nothing for long.
    """

    def __init__(self, digest, dst: int, start: int, chunk: int):
        self.digest, self.dst, self.pos, self.chunk = digest, dst, start, chunk
        self.checkpoints: list[tuple[int, str]] = []
        self.view = buffers(1, BLOCK)[0]
        self.offered = start              # bytes known to have landed: the thread hashes up to here
        self.wake = threading.Event()
        self.ended = False
        self.failure: Exception | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._follow, name="plexsh-hash", daemon=True)
        self.thread.start()

    def offer(self, end: int) -> None:
        """Bytes up to `end` have landed (the calling thread watches PARTIAL grow)."""
        if end > self.offered:
            self.offered = end
            self.wake.set()

    def _follow(self) -> None:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # this thread only
        except (OSError, AttributeError):
            pass  # not Linux: the thread hashes at normal priority, as the caller would
        try:
            while not self.ended:
                if self.pos < self.offered:
                    self.catch_up(self.offered, steps=1)
                else:
                    self.wake.wait(POLL)
                    self.wake.clear()
        except Exception as e:  # handed to the caller by finish(), never lost on this thread
            self.failure = e

    def catch_up(self, end: int, steps: int | None = None) -> None:
        """Hash bytes pos..end (all of them are on the local disk already), or `steps` blocks of them."""
        while self.pos < end and steps != 0:
            boundary = (self.pos // self.chunk + 1) * self.chunk
            n = os.preadv(self.dst, [self.view[:min(BLOCK, end - self.pos, boundary - self.pos)]], self.pos)
            if n == 0:
                break
            self.digest.update(self.view[:n])
            self.pos += n
            if self.pos == boundary:
                self.checkpoints.append((self.pos, self.digest.copy().hexdigest()))
            if steps:
                steps -= 1

    def finish(self) -> None:
        """Stop the hash thread (after the block in hand); the caller hashes on from pos."""
        if self.thread is not None:
            self.ended = True
            self.wake.set()
            self.thread.join()
            self.thread = None
        if self.failure is not None:
            failure, self.failure = self.failure, None
            if isinstance(failure, OSError):
                raise CopyError("dest_unwritable", f"cannot read the partial file back: {errno_text(failure)}")
            raise failure


class Fetch(Copy):
    """Copy's resume and bookkeeping, with rsync moving the bytes."""

    GUARANTEE = "rsync-checksum+local-sha256"

    def __init__(self, opts, events: Events, timeout: int, ssh_key: str | None,
                 known_hosts: str | None = None, ssh_ciphers: str | None = None,
                 source_check: bool = False):
        super().__init__(opts, events)
        self.timeout, self.ssh_key, self.known_hosts = timeout, ssh_key, known_hosts
        self.ssh_ciphers, self.source_check = ssh_ciphers, source_check
        self.rsync: subprocess.Popen | None = None
        self.said = b""          # rsync's stdout so far: the identity line
        self.silent = False      # rsync's stdout is closed
        self.listing: subprocess.Popen | None = None
        self.checker: subprocess.Popen | None = None   # verify sha256's source-side hash

    def rsync_argv(self, timeout: int | None = None) -> list[str]:
        return rsync_command(self.opts.source, timeout=timeout or self.timeout, ssh_key=self.ssh_key,
                             known_hosts=self.known_hosts, ssh_ciphers=self.ssh_ciphers)

    def start_listing(self) -> None:
        """Start the `rsync --list-only` that brackets the transfer (see check_source)."""
        if self.listing is None:
            try:
                self.listing = subprocess.Popen([*self.rsync_argv(), "--list-only", "--no-h", "-8",
                                                 rsync_path(self.opts.source)],
                                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE)
            except FileNotFoundError:
                raise CopyError("fatal", "rsync is not installed (apt-get install rsync)") from None

    def list_source(self) -> dict:
        """The source's identity from the listing."""
        self.start_listing()
        limit = self.timeout * 2 + 5
        try:
            out, err = self.listing.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            raise CopyError("network", f"the source did not answer within {limit} s") from None
        finally:
            self.listing.kill()
            self.listing.wait()
        if self.listing.returncode != 0:
            raise CopyError(*classify(self.listing.returncode, err.decode(errors="replace")))
        entries = [m for m in map(_list_line.match, out.splitlines()) if m]
        if len(entries) != 1:
            raise CopyError("source_unreadable", "the source is not a single regular file")
        if not entries[0]["mode"].startswith(b"-"):
            # Waiting changes nothing: fail at once, as the copier does for a local one.
            what = _NOT_REGULAR.get(entries[0]["mode"][:1], "a special file")
            raise CopyError("source_refused", f"the source is not a regular file but {what}: only files are copied")
        self.check_name(entries[0]["name"])
        return {"path": self.opts.source, "size": int(entries[0]["size"]), "mtime": entries[0]["date"].decode()}

    def check_name(self, printed: bytes) -> None:
        """The file rsync names must be the one asked for, byte for byte, not another one its name
        also matches as a pattern (see rsync_path)."""
        name = os.fsdecode(unescape(printed))
        if name != base_name(self.opts.source):
            raise CopyError("source_refused", f"rsync named another file than the one asked for: {name!r}"
                            " (the name also matches it as a pattern)")

    def open(self) -> None:
        # Nothing is asked of the source before the transfer (a listing is a whole connection, over
        # ssh a handshake): the identity the checkpoints were recorded for stands until rsync names
        # the source's own (see heard_identity). Without checkpoints it is unknown, size 0.
        state, _ = (None, None) if self.opts.fresh else load_state(self.state_path)
        if state and state["source"].get("path") == self.opts.source and "mtime" in state["source"]:
            self.ident = state["source"]
        else:
            self.ident = {"path": self.opts.source, "size": 0, "mtime": None}
        self.size = int(self.ident["size"])
        self.dst = open_partial(self.opts.partial)

    def heard_identity(self, size: int, mtime: str) -> None:
        """rsync named the source as its transfer starts: a resumed prefix must belong to it."""
        heard = {"path": self.opts.source, "size": size, "mtime": mtime}
        if self.resumed_from and heard != self.ident:
            what = [k for k in ("size", "mtime") if heard[k] != self.ident[k]]
            raise CopyError("source_changed", "the source changed since the partial was fetched ("
                            + ", ".join(what) + ")")
        self.ident, self.size = heard, size
        self.events.progress(self.hasher.pos, size, self.resumed_from, force=True)

    def check_source(self) -> None:
        now = self.list_source()
        if self.ident["mtime"] is None and self.resumed_from == 0:
            # rsync sent nothing and named nothing (an empty source: --append had nothing to add),
            # so no byte of PARTIAL came from any other version of the file than this one.
            self.ident, self.size = now, now["size"]
        if now != self.ident:
            what = [k for k in ("size", "mtime") if now[k] != self.ident[k]]
            raise CopyError("source_changed", "the source changed during the transfer (" + ", ".join(what) + ")")

    def copy(self, digest) -> int:
        start = self.resumed_from
        self.hasher = follower = Follower(digest, self.dst, start, self.opts.chunk_size)
        if start == 0 or start < self.size:
            self.run_rsync(follower)
        follower.catch_up(min(os.fstat(self.dst).st_size, self.size))
        self.check_source()
        if follower.pos != self.size or os.fstat(self.dst).st_size != self.size:
            raise CopyError("network", f"rsync ended at byte {os.fstat(self.dst).st_size} of {self.size}")
        done = self.checkpoints()
        if self.size and (not done or done[-1][0] != self.size):  # the end is a checkpoint, as the copier's
            follower.checkpoints.append((self.size, follower.digest.copy().hexdigest()))
        return self.size - start

    def run_rsync(self, follower: Follower) -> None:
        argv = self.rsync_argv() + ["--append", "--inplace", "--partial", "-8", f"--out-format={IDENTITY_FORMAT}"]
        if self.opts.bwlimit:
            argv.append(f"--bwlimit={max(1, self.opts.bwlimit // 1024)}")
        argv += [rsync_path(self.opts.source), self.opts.partial]
        log_path = beside(self.opts.partial, "rsync-log")  # short: never the final name plus a suffix
        try:
            # rsync's stderr goes to a file: a full pipe must never hold it up, and only its end matters.
            with open(log_path, "w+b") as log:
                self.rsync = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                              stderr=log)
                os.set_blocking(self.rsync.stdout.fileno(), False)
                follower.start()
                try:
                    code = self.follow(follower)
                except BaseException:
                    self.end_rsync(gently=False)  # before the error handling cuts PARTIAL back
                    raise
                finally:
                    follower.finish()
                log.seek(max(0, log.seek(0, 2) - 4000))
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            raise CopyError("fatal", "rsync is not installed (apt-get install rsync)") from None
        finally:
            remove_file(log_path)
        if stopping():
            raise Cancelled
        if code != 0:
            follower.catch_up(min(os.fstat(self.dst).st_size, self.size))
            raise CopyError(*classify(code, text))

    def listen(self) -> None:
        """Read what rsync printed; its identity line, once complete, is heard."""
        if self.said is None:
            return
        try:
            heard = self.rsync.stdout.read()
        except BlockingIOError:
            return
        if heard is None:
            return
        if not heard:
            self.silent = True  # rsync closed its output (it is ending) without naming the source
        self.said += heard
        if b"\n" not in self.said:
            return
        line = self.said.split(b"\n", 1)[0]
        self.said = None
        match = _identity_line.match(line)
        if not match:
            skipped = _skipped_line.match(line)
            if skipped:  # a folder, link, FIFO or device where the scan saw a file
                what = "a folder" if skipped["folder"] else "a link, FIFO or device"
                raise CopyError("source_refused", f"the source is not a regular file but {what}: only files are copied")
            raise CopyError("other", f"rsync said something unexpected: {line[:200]!r}")
        self.check_name(match["name"])
        self.heard_identity(int(match["size"]), f"{match['day'].decode()} {match['time'].decode()}")

    def follow(self, follower: Follower) -> int:
        """Hash and report what lands until rsync exits; a stop request ends rsync (SIGTERM)."""
        exit_signal = _pidfd(self.rsync.pid)
        try:
            return self._follow(follower, exit_signal)
        finally:
            if exit_signal is not None:
                os.close(exit_signal)

    def _follow(self, follower: Follower, exit_signal: int | None) -> int:
        last_save = time.monotonic()
        while True:
            code = self.rsync.poll()
            self.listen()
            if self.said is None:  # bytes count only once rsync has said whose they are
                landed = os.fstat(self.dst).st_size
                if landed >= self.size:
                    # Every byte has landed, so the sender has read its last one: the listing that
                    # brackets the transfer may start while rsync winds up and the hash catches up.
                    self.start_listing()
                follower.offer(min(landed, self.size))
                self.events.progress(follower.pos, self.size, self.resumed_from)
                if time.monotonic() - last_save >= CHECKPOINT_INTERVAL:
                    self.save()
                    last_save = time.monotonic()
            if code is not None:
                return code
            if stopping():
                return self.end_rsync(gently=True)
            self.pause(exit_signal)

    def pause(self, exit_signal: int | None) -> None:
        """Wait POLL seconds, or less if rsync speaks or exits first: a small file's whole transfer
        takes a few polls, and each one it waited out would be added to it."""
        if exit_signal is None:
            time.sleep(POLL)
            return
        listening = self.said is not None and not self.silent
        watched = [exit_signal] + ([self.rsync.stdout] if listening else [])
        select.select(watched, [], [], POLL)

    def end_rsync(self, gently: bool) -> int:
        """Stop rsync and the receiver it forked, and wait until neither can write PARTIAL: rsync's
        receiver is a process of its own, and killing rsync alone leaves it writing for a while
        (it would write into PARTIAL after the partial was cut back, or under the next attempt)."""
        receivers = _children(self.rsync.pid)
        if gently:
            self.rsync.terminate()
            try:
                self.rsync.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.rsync.poll() is None:
            self.rsync.kill()
        code = self.rsync.wait()
        for pid in receivers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while any(map(_running, receivers)) and time.monotonic() < deadline:
            time.sleep(0.01)
        return code

    # -- verify sha256: the source-side check ---------------------------------------------------

    def confirm(self, dest_sha256: str) -> tuple[str, str]:
        if not self.source_check:
            return dest_sha256, self.GUARANTEE
        if isinstance(parse_location(self.opts.source), RsyncDaemon):
            return dest_sha256, self.confirm_by_rsync()
        return self.source_sha256(), "rsync-checksum+source-sha256"

    def check_timeout(self) -> int:
        """Seconds a source-side hash may take: the NAS reads the whole file (at 20 MB/s at worst)."""
        return max(self.timeout, self.size // (20 << 20)) + 10

    def source_sha256(self) -> str:
        """The SHA-256 of the source computed on the NAS, over ssh (openssl, else sha256sum): the
        file is read there, not sent again. The engine compares it with the copy's."""
        host, path = split_ssh_source(self.opts.source)
        ssh = shlex.split(self.rsync_argv()[-1])
        quoted = shlex.quote(path)
        # The file on stdin: a name with a new line or a backslash would change how the tools print it.
        script = (f"if command -v openssl >/dev/null 2>&1; then exec openssl dgst -sha256 -r < {quoted}; "
                  f"else exec sha256sum -b < {quoted}; fi")
        out = self.wait_for(self.spawn([*ssh, host, script]), "the source's SHA-256 on the NAS")
        digest = out.split()[0].lower() if out.split() else ""
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise CopyError("other", f"the NAS's SHA-256 of the source was not one: {out[:200]!r}")
        return digest

    def confirm_by_rsync(self) -> str:
        """An rsync daemon runs no commands, but its rsync can checksum the whole file where it lies
        (-c, a dry run): SHA-1, the strongest whole-file checksum rsync offers, against the SHA-1 of
        the copy read here meanwhile. A mismatch is a verify error (the engine fetches afresh)."""
        argv = self.rsync_argv(timeout=self.check_timeout())
        argv += ["--dry-run", "--checksum", "--checksum-choice=sha1", "--out-format=plexsh-sum %C",
                 rsync_path(self.opts.source), beside(self.opts.partial, "absent")]
        local = hashlib.sha1()
        child = self.spawn(argv)
        view, pos = buffers(1, BLOCK)[0], 0
        while pos < self.size:
            if stopping():
                raise Cancelled
            n = os.preadv(self.dst, [view], pos)
            if n == 0:
                break
            local.update(view[:n])
            pos += n
            self.events.verify(pos, self.size)
        out = self.wait_for(child, "the source's SHA-1 on the NAS", rsync=True)
        sums = [line.split()[-1] for line in out.splitlines() if line.startswith("plexsh-sum ")]
        if len(sums) != 1 or not re.fullmatch(r"[0-9a-f]{40}", sums[0]):
            raise CopyError("other", f"rsync gave no whole-file checksum for the source: {out[:200]!r}")
        if sums[0] != local.hexdigest():
            raise CopyError("verify", "the copy's SHA-1 differs from the source's on the NAS")
        return "rsync-checksum+local-sha256+source-sha1"

    def spawn(self, argv: list[str]) -> subprocess.Popen:
        try:
            self.checker = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise CopyError("fatal", f"{argv[0]} is not installed") from None
        return self.checker

    def wait_for(self, child: subprocess.Popen, what: str, rsync: bool = False) -> str:
        """Wait for a checking child; its stdout. Verify events keep the engine from taking the wait
        for a stall; a stop request or the time limit ends it."""
        deadline = time.monotonic() + self.check_timeout()
        while True:
            try:
                out, err = child.communicate(timeout=POLL * 10)
                break
            except subprocess.TimeoutExpired:
                self.events.emit("verify", bytes=0, total=self.size)
                if stopping():
                    raise Cancelled from None
                if time.monotonic() > deadline:
                    raise CopyError("network", f"{what} took over {self.check_timeout()} s") from None
        if child.returncode != 0:
            text = err.decode(errors="replace")
            if rsync:
                raise CopyError(*classify(child.returncode, text))
            kind = "network" if child.returncode == 255 else "other"
            last = (text.strip().splitlines() or [f"exit {child.returncode}"])[-1]
            raise CopyError(kind, f"{what} failed: {last}")
        return out.decode(errors="replace")

    def close(self) -> None:
        if self.rsync is not None and self.rsync.poll() is None:
            self.end_rsync(gently=False)
        for child in (self.rsync, self.listing, self.checker):
            if child is not None:
                if child.poll() is None:
                    child.kill()
                child.wait()
                for pipe in (child.stdout, child.stderr):
                    if pipe:
                        pipe.close()
        super().close()


def _pidfd(pid: int) -> int | None:
    """A file descriptor that turns readable when the process exits (Linux 5.3+); None elsewhere."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _children(pid: int) -> list[int]:
    """A process's children (Linux: /proc/PID/task/PID/children); none where that is missing."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (one that can still write files)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def split_ssh_source(source: str) -> tuple[str, str]:
    """([user@]host, path) of an ssh source.

    >>> split_ssh_source("root@10.0.0.2:/srv/media/a b.mkv")
    ('root@10.0.0.2', '/srv/media/a b.mkv')
    """
    where = parse_location(source)
    return where.head[:-1], where.path


def command(python: str | None = None) -> list[str]:
    """The backend's command for the engine to append options, `--`, SOURCE and PARTIAL to (the
    copier's lean start-up: see copier.command)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    boot = f"import sys; sys.path.append({root!r}); from plexsh.engine.fetch import main; sys.exit(main())"
    return [python or sys.executable, "-I", "-S", "-c", boot]


def main(args: list[str] | None = None) -> int:
    events = Events()
    args = list(sys.argv[1:] if args is None else args)
    timeout, ssh_key, known_hosts, ssh_ciphers = DEFAULT_TIMEOUT, None, None, DEFAULT_SSH_CIPHERS
    try:
        for name in ("--timeout", "--ssh-key", "--known-hosts", "--ssh-ciphers"):
            while name in args:
                i = args.index(name)
                if i + 1 >= len(args):
                    raise UsageError(f"{name} needs a value")
                value = args.pop(i + 1)
                args.pop(i)
                if name == "--timeout":
                    timeout = int(value)
                elif name == "--ssh-key":
                    ssh_key = value
                elif name == "--known-hosts":
                    known_hosts = value
                else:
                    ssh_ciphers = value or None  # "": ssh's own choice
        source_check = "--source-check" in args[:args.index("--") if "--" in args else len(args)]
        if source_check:
            args.remove("--source-check")  # the first one: before "--"
        opts = parse_args(args)
    except (UsageError, ValueError) as e:
        events.emit("error", kind="other", message=f"bad arguments: {e}", bytes=0)
        print(f"fetch: {e}", file=sys.stderr)
        return EXIT_USAGE
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    Stop.parent = os.getppid()  # an engine killed mid-file: stop at a checkpoint, rsync with us
    return copy_one(opts, events, lambda o, e: Fetch(o, e, timeout, ssh_key, known_hosts, ssh_ciphers, source_check))


if __name__ == "__main__":
    sys.exit(main())
