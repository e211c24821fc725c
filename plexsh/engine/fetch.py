"""The rsync backend: one remote file to a partial file, with the copier's events, checkpoints and resume.

    python -m plexsh.engine.fetch SOURCE PARTIAL [--chunk-size 8M] [--bwlimit BYTES_PER_S] [--fresh]
                                  [--timeout SECONDS] [--ssh-key PATH] [--known-hosts PATH]

SOURCE is `rsync://host[:port]/module/path` (an rsync daemon) or `[user@]host:/path` (rsync over
ssh). The engine runs this for remote sources as it runs plexsh.engine.copier for local ones: the
same JSON events on stdout, the same exit statuses, the same PARTIAL.state checkpoints, so the
supervisor, resume and retries do not care which backend moved the bytes.

How a file moves. One `rsync --list-only` gives the source's identity (size and mtime). An existing
partial is re-hashed against its checkpoints as the copier does and cut back to the longest prefix
that matches (a partial's size alone is never trusted: field notes). Then `rsync --append` sends
only the bytes after that prefix, written in place into PARTIAL. While rsync runs, this process
follows PARTIAL as it grows, hashing the new bytes, recording a checkpoint at each chunk boundary
and reporting progress; the state is saved at most every half second. When rsync ends, the source
is listed again: a changed size or mtime means it changed under the transfer (source_changed: the
engine fetches it again from byte 0, never a mix).

What "verified" means here. rsync checks every transfer with its own whole-stream checksum; on top
of that, "sha256" in the done event is the SHA-256 of PARTIAL exactly as it landed on the local
disk, read back by this process, so the catalog records the digest of the bytes the user has. A
full source-side SHA-256 needs a second read of the remote file; this backend does not do it
(done says `"guarantee": "rsync-checksum+local-sha256"`).

rsync's exit status is classified into the copier's error kinds with the reason named: network
trouble (5, 10, 12, 30, 35) is retried with backoff, a vanished or changed source (24) is fetched
afresh, usage and protocol errors (1, 2, 4, 22 ...) fail at once, "No space left" is no_space.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from plexsh.engine.copier import (BLOCK, CHECKPOINT_INTERVAL, EXIT_USAGE, NO_SPACE, Cancelled, Copy,
                                  CopyError, Events, Stop, UsageError, buffers, copy_one, errno_text,
                                  parse_args, remove_file, request_stop, stopping)

__all__ = ["classify", "command", "is_remote", "main", "rsync_command"]

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
_ssh_source = re.compile(r"^(?:[^@/:\s]+@)?[^/:\s]+:")
_list_line = re.compile(r"^(?P<mode>\S+)\s+(?P<size>\d+)\s+(?P<date>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (?P<name>.*)$")


def is_remote(source: str) -> bool:
    """True for sources rsync must fetch: rsync:// URLs and [user@]host:/path over ssh.

    >>> [is_remote(s) for s in ("rsync://nas/media/a.mkv", "root@10.0.0.2:/srv/a.mkv", "nas:/a.mkv",
    ...                         "/mnt/media/a.mkv", "./odd:name.mkv")]
    [True, True, True, False, False]
    """
    return source.startswith("rsync://") or bool(_ssh_source.match(source))


def classify(code: int, stderr: str) -> tuple[str, str]:
    """(error kind, message) for an rsync that ended with `code`; its last words name the cause.

    >>> classify(12, "rsync: connection unexpectedly closed (0 bytes received so far) [receiver]")
    ('network', 'rsync exit 12 (error in the rsync protocol data stream): connection unexpectedly closed (0 bytes received so far) [receiver]')
    >>> classify(11, "rsync: write failed on \\"x\\": No space left on device (28)")[0]
    'no_space'
    >>> classify(5, "@ERROR: Unknown module 'films'")[0]
    'fatal'
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
    if "No space left on device" in stderr or "Disk quota exceeded" in stderr:
        kind = "no_space"
    elif "@ERROR: Unknown module" in stderr or "Permission denied" in stderr \
            or "auth failed" in stderr or "Host key verification failed" in stderr:
        kind = "fatal"
    elif code in (3, 23) and "No such file or directory" in stderr:
        kind = "source_unreadable"
    elif code == 255 or "Connection refused" in stderr or "No route to host" in stderr \
            or "Network is unreachable" in stderr or "Connection timed out" in stderr:
        kind = "network"
    message = f"rsync exit {code} ({meaning})" + (f": {detail}" if detail else "")
    return kind, message


def rsync_command(source: str, *, timeout: int = DEFAULT_TIMEOUT, ssh_key: str | None = None,
                  known_hosts: str | None = None, rsync: str = "rsync") -> list[str]:
    """rsync with what every call needs: timeouts, and for ssh sources a non-interactive ssh.

    With `known_hosts` (plexsh's own file), a host seen for the first time is trusted and written
    there, and one whose key changed is refused; the user's ~/.ssh/known_hosts is consulted too.

    >>> rsync_command("rsync://nas/media/a.mkv", timeout=20)[1:]
    ['--timeout=20', '--contimeout=20', '--no-motd']
    >>> rsync_command("nas:/srv/a.mkv", ssh_key="/k")[-1]
    "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=10 -i '/k'"
    >>> rsync_command("nas:/a.mkv", known_hosts="/h/known hosts")[-1].split(" -o ")[-2:]
    ['StrictHostKeyChecking=accept-new', "UserKnownHostsFile='/h/known hosts ~/.ssh/known_hosts'"]
    """
    argv = [rsync, f"--timeout={timeout}"]
    if source.startswith("rsync://"):
        argv += [f"--contimeout={timeout}", "--no-motd"]
    else:
        ssh = f"ssh -o BatchMode=yes -o ConnectTimeout={timeout} -o ServerAliveInterval=10"
        if ssh_key:
            ssh += f" -i {_quote(str(ssh_key))}"
        if known_hosts:
            ssh += (" -o StrictHostKeyChecking=accept-new"
                    f" -o UserKnownHostsFile={_quote(known_hosts + ' ~/.ssh/known_hosts')}")
        argv += ["-e", ssh]
    return argv


def _quote(text: str) -> str:
    """Single quotes for rsync's split of the -e command (it honours them, as a shell would)."""
    return "'" + text.replace("'", "") + "'"


class Follower:
    """Hashes PARTIAL's new bytes as rsync appends them; a checkpoint at each chunk boundary (the
    hasher interface Copy's bookkeeping uses)."""

    def __init__(self, digest, dst: int, start: int, chunk: int):
        self.digest, self.dst, self.pos, self.chunk = digest, dst, start, chunk
        self.checkpoints: list[tuple[int, str]] = []
        self.view = buffers(1, BLOCK)[0]

    def catch_up(self, end: int) -> None:
        """Hash bytes pos..end (all of them are on the local disk already)."""
        while self.pos < end:
            boundary = (self.pos // self.chunk + 1) * self.chunk
            n = os.preadv(self.dst, [self.view[:min(BLOCK, end - self.pos, boundary - self.pos)]], self.pos)
            if n == 0:
                break
            self.digest.update(self.view[:n])
            self.pos += n
            if self.pos == boundary:
                self.checkpoints.append((self.pos, self.digest.copy().hexdigest()))

    def finish(self) -> None:
        pass


class Fetch(Copy):
    """Copy's resume and bookkeeping, with rsync moving the bytes."""

    GUARANTEE = "rsync-checksum+local-sha256"

    def __init__(self, opts, events: Events, timeout: int, ssh_key: str | None,
                 known_hosts: str | None = None):
        super().__init__(opts, events)
        self.timeout, self.ssh_key, self.known_hosts = timeout, ssh_key, known_hosts
        self.rsync: subprocess.Popen | None = None

    def list_source(self) -> dict:
        """The source's identity from one `rsync --list-only`."""
        argv = rsync_command(self.opts.source, timeout=self.timeout, ssh_key=self.ssh_key,
                             known_hosts=self.known_hosts)
        try:
            done = subprocess.run([*argv, "--list-only", "--no-h", self.opts.source], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=self.timeout * 2 + 5)
        except subprocess.TimeoutExpired:
            raise CopyError("network", f"the source did not answer within {self.timeout * 2 + 5} s") from None
        except FileNotFoundError:
            raise CopyError("fatal", "rsync is not installed (apt-get install rsync)") from None
        text = done.stderr.decode(errors="replace")
        if done.returncode != 0:
            raise CopyError(*classify(done.returncode, text))
        entries = [m for m in map(_list_line.match, done.stdout.decode(errors="replace").splitlines()) if m]
        if len(entries) != 1 or not entries[0]["mode"].startswith("-"):
            raise CopyError("source_unreadable", "the source is not a single regular file")
        return {"path": self.opts.source, "size": int(entries[0]["size"]), "mtime": entries[0]["date"]}

    def open(self) -> None:
        self.ident = self.list_source()
        self.size = self.ident["size"]
        try:
            self.dst = os.open(self.opts.partial, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as e:
            kind = "no_space" if e.errno in NO_SPACE else "dest_unwritable"
            raise CopyError(kind, f"cannot open the partial file: {errno_text(e)}") from None

    def check_source(self) -> None:
        now = self.list_source()
        if now != self.ident:
            what = [k for k in ("size", "mtime") if now[k] != self.ident[k]]
            raise CopyError("source_changed", "the source changed during the transfer (" + ", ".join(what) + ")")

    def copy(self, digest) -> int:
        start = self.resumed_from
        self.hasher = follower = Follower(digest, self.dst, start, self.opts.chunk_size)
        if start < self.size:
            self.run_rsync(follower)
        follower.catch_up(os.fstat(self.dst).st_size)
        if follower.pos != self.size:
            raise CopyError("network", f"rsync ended at byte {follower.pos} of {self.size}")
        self.check_source()
        return self.size - start

    def run_rsync(self, follower: Follower) -> None:
        argv = rsync_command(self.opts.source, timeout=self.timeout, ssh_key=self.ssh_key,
                             known_hosts=self.known_hosts)
        argv += ["--append", "--inplace", "--partial"]
        if self.opts.bwlimit:
            argv.append(f"--bwlimit={max(1, self.opts.bwlimit // 1024)}")
        argv += [self.opts.source, self.opts.partial]
        try:
            # rsync's stderr goes to a file: a full pipe must never hold it up, and only its end matters.
            with open(self.opts.partial + ".rsync-log", "w+b") as log:
                self.rsync = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=log)
                code = self.follow(follower)
                log.seek(max(0, log.seek(0, 2) - 4000))
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            raise CopyError("fatal", "rsync is not installed (apt-get install rsync)") from None
        finally:
            remove_file(self.opts.partial + ".rsync-log")
        if stopping():
            raise Cancelled
        if code != 0:
            follower.catch_up(os.fstat(self.dst).st_size)
            raise CopyError(*classify(code, text))

    def follow(self, follower: Follower) -> int:
        """Hash and report what lands until rsync exits; a stop request ends rsync (SIGTERM)."""
        last_save = time.monotonic()
        while True:
            code = self.rsync.poll()
            size = os.fstat(self.dst).st_size
            follower.catch_up(min(size, self.size))
            self.events.progress(follower.pos, self.size, self.resumed_from)
            if time.monotonic() - last_save >= CHECKPOINT_INTERVAL:
                self.save()
                last_save = time.monotonic()
            if code is not None:
                return code
            if stopping():
                self.rsync.terminate()
                try:
                    return self.rsync.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.rsync.kill()
                    return self.rsync.wait()
            time.sleep(POLL)

    def close(self) -> None:
        if self.rsync is not None and self.rsync.poll() is None:
            self.rsync.kill()
            self.rsync.wait()
        super().close()


def command(python: str | None = None) -> list[str]:
    """The backend's command for the engine to append options, `--`, SOURCE and PARTIAL to (the
    copier's lean start-up: see copier.command)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    boot = f"import sys; sys.path.append({root!r}); from plexsh.engine.fetch import main; sys.exit(main())"
    return [python or sys.executable, "-I", "-S", "-c", boot]


def main(args: list[str] | None = None) -> int:
    import signal

    events = Events()
    args = list(sys.argv[1:] if args is None else args)
    timeout, ssh_key, known_hosts = DEFAULT_TIMEOUT, None, None
    try:
        for name in ("--timeout", "--ssh-key", "--known-hosts"):
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
                else:
                    known_hosts = value
        opts = parse_args(args)
    except (UsageError, ValueError) as e:
        events.emit("error", kind="other", message=f"bad arguments: {e}", bytes=0)
        print(f"fetch: {e}", file=sys.stderr)
        return EXIT_USAGE
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    Stop.parent = os.getppid()  # an engine killed mid-file: stop at a checkpoint, rsync with us
    return copy_one(opts, events, lambda o, e: Fetch(o, e, timeout, ssh_key, known_hosts))


if __name__ == "__main__":
    sys.exit(main())
