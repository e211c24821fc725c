"""The native copier: one file to a partial file beside its destination, verified and resumable.

    python -m plexsh.engine.copier SOURCE PARTIAL [--chunk-size 8M] [--bwlimit BYTES_PER_S] [--fresh]
                                   [--root SOURCE_ROOT [--links inside|never|always]]
    python -m plexsh.engine.copier --serve      (requests on stdin: see serve())

The engine runs copiers as supervised child processes (`argv()` builds the command for one file;
`--serve` keeps a worker for file after file) for sources on local disks or mounts, where rsync's local path is several times slower than the disk
(field notes). SOURCE is opened read-only; PARTIAL is a temporary name in the destination folder
that the caller renames into place once it has checked the result. The copier reports on stdout, one
JSON object per line, flushed as written:

    {"event":"verify","bytes":N,"total":P}      re-reading an existing partial before resuming
    {"event":"progress","bytes":N,"total":T,"resumed_from":R}   the first, at most ten a second, the last
    {"event":"done","bytes":T,"copied":C,"sha256":H,"dest_sha256":H,"resumed_from":R,"identity":I,
     "seconds":S}
    {"event":"error","kind":K,"message":M,"bytes":B}     exit status 1 (2 for bad arguments)
    {"event":"cancelled","bytes":B,"total":T,"resumed_from":R}   on SIGTERM/SIGINT/SIGHUP, exit 20

K is source_changed (fetch again), source_unreadable, permission_denied, source_refused (not the
regular file inside its source that was listed: a FIFO, a device, a symlink out of SOURCE_ROOT),
no_space, dest_unwritable or other; B is how much of PARTIAL is checkpointed and kept for a resume.
C is what this run read from SOURCE. I is PARTIAL's [device, inode, size, mtime_ns, ctime_ns] after
the last byte: the caller renames only that file, unwritten since. The first
progress event and done carry "restart_reason" when an existing partial could not be used ("source
changed", "no checkpoint", "checkpoint unreadable", "partial failed verification", "fresh
requested") and "discarded" (bytes) when the tail of a partial failed its check and is copied again.

Verification. "sha256" is the SHA-256 of the source bytes exactly as this copier read them (and, for a
resumed prefix, as an earlier run read them from the same unchanged source). "dest_sha256" is the
SHA-256 of PARTIAL as the file system returns it on reading back: every block is read back from
PARTIAL right after it is written and compared byte for byte with the very buffer that was hashed,
and a resumed prefix is re-read and re-hashed against its checkpoints. Identical bytes have the same
digest, so the two values are equal whenever done is printed, at the cost of a memcmp instead of a
second SHA-256 pass (the hash is the bottleneck; see scripts/bench/copy). The read-back comes from
the page cache: it proves the kernel holds what was meant for each offset (no short or misplaced
write, no zeros, a resume that lines up), not that the disk has it yet. Durability is the caller's:
fsync PARTIAL and its folder around the rename. A source that is rewritten in place without its
size or mtime changing, and a source file system that turns read errors into zeros without
reporting them, cannot be told from good data here; reported read errors end the copy.

What is copied. SOURCE is opened without blocking (a FIFO named like a film would otherwise hold
open() until a writer comes, deaf to every signal but SIGKILL) and must be a regular file. With
--root, the file opened must lie inside SOURCE_ROOT once every symlink is resolved (--links inside,
the default), or be reached through no symlink below it at all (never); always skips the check.
The walk lists files by the same rule (discovery.follow_symlinks), so this refuses a link swapped
in after the scan. A refusal and a denied permission are reported at once: no retry changes them.

Checkpoints and resume. Beside PARTIAL the copier keeps PARTIAL.state: the source's identity (path,
size, mtime_ns, and device and inode on file systems where those are stable) and a list of
checkpoints [end offset, SHA-256 of the source bytes 0..end] at each chunk boundary. Storing the
digest of the whole prefix rather than of each chunk costs one `hash.copy().hexdigest()` per chunk
instead of a second SHA-256 pass over every byte; the first mismatching checkpoint ends the verified
prefix either way. A resume re-reads PARTIAL from its start, hashing as it goes, keeps the longest
prefix that matches its checkpoints, truncates there and carries on with the running hash it has
rebuilt; a changed source identity starts afresh instead. The state is rewritten (temp file +
rename) at most every half second and on every exit, not after every chunk: a 50 GiB file has 6,400
checkpoints, half a megabyte of state, and a rewrite per chunk would grow with the square of the
size. It only ever names bytes already written, read back equal and hashed. Neither PARTIAL nor the
state is fsynced for it, because a resume trusts no byte it has not re-hashed: after a power cut a
lost or zeroed tail fails its checkpoint and is copied again, and a lost state costs a fresh copy,
never a wrong file. When the disk is full, the partial gives back whole chunks until the state
fits. At done the state holds a checkpoint at the end and stays until the engine has renamed
the copy into place (it removes it then), so a retry after a failed rename re-hashes, not re-copies.

Stopping. SIGTERM, SIGINT or SIGHUP (or stdout closing) stops the copy after the block in hand; the
partial is cut back to its last checkpoint, a chunk boundary, the state written, "cancelled" printed
and the exit status is 20, as rsync's. SIGSTOP/SIGCONT need nothing: the --bwlimit token bucket
holds at most one chunk, so a pause is not made up for with a burst. A read stuck in the kernel on
a dead mount cannot be interrupted by any signal; the engine abandons such a child (field notes).

Test hook. PLEXSH_TEST_COPIER_FAULT makes this copier misbehave on purpose, so that the engine's
tests meet its guards with the real child rather than a stand-in (see TEST_FAULT). Nothing in
plexsh sets it.
"""

# This runs once per file copied, so it imports only what starts fast: no argparse, json, dataclasses
# or enum (`signal` and `json` import enum and re); threading only for files big enough to use it.
from __future__ import annotations

import _signal
import hashlib
import mmap
import os
import sys
import time

from plexsh.engine.tempnames import beside

try:  # the C string escaper json.dumps uses, without the import of json and re
    from _json import encode_basestring_ascii as _quote
except ImportError:  # pragma: no cover - CPython always has it
    _quote = None

DEFAULT_CHUNK = 8 << 20          # checkpoint granularity: resume, throttle and source checks
MIN_CHUNK = 4 << 10
MAX_CHUNK = 1 << 30
BLOCK = 256 << 10                # read/write unit: small enough to stay in the CPU cache between
RING = 8                         # the read, the write, the read-back and the hash; blocks in flight
PAGE = 4096                      # buffers and chunk boundaries sit on page boundaries (see buffers())
SERIAL_MAX = 1 << 20             # files this small are copied without a hashing thread
PROGRESS_INTERVAL = 0.1
CHECKPOINT_INTERVAL = 0.5
STATE_FORMAT = "plexsh-copier-state/1"
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 20
# Device and inode numbers name the same file across runs only on these; on network and FUSE mounts
# they change with every mount (sshfs without -o use_ino, NFS device numbers), so only size and
# mtime identify the source there.
STABLE_INODES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "zfs", "bcachefs",
                           "tmpfs"})
NO_SPACE = frozenset({28, 122})  # ENOSPC, EDQUOT
DENIED = frozenset({1, 13})      # EPERM, EACCES
LINK_POLICIES = ("inside", "never", "always")
# What a source that is not a regular file is, by its S_IFMT bits, for the refusal message.
FILE_TYPES = {0o010000: "FIFO", 0o020000: "character device", 0o040000: "folder",
              0o060000: "block device", 0o140000: "socket"}

# --- test hook: PLEXSH_TEST_COPIER_FAULT ---------------------------------------------------------
# For the engine's tests only (tests/test_guards_engine.py, tests/test_supervisor.py): the fault the
# copier commits, read once at start. Unset, each hook costs one comparison with None.
#   hang            at the first checkpoint: write the state, then say nothing more, ever (a reader
#                   stuck on a dead mount; SIGTERM is heard but the sleep goes on)
#   ignore-sigterm  SIGTERM is ignored: only SIGKILL stops the copier
#   lie-size        done reports one byte more than the partial holds
#   lie-sha256      done reports a dest_sha256 that is not the SHA-256 of the partial
#   crash           an unexpected exception (a bug) at the first checkpoint
#   exit            the process ends at the first checkpoint with no last event (as if OOM-killed)
# PLEXSH_TEST_COPIER_FAULT_ONCE=FILE: only while FILE does not exist; the run at fault creates it,
# so the retry after it behaves.
TEST_FAULT = os.environ.get("PLEXSH_TEST_COPIER_FAULT") or None


def fault_for_tests(name: str) -> bool:
    """Whether the test hook asks for fault NAME now (claiming the ONCE file if there is one)."""
    if TEST_FAULT != name:
        return False
    once = os.environ.get("PLEXSH_TEST_COPIER_FAULT_ONCE")
    if once:
        try:
            os.close(os.open(once, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
    return True


USAGE = ("usage: python -m plexsh.engine.copier SOURCE PARTIAL [--chunk-size 8M] "
         "[--bwlimit BYTES_PER_S] [--fresh] [--root SOURCE_ROOT [--links inside|never|always]]")


class CopyError(Exception):
    """An expected failure: reported as one error event, never as a traceback."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Cancelled(Exception):
    """A stop was asked for (SIGTERM, SIGINT, SIGHUP, or the reader of our output went away)."""


class UsageError(Exception):
    pass


class Stop:
    """Set from the signal handler; the copy loop looks at it between blocks (through stopping())."""

    requested = False
    parent = 0  # a serving worker's engine: when it is gone, stop at the next block


def request_stop(signum, frame) -> None:
    Stop.requested = True


def stopping() -> bool:
    """A stop was asked for, or the engine that started this worker died (even by kill -9).

    Not PR_SET_PDEATHSIG: Linux sends that when the parent *thread* ends, and trio starts children
    from worker threads it retires after ten idle seconds. One getppid() per block costs nothing.
    """
    if not Stop.requested and Stop.parent and os.getppid() != Stop.parent:
        Stop.requested = True
    return Stop.requested


def parse_size(text: str) -> int:
    """Bytes from a size, by plexsh.sizes (K, M, G, T with or without B or iB are powers of 1024).

    >>> [parse_size(t) for t in ("4096", "64K", "8M", "8MiB", "8MB", "1g", "1.5M", "0")]
    [4096, 65536, 8388608, 8388608, 8388608, 1073741824, 1572864, 0]
    >>> parse_size("8X")
    Traceback (most recent call last):
    ValueError: not a size: '8X' (try 700M, 4G or 1.5GiB)
    """
    if text.isascii() and text.isdigit() and len(text) <= 18:  # what the engine passes: no `re` (~35 ms) to pay
        return int(text)
    from plexsh.sizes import parse_size as parse

    return parse(text)


class Options:
    __slots__ = ("source", "partial", "chunk_size", "bwlimit", "fresh", "root", "links")

    def __init__(self, source: str, partial: str, chunk_size: int = DEFAULT_CHUNK,
                 bwlimit: int = 0, fresh: bool = False, root: str | None = None,
                 links: str = "inside"):
        self.source, self.partial = source, partial
        self.chunk_size, self.bwlimit, self.fresh = chunk_size, bwlimit, fresh
        self.root, self.links = root, links


def parse_args(args: list[str]) -> Options:
    """The command line, by hand: argparse alone would add a fifth to the copier's start-up.

    >>> o = parse_args(["a.mkv", ".a.mkv.plexsh-partial", "--chunk-size=64K", "--bwlimit", "1M"])
    >>> (o.source, o.partial, o.chunk_size, o.bwlimit, o.fresh)
    ('a.mkv', '.a.mkv.plexsh-partial', 65536, 1048576, False)
    >>> parse_args(["--fresh", "--", "-odd-name", "p"]).source
    '-odd-name'
    >>> o = parse_args(["--root", "/nas/Movies", "--links=never", "/nas/Movies/a.mkv", "p"])
    >>> (o.root, o.links)
    ('/nas/Movies', 'never')
    >>> parse_args(["a"])
    Traceback (most recent call last):
    plexsh.engine.copier.UsageError: expected SOURCE and PARTIAL
    """
    positional: list[str] = []
    values = {"--chunk-size": DEFAULT_CHUNK, "--bwlimit": 0}
    texts = {"--root": None, "--links": "inside"}
    fresh = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positional.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if arg == "--fresh":
            fresh = True
        elif name in texts or name in values:
            if not eq:  # `--name VALUE` rather than `--name=VALUE`
                if i >= len(args):
                    raise UsageError(f"{name} needs a value")
                value = args[i]
                i += 1
            if name in texts:
                texts[name] = value
                continue
            try:
                values[name] = parse_size(value)
            except ValueError as e:
                raise UsageError(f"{name}: {e}") from None
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unknown option {arg}")
        else:
            positional.append(arg)
    if len(positional) != 2:
        raise UsageError("expected SOURCE and PARTIAL")
    chunk = values["--chunk-size"]
    if not MIN_CHUNK <= chunk <= MAX_CHUNK or chunk % PAGE:
        raise UsageError(f"--chunk-size must be a multiple of {PAGE} between {MIN_CHUNK} and "
                         f"{MAX_CHUNK} bytes")
    if texts["--links"] not in LINK_POLICIES:
        raise UsageError("--links must be inside, never or always")
    return Options(positional[0], positional[1], chunk, values["--bwlimit"], fresh,
                   texts["--root"] or None, texts["--links"])


# The engine's command: the cached module under `python -I -S`. -S skips site-packages (and any
# .pth import hooks), -I keeps the environment and the current folder out; the package's folder is
# appended to sys.path so the standard library still comes first. A script run by its path would be
# compiled on every start; this imports the cached bytecode. A process this short needs no cyclic GC.
_BOOT = ("import gc, sys; gc.disable(); sys.path.append({root!r}); "
         "from plexsh.engine.copier import run; run()")


def command(python: str | None = None) -> list[str]:
    """The copier's command, for the engine to append SOURCE PARTIAL and options to: in effect
    `python -m plexsh.engine.copier`, but starting in about half the time (see _BOOT)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return [python or sys.executable, "-I", "-S", "-c", _BOOT.format(root=root)]


def argv(source: str | os.PathLike, partial: str | os.PathLike, *, chunk_size: int | None = None,
         bwlimit: int | None = None, fresh: bool = False, root: str | None = None,
         links: str = "inside", python: str | None = None) -> list[str]:
    """The whole command for one file.

    >>> argv("/nas/a.mkv", "/local/.a.mkv.plexsh-partial", chunk_size=65536, python="py")[5:]
    ['--chunk-size', '65536', '--', '/nas/a.mkv', '/local/.a.mkv.plexsh-partial']
    """
    options = []
    if chunk_size:
        options += ["--chunk-size", str(chunk_size)]
    if bwlimit:
        options += ["--bwlimit", str(bwlimit)]
    if fresh:
        options.append("--fresh")
    if root:
        options += ["--root", root, "--links", links]
    return command(python) + options + ["--", os.fspath(source), os.fspath(partial)]


def jsonline(value) -> str:
    """JSON on one line for events and the state file (dicts, lists, str, int, float, bool, None).

    >>> import json
    >>> event = {"event": "error", "message": 'a "b"\\n\\udcff é', "bytes": 3, "x": [None, True, 0.5]}
    >>> json.loads(jsonline(event)) == event and jsonline(event) == json.dumps(event, separators=(",", ":"))
    True
    """
    if _quote is None:  # pragma: no cover
        import json
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(_quote(k) + ":" + jsonline(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(jsonline(v) for v in value) + "]"
    raise TypeError(f"not JSON: {type(value).__name__}")


class Events:
    """The JSON lines on stdout, each written whole with one os.write."""

    def __init__(self, fd: int = 1):
        self.fd = fd
        self.last_progress = -1.0
        self.last_verify = -1.0
        self.gone = False

    def emit(self, event: str, **fields) -> None:
        if self.gone:
            return
        data = (jsonline({"event": event, **fields}) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:  # the engine stopped reading: leave a resumable partial and stop
            self.gone = True
            Stop.requested = True

    def progress(self, done: int, total: int, resumed_from: int, force: bool = False,
                 **extra) -> None:
        now = time.monotonic()
        if force or now - self.last_progress >= PROGRESS_INTERVAL:
            self.last_progress = now
            self.emit("progress", bytes=done, total=total, resumed_from=resumed_from, **extra)

    def verify(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.last_verify < 0 or now - self.last_verify >= PROGRESS_INTERVAL:
            self.last_verify = now
            self.emit("verify", bytes=done, total=total)


def _unescape(field: str) -> str:
    r"""Undo mountinfo's octal escapes.

    >>> _unescape(r"/mnt/my\040nas")
    '/mnt/my nas'
    """
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_type(path: str) -> str:
    """The type of the file system holding path ("ext4", "nfs4", "fuse.sshfs" ...), "" if unknown."""
    try:
        real = os.path.realpath(path)
        with open("/proc/self/mountinfo", "rb") as f:
            lines = f.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return ""
    best, fstype = -1, ""
    for line in lines:
        left, sep, right = line.partition(" - ")
        fields = left.split(" ")
        if not sep or len(fields) < 5:
            continue
        mount = _unescape(fields[4])
        if real == mount or real.startswith(mount.rstrip("/") + "/"):
            if len(mount) >= best:  # later lines are mounted over earlier ones
                best, fstype = len(mount), right.split(" ", 1)[0]
    return fstype


def identity(path: str, st: os.stat_result, stable_inodes: bool) -> dict:
    """What must not change for a partial to stay valid, and during a copy."""
    ident = {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if stable_inodes:
        ident["dev"], ident["ino"] = st.st_dev, st.st_ino
    return ident


def load_state(path: str) -> tuple[dict | None, str | None]:
    """(state, None), (None, None) when there is none, or (None, why it cannot be used)."""
    try:
        # Without blocking and only a regular file: a FIFO at this name would hold open() until a
        # writer came, deaf to every signal but SIGKILL.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        return None, None
    except OSError:
        return None, "checkpoint unreadable"
    try:
        if os.fstat(fd).st_mode & 0o170000 != 0o100000:
            return None, "checkpoint unreadable"
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError:
        return None, "checkpoint unreadable"
    finally:
        os.close(fd)
    import json  # only when resuming; its import costs more than copying a small file
    try:
        state = json.loads(data)
        assert state["format"] == STATE_FORMAT and isinstance(state["source"], dict)
        checkpoints = [(int(end), str(digest)) for end, digest in state["checkpoints"]]
        assert all(a[0] < b[0] for a, b in zip(checkpoints, checkpoints[1:]))
    except (ValueError, KeyError, TypeError, AssertionError):
        return None, "checkpoint unreadable"
    return {"source": state["source"], "checkpoints": checkpoints}, None


def save_state(path: str, source: dict, checkpoints: list) -> None:
    """Replace the state file atomically (temp file + rename); raises OSError."""
    tmp = f"{path}.tmp"  # PATH is beside(partial, "state"): short, so this is too
    data = (jsonline({"format": STATE_FORMAT, "source": source,
                      "checkpoints": [list(c) for c in checkpoints]}) + "\n").encode()
    try:
        # O_NOFOLLOW: a symlink planted at this name must not have its target overwritten.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def buffers(count: int, size: int) -> list[memoryview]:
    """COUNT page-aligned buffers of SIZE bytes.

    A bytearray's bytes start 16 bytes past a page boundary, and the kernel's copies between the
    page cache and such a buffer ran 3-5 times slower than with an aligned one on this machine's
    AMD cores (`rep movsb` with source and destination 16 bytes apart modulo 4 KiB). Anonymous mmap
    memory is page-aligned.
    """
    stride = -(-size // PAGE) * PAGE
    area = memoryview(mmap.mmap(-1, stride * count))
    return [area[i * stride:i * stride + size] for i in range(count)]


def same(a: memoryview, b: memoryview) -> bool:
    """Byte equality of two buffers with one memcmp (memoryview's own == compares byte by byte,
    a hundred times slower; a copy of one side to bytes is cheap while it is in the cache).

    >>> a, b = buffers(2, 10)
    >>> a[:3] = b"abc"; b[:3] = b"abc"
    >>> same(a, b), same(a[:2], b[:2]), same(a[:3], b[1:4])
    (True, True, False)
    """
    return len(a) == len(b) and bytes(a).startswith(b)


def remove_file(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class InlineHasher:
    """Reads each written block back from PARTIAL, compares it with what was written, then hashes
    it, on the copying thread (small files). A checkpoint is recorded at each chunk end, so it only
    ever covers bytes that were written, read back equal and hashed."""

    def __init__(self, digest, block: int, dst: int):
        self.digest = digest
        self.dst = dst
        self.checkpoints: list[tuple[int, str]] = []
        self._pair = tuple(buffers(2, block))

    def buffers(self) -> tuple[memoryview, memoryview]:
        """A buffer to read the source into and one to read the partial back into."""
        return self._pair

    def submit(self, buf: memoryview, back: memoryview, n: int, offset: int,
               chunk_end: int) -> None:
        self.read_back(buf, back, n, offset)
        self.hash(buf, n, chunk_end)

    def read_back(self, buf: memoryview, back: memoryview, n: int, offset: int) -> None:
        got = 0
        try:
            while got < n and (k := os.preadv(self.dst, [back[got:n]], offset + got)):
                got += k
        except OSError as e:
            raise CopyError("dest_unwritable", f"cannot read the partial file back at byte "
                            f"{offset + got}: {errno_text(e)}") from None
        if got != n or not same(back[:n], buf[:n]):
            raise CopyError("dest_unwritable", "the partial file does not read back what was "
                            f"written at bytes {offset}-{offset + n}")

    def hash(self, buf: memoryview, n: int, chunk_end: int) -> None:
        self.digest.update(buf[:n])
        if chunk_end:
            self.checkpoints.append((chunk_end, self.digest.copy().hexdigest()))

    def finish(self) -> None:
        pass


class ThreadedHasher(InlineHasher):
    """The same, with the hashing on a second thread, in order, while the copying thread reads,
    writes, reads back and compares the next blocks (hashlib releases the GIL). SHA-256 alone is
    about 0.8 CPU-seconds per GiB here and the rest together a little less, so the two threads
    are about even (with the read-back on the hashing thread instead, a copy took 40% longer).
    A ring of buffer pairs bounds how far the copy runs ahead of the hash."""

    def __init__(self, digest, block: int, dst: int, count: int = RING):
        import queue
        import threading
        self.digest = digest
        self.dst = dst
        self.checkpoints = []
        self._empty = queue.Empty
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        pool = buffers(2 * count, block)
        for i in range(count):
            self._free.put((pool[2 * i], pool[2 * i + 1]))
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            self.hash(item[0], item[2], item[4])
            self._free.put(item[:2])

    def buffers(self) -> tuple[memoryview, memoryview]:
        while True:
            try:
                return self._free.get(timeout=1.0)
            except self._empty:
                if not self._thread.is_alive():
                    raise RuntimeError("the hashing thread stopped") from None

    def submit(self, buf: memoryview, back: memoryview, n: int, offset: int,
               chunk_end: int) -> None:
        self.read_back(buf, back, n, offset)
        self._work.put((buf, back, n, offset, chunk_end))

    def finish(self) -> None:
        if self._thread.is_alive():
            self._work.put(None)
            self._thread.join()


class Throttle:
    """A token bucket: about `rate` bytes a second, never more than one chunk ahead (so a pause
    under SIGSTOP is not made up for with a burst)."""

    def __init__(self, rate: int, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens = 0.0
        self.stamp = time.monotonic()

    def take(self, n: int) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate) - n
        self.stamp = now
        while self.tokens < 0 and not stopping():
            time.sleep(min(-self.tokens / self.rate, 0.05))
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now


def errno_text(e: OSError) -> str:
    return os.strerror(e.errno) if e.errno else str(e)


def open_partial(path: str) -> int:
    """PARTIAL opened for writing (created if new), refused unless it is a regular file.

    O_NOFOLLOW: through a symlink planted at PARTIAL's name the copy would overwrite (and first cut
    back) whatever file it points to, and the link would be renamed into place."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    except OSError as e:
        if e.errno == 40:  # ELOOP: PARTIAL is a symlink
            raise CopyError("dest_unwritable", "PARTIAL is a symlink: the copy is never written "
                            "through one") from None
        kind = "no_space" if e.errno in NO_SPACE else "dest_unwritable"
        raise CopyError(kind, f"cannot open the partial file: {errno_text(e)}") from None
    if (os.fstat(fd).st_mode & 0o170000) != 0o100000:
        os.close(fd)
        raise CopyError("dest_unwritable", "PARTIAL is not a regular file")
    os.set_blocking(fd, True)
    return fd


class Copy:
    """One run of the copier over one file; `run()` returns the exit status."""

    # What done's sha256 and dest_sha256 prove (see the module docstring).
    GUARANTEE = "sha256-of-source-as-read"

    def __init__(self, opts: Options, events: Events):
        self.opts = opts
        self.events = events
        self.state_path = beside(opts.partial, "state")
        self.src = self.dst = -1
        self.size = 0
        self.resumed_from = 0
        self.kept: list[tuple[int, str]] = []    # verified checkpoints from an earlier run
        self.hasher: InlineHasher | None = None
        self.saved = 0                           # checkpoints in the state file now
        self.settled = False                     # PARTIAL cut back to its verified prefix
        self.started = time.monotonic()

    # -- setup -------------------------------------------------------------------------------

    def open(self) -> None:
        opts = self.opts
        try:
            # O_NONBLOCK: open() of a FIFO returns at once instead of waiting for a writer.
            self.src = os.open(opts.source, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
            st = os.fstat(self.src)
        except OSError as e:
            if e.errno in DENIED:  # not a fault of the network: no retry will change it
                why = "" if e.errno == 13 else f" ({errno_text(e)})"  # EACCES says no more than that
                raise CopyError("permission_denied",
                                f"permission denied: plexsh may not read the source{why}") from None
            raise CopyError("source_unreadable", f"cannot open the source: {errno_text(e)}") from None
        if not (st.st_mode & 0o170000) == 0o100000:
            what = FILE_TYPES.get(st.st_mode & 0o170000, "special file")
            raise CopyError("source_refused",
                            f"the source is not a regular file but a {what}: only files are copied")
        os.set_blocking(self.src, True)
        if opts.root and opts.links != "always":
            self.check_inside_root()
        self.size = st.st_size
        self.ident = identity(opts.source, st, filesystem_type(opts.source) in STABLE_INODES)
        self.dst = open_partial(opts.partial)
        dst_st = os.fstat(self.dst)
        if (dst_st.st_dev, dst_st.st_ino) == (st.st_dev, st.st_ino):
            raise CopyError("other", "PARTIAL is the source file itself")
        try:
            os.posix_fadvise(self.src, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except OSError:
            pass

    def check_inside_root(self) -> None:
        """Refuse a source that is not where the walk would have listed it: outside its source
        root through a symlink (links inside), or behind any symlink below the root (never). The
        file checked is the one opened, as the kernel names it, not the path looked up again."""
        opts = self.opts
        try:
            opened = os.readlink(f"/proc/self/fd/{self.src}")
        except OSError:
            opened = os.path.realpath(opts.source)
        root = os.path.realpath(opts.root)
        if opts.links == "never":
            rel = os.path.relpath(os.path.abspath(opts.source), os.path.abspath(opts.root))
            if opened != os.path.normpath(os.path.join(root, rel)):
                raise CopyError("source_refused", "the source is reached through a symlink "
                                "(discovery.follow_symlinks: never)")
        elif opened != root and not opened.startswith(root.rstrip("/") + "/"):
            raise CopyError("source_refused", "the source leads outside its source folder (a symlink): "
                            "only links inside a source are followed (discovery.follow_symlinks: inside)")

    def resume(self) -> tuple[object, str | None, int]:
        """Decide where to start; returns (running hash, restart_reason, bytes discarded)."""
        partial_size = os.fstat(self.dst).st_size
        state, problem = (None, None) if self.opts.fresh else load_state(self.state_path)
        had_any = partial_size > 0 or state is not None or problem is not None \
            or os.path.exists(self.state_path)
        digest, verified, reason = hashlib.sha256(), 0, None
        if self.opts.fresh:
            reason = "fresh requested" if had_any else None
        elif problem:
            reason = problem
        elif state is None:
            reason = "no checkpoint" if partial_size else None
        elif state["source"] != self.ident:
            reason = "source changed"
        else:
            verified, digest = self.verify_partial(state["checkpoints"], partial_size)
            if not verified and partial_size:
                reason = "partial failed verification"
        try:
            if partial_size != verified:
                os.ftruncate(self.dst, verified)
            if not verified:
                remove_file(self.state_path)
            elif len(self.kept) < len(state["checkpoints"]):
                save_state(self.state_path, self.ident, self.kept)
        except OSError as e:
            kind = "no_space" if e.errno in NO_SPACE else "dest_unwritable"
            raise CopyError(kind, f"cannot cut the partial file back: {errno_text(e)}") from None
        self.resumed_from = verified
        self.saved = len(self.kept)
        self.settled = True
        return digest, reason, partial_size - verified

    def verify_partial(self, checkpoints: list, partial_size: int) -> tuple[int, object]:
        """The longest prefix of PARTIAL whose running SHA-256 matches the checkpoints."""
        digest = hashlib.sha256()
        good, good_digest, pos = 0, digest.copy(), 0
        view = buffers(1, BLOCK)[0]
        usable = [c for c in checkpoints if c[0] <= min(partial_size, self.size)]
        if usable:
            self.events.verify(0, usable[-1][0])
        for end, expected in usable:
            while pos < end:
                if stopping():
                    raise Cancelled
                try:
                    n = os.preadv(self.dst, [view[:min(BLOCK, end - pos)]], pos)
                except OSError:
                    n = 0
                if n == 0:
                    break
                digest.update(view[:n])
                pos += n
                self.events.verify(pos, usable[-1][0])
            if pos != end or digest.hexdigest() != expected:
                break
            good, good_digest = end, digest.copy()
            self.kept.append((end, expected))
        return good, good_digest

    # -- the copy ----------------------------------------------------------------------------

    def checkpoints(self) -> list:
        return self.kept + (self.hasher.checkpoints if self.hasher else [])

    def save(self, final: bool = False) -> None:
        """Write the state if there are new checkpoints. On the way out after a failure, a disk
        too full for the state file gives back chunks of the partial until the state fits."""
        checkpoints = self.checkpoints()
        if len(checkpoints) == self.saved and not final:
            return
        while True:
            try:
                end = checkpoints[-1][0] if checkpoints else 0
                if final and os.fstat(self.dst).st_size != end:
                    os.ftruncate(self.dst, end)
                if checkpoints:
                    save_state(self.state_path, self.ident, checkpoints)
                else:
                    remove_file(self.state_path)
                self.saved = len(checkpoints)
                return
            except OSError as e:
                if not final:
                    kind = "no_space" if e.errno in NO_SPACE else "dest_unwritable"
                    raise CopyError(kind, f"cannot write the checkpoint: {errno_text(e)}") from None
                if e.errno not in NO_SPACE or not checkpoints:
                    return  # the older state file, if any, still matches a prefix of the partial
                checkpoints = checkpoints[:-1]

    def check_source(self) -> None:
        """Fail with source_changed if the open file or the file at the path is not as it was."""
        try:
            now = identity(self.opts.source, os.fstat(self.src), "ino" in self.ident)
            at_path = identity(self.opts.source, os.stat(self.opts.source), "ino" in self.ident)
        except FileNotFoundError:
            raise CopyError("source_changed", "the source was removed or renamed during the copy") \
                from None
        except OSError as e:
            raise CopyError("source_unreadable", f"cannot stat the source: {errno_text(e)}") from None
        if now != self.ident or at_path != self.ident:
            what = [k for k in ("size", "mtime_ns", "dev", "ino")
                    if now.get(k) != self.ident.get(k) or at_path.get(k) != self.ident.get(k)]
            raise CopyError("source_changed", "the source changed during the copy ("
                            + ", ".join(what) + ")")

    def read_block(self, view: memoryview, n: int, offset: int) -> None:
        got = 0
        while got < n:
            try:
                k = os.preadv(self.src, [view[got:n]], offset + got)
            except OSError as e:
                raise CopyError("source_unreadable",
                                f"read error at byte {offset + got}: {errno_text(e)}") from None
            if k == 0:
                raise CopyError("source_changed", f"the source ended early, at byte {offset + got} "
                                f"of {self.size}")
            got += k

    def write_block(self, view: memoryview, n: int, offset: int) -> None:
        done = 0
        try:
            while done < n:
                done += os.pwrite(self.dst, view[done:n], offset + done)
        except OSError as e:
            kind = "no_space" if e.errno in NO_SPACE else "dest_unwritable"
            raise CopyError(kind, f"write error at byte {offset + done}: {errno_text(e)}") from None

    def copy(self, digest) -> int:
        """Copy from resumed_from to the end; returns the bytes read from the source."""
        size, chunk, start = self.size, self.opts.chunk_size, self.resumed_from
        block = min(BLOCK, chunk)
        if size - start > SERIAL_MAX:
            self.hasher = ThreadedHasher(digest, block, self.dst)
        else:
            self.hasher = InlineHasher(digest, block, self.dst)
        throttle = Throttle(self.opts.bwlimit, chunk) if self.opts.bwlimit else None
        last_save = time.monotonic()
        offset = start
        chunk_end = min(size, (offset // chunk + 1) * chunk)
        while offset < size:
            if stopping():
                raise Cancelled
            n = min(block, chunk_end - offset)
            if throttle:
                throttle.take(n)
                if stopping():
                    raise Cancelled
            view, back = self.hasher.buffers()
            self.read_block(view, n, offset)
            self.write_block(view, n, offset)
            if offset + n == chunk_end:
                self.hasher.submit(view, back, n, offset, chunk_end)
                offset += n
                self.check_source()
                if TEST_FAULT and self.checkpoints():
                    self.faults_for_tests_mid_copy()
                chunk_end = min(size, chunk_end + chunk)
                if time.monotonic() - last_save >= CHECKPOINT_INTERVAL:
                    self.save()
                    last_save = time.monotonic()
            else:
                self.hasher.submit(view, back, n, offset, 0)
                offset += n
            self.events.progress(offset, size, start)
        self.hasher.finish()
        self.check_source()
        return offset - start

    def faults_for_tests_mid_copy(self) -> None:
        """The test hook's faults in the middle of a copy (see TEST_FAULT)."""
        if fault_for_tests("hang"):
            self.save()
            while True:
                time.sleep(3600)
        if fault_for_tests("crash"):
            raise RuntimeError("test fault: crash")
        if fault_for_tests("exit"):
            os.write(2, b"test fault: exit\n")
            os._exit(3)

    def confirm(self, dest_sha256: str) -> tuple[str, str]:
        """(the source's SHA-256, the guarantee behind it) for a copy whose bytes hash to dest_sha256.
        Equal here by construction: every byte of PARTIAL was read back and compared with the hashed
        source bytes, or re-hashed against a checkpoint (see the module docstring)."""
        return dest_sha256, self.GUARANTEE

    def close(self) -> None:
        for fd in (self.src, self.dst):
            if fd >= 0:
                os.close(fd)
        self.src = self.dst = -1

    def run(self) -> int:
        events = self.events
        try:
            self.open()
            digest, reason, discarded = self.resume()
            extra = {}
            if reason:
                extra["restart_reason"] = reason
            if discarded:
                extra["discarded"] = discarded
            events.progress(self.resumed_from, self.size, self.resumed_from, force=True, **extra)
            copied = self.copy(digest)
            if os.fstat(self.dst).st_size != self.size:
                raise CopyError("dest_unwritable", "the partial file has the wrong size at the end")
            dest_sha256 = digest.hexdigest()
            sha256, guarantee = self.confirm(dest_sha256)
            # The state stays, its last checkpoint at the end, until the engine has the copy in place
            # (its _commit removes it): after a rename that failed, a retry re-hashes the whole
            # partial instead of copying it again. If it cannot be written, the older state still
            # names a verified prefix.
            try:
                self.save()
            except CopyError:
                pass
            # What the engine checks just before the rename: the file these bytes were hashed in,
            # untouched since (the change time moves with any write, and nobody can set it back).
            st = os.fstat(self.dst)
            identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            events.progress(self.size, self.size, self.resumed_from, force=True)
            reported = self.size
            if TEST_FAULT:  # the test hook's lies (see TEST_FAULT)
                if fault_for_tests("lie-size"):
                    reported += 1
                if fault_for_tests("lie-sha256"):
                    dest_sha256 = dest_sha256[:-1] + ("0" if dest_sha256[-1] != "0" else "1")
            events.emit("done", bytes=reported, copied=copied, sha256=sha256,
                        dest_sha256=dest_sha256, guarantee=guarantee, resumed_from=self.resumed_from,
                        identity=identity, seconds=round(time.monotonic() - self.started, 3), **extra)
            return EXIT_OK
        except Cancelled:
            kept = self.wind_down()
            events.emit("cancelled", bytes=kept, total=self.size, resumed_from=self.resumed_from)
            return EXIT_CANCELLED
        except CopyError as e:
            # A changed source or a failed source-side check makes the partial worthless: the
            # caller fetches the file again.
            kept = self.wind_down(discard=e.kind in ("source_changed", "verify"))
            events.emit("error", kind=e.kind, message=e.message, bytes=kept)
            return EXIT_ERROR
        finally:
            self.close()

    def wind_down(self, discard: bool = False) -> int:
        """After a stop or failure: let the hasher finish its blocks, cut PARTIAL back to the last
        checkpoint and record the checkpoints. Returns the bytes kept. Before the partial has been
        checked (a stop during verification, an error on opening) nothing is touched."""
        if self.hasher:
            try:
                self.hasher.finish()
            except CopyError:
                pass  # already being reported, or the one that is
        if not self.settled:
            return 0
        if discard:
            self.kept, self.hasher = [], None
        self.save(final=True)
        checkpoints = self.checkpoints()[: self.saved] if self.saved else []
        return checkpoints[-1][0] if checkpoints else 0


def copy_one(opts: Options, events: Events, make=None) -> int:
    """One file (by Copy, or what `make(opts, events)` builds), every outcome an event; an
    unexpected exception is a bug, reported the same way."""
    try:
        return (make or Copy)(opts, events).run()
    except Exception as e:
        if os.environ.get("PLEXSH_DEBUG") == "1":
            import traceback
            traceback.print_exc()
        events.emit("error", kind="other", message=f"{type(e).__name__}: {e}", bytes=0)
        return EXIT_ERROR


def request_options(line: bytes) -> Options:
    """A serve request: one JSON object a line with the command line's fields.

    >>> o = request_options(b'{"source": "a.mkv", "partial": ".p", "chunk_size": 65536, "fresh": true}')
    >>> (o.source, o.partial, o.chunk_size, o.bwlimit, o.fresh)
    ('a.mkv', '.p', 65536, 0, True)
    """
    import json  # a worker pays for it once, for all the files it copies

    request = json.loads(line)
    args = ["--chunk-size", str(request.get("chunk_size") or DEFAULT_CHUNK),
            "--bwlimit", str(request.get("bwlimit") or 0)]
    if request.get("fresh"):
        args.append("--fresh")
    if request.get("root"):
        args += ["--root", request["root"], "--links", request.get("links") or "inside"]
    return parse_args(args + ["--", request["source"], request["partial"]])


def serve(events: Events) -> int:
    """Copy file after file as the engine asks, one JSON request a line on stdin, each answered by
    the same events as a single copy; end of input ends the worker. This saves the interpreter's
    start-up per file, most of the cost of a small one. A stop request ends the file in hand and the
    worker with it (exit 20); the engine then starts a fresh worker for the next file."""
    import gc

    gc.enable()  # a long-lived worker must not let reference cycles pile up
    stdin = sys.stdin.buffer
    while not Stop.requested:
        line = stdin.readline()
        if not line:
            return EXIT_OK
        if not line.strip():
            continue
        events.last_progress = events.last_verify = -1.0
        try:
            opts = request_options(line)
        except (ValueError, KeyError, TypeError, UsageError) as e:
            events.emit("error", kind="other", message=f"bad request: {e}", bytes=0)
            continue
        if copy_one(opts, events) == EXIT_CANCELLED:
            return EXIT_CANCELLED
    return EXIT_CANCELLED


def main(args: list[str] | None = None) -> int:
    events = Events()
    args = sys.argv[1:] if args is None else args
    for signum in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP):
        _signal.signal(signum, request_stop)
    Stop.parent = os.getppid()  # a copier whose engine died stops at a checkpoint
    if TEST_FAULT and fault_for_tests("ignore-sigterm"):
        _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
    if args == ["--serve"]:
        return serve(events)
    try:
        opts = parse_args(args)
    except UsageError as e:
        events.emit("error", kind="other", message=f"bad arguments: {e}", bytes=0)
        print(f"copier: {e}\n{USAGE}", file=sys.stderr)
        return EXIT_USAGE
    return copy_one(opts, events)


def run() -> None:
    """main(), then leave without the interpreter's teardown (module cleanup, a last full GC,
    OpenSSL's exit handlers): a few milliseconds per file, and nothing is left to flush."""
    code = main()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
