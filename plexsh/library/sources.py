"""Source specs from the config, and a reachability probe that a dead mount cannot hang."""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import struct
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from plexsh import interrupt
from plexsh.config import Config
from plexsh.location import RsyncDaemon, SshPath, is_remote, parse_location

# A remote probe's child gets this much longer than its rsync: rsync ends first and says why.
REMOTE_GRACE = 2.0
# Probes running at once. Each holds a child process and a pipe: thousands of sources started
# together ran out of open files (and select() cannot watch a descriptor past 1024). At 32, a
# hundred dead mounts cost four timeouts.
MAX_PROBES = 32
# Descriptors left for everything else while children run (the catalog, the log, rsync's pipes).
RESERVED_FILES = 32


@dataclass(frozen=True)
class SourceSpec:
    """One library folder: `name` is a short unique label ("Movies2"), `kind` "movies" or "tv".

    `root` is a local path, `rsync://host[:port]/module/path` or `[user@]host:/path` (ssh, with
    `ssh_key` from security.ssh_key_path).
    """

    name: str
    root: str
    kind: str
    ssh_key: str | None = field(default=None, compare=False)

    @property
    def remote(self) -> bool:
        return is_remote(self.root)

    @property
    def transport(self) -> str:
        """How the source is reached: "local" (a folder, perhaps a mounted share), "rsync" or "ssh"."""
        where = parse_location(self.root)
        return "rsync" if isinstance(where, RsyncDaemon) else "ssh" if isinstance(where, SshPath) else "local"

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "ssh_key"}, "remote": self.remote}


def _components(root: str) -> list[str]:
    """Path components of a local root or the path part of a remote one, outermost first."""
    where = parse_location(root)
    if isinstance(where, RsyncDaemon):
        root = root[len("rsync://"):]  # user, host and port count as one component: names stay as they were
    elif isinstance(where, SshPath):
        root = where.path
    return [part for part in root.replace("\\", "/").split("/") if part] or ["root"]


def _unique_names(roots: list[str]) -> list[str]:
    """The basename of each root, with parent components prefixed ("nas1-Movies") where they clash."""
    depth = {root: 1 for root in roots}
    while True:
        names = {root: "-".join(_components(root)[-depth[root]:]) for root in roots}
        count = Counter(names.values())
        clashing = [r for r in roots if count[names[r]] > 1]
        growable = [r for r in clashing if depth[r] < len(_components(r))]
        if not growable:
            break
        for root in growable:
            depth[root] += 1
    result, used = [], set()
    for root in roots:
        name, n = names[root], 2
        while name in used:  # the same tail at every depth: number them
            name, n = f"{names[root]}-{n}", n + 1
        used.add(name)
        result.append(name)
    return result


def sources_from_config(config: Config) -> list[SourceSpec]:
    """Every configured source, movies first, each root once."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind in ("movies", "tv"):
        for root in config.sources.get(kind, ()):
            key = root if is_remote(root) else os.path.normpath(root)
            if key not in seen:
                seen.add(key)
                entries.append((key, kind))
    names = _unique_names([root for root, _ in entries])
    key = os.fspath(config.security.ssh_key_path) if config.security.ssh_key_path else None
    return [SourceSpec(name, root, kind, key if is_remote(root) else None)
            for name, (root, kind) in zip(names, entries)]


# --- children that may hang ----------------------------------------------------------------

_abandoned: set[int] = set()


def child_slots(wanted: int) -> int:
    """How many forked children to run at once: `wanted`, or fewer under a low open-files limit
    (each running child holds a pipe, two descriptors while it starts).

    >>> 1 <= child_slots(32) <= 32
    True
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, (soft - RESERVED_FILES) // 2))


def wait_readable(fds: Sequence[int], timeout: float) -> list[int]:
    """The descriptors among `fds` that can be read (or were closed by the other end) within `timeout`
    seconds; poll() rather than select(), which fails on a descriptor numbered 1024 or more.

    Every wait on a child passes here: when the running command is cancelled (Ctrl-C in the shell)
    it wakes at once and raises CommandCancelled, and its caller kills the children it waited on.
    """
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN | select.POLLPRI)
    cancellation = interrupt.current()
    if cancellation is not None:
        poller.register(cancellation.fileno(), select.POLLIN)
    ready = [fd for fd, _ in poller.poll(max(0, math.ceil(timeout * 1000)))]
    interrupt.check()
    return ready


def reap_abandoned() -> int:
    """Collect children that were killed or abandoned earlier and have since exited; returns how many remain."""
    for pid in list(_abandoned):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _abandoned.discard(pid)
    return len(_abandoned)


class ForkedChild:
    """Runs `target(send)` in a forked child that streams pickled messages back through a pipe.

    The parent never blocks on the child: it reads what has arrived, and a child that stops
    answering (a stat stuck in uninterruptible sleep on a dead mount) is killed and, if it does
    not die, abandoned without being waited on.
    """

    _HEADER = struct.Struct("!I")

    def __init__(self, target: Callable[[Callable[[Any], None]], None]):
        reap_abandoned()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
            os.close(read_end)
            self._run_child(target, write_end)
        os.close(write_end)
        self.pid = pid
        self.fd = read_end
        self.started = time.monotonic()
        self.last_heard = self.started
        self._buffer = bytearray()
        self._open = True

    @classmethod
    def _run_child(cls, target, write_end: int) -> None:  # pragma: no cover - child side
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                signal.set_wakeup_fd(-1)  # the parent's event loop must not hear our signals
            except ValueError:
                pass

            def send(message: Any) -> None:
                data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(cls._HEADER.pack(len(data)) + data)
                while view:
                    view = view[os.write(write_end, view):]

            try:
                target(send)
            except BaseException as error:  # report it rather than dying silently
                code = 1
                send(("crashed", f"{type(error).__name__}: {error}", traceback.format_exc()))
        finally:
            os._exit(code)

    def fileno(self) -> int:
        return self.fd

    @property
    def open(self) -> bool:
        return self._open

    def read(self) -> list[Any]:
        """Messages that have fully arrived; call when select says the pipe is readable."""
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.close()
            return []
        self.last_heard = time.monotonic()
        self._buffer += chunk
        messages, offset, size = [], 0, self._HEADER.size
        while len(self._buffer) - offset >= size:
            (length,) = self._HEADER.unpack_from(self._buffer, offset)
            if len(self._buffer) - offset - size < length:
                break
            start = offset + size
            messages.append(pickle.loads(self._buffer[start:start + length]))
            offset = start + length
        del self._buffer[:offset]
        return messages

    def wait(self, timeout: float) -> list[Any] | None:
        """Read until the child closes its pipe; None if it stays silent for `timeout` seconds."""
        messages: list[Any] = []
        try:
            while self._open:
                if not wait_readable([self.fd], self.last_heard + timeout - time.monotonic()):
                    return None
                messages += self.read()
        except interrupt.CommandCancelled:
            self.kill()
            raise
        return messages

    def close(self) -> None:
        if self._open:
            os.close(self.fd)
            self._open = False
        self._reap(patience=1.0)

    def _reap(self, patience: float) -> None:
        """Collect the exited child, giving it `patience` seconds; otherwise leave it to reap_abandoned."""
        deadline = time.monotonic() + patience
        while True:
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            if time.monotonic() >= deadline:
                _abandoned.add(self.pid)
                return
            time.sleep(0.005)

    def kill(self) -> None:
        """SIGKILL the child; a child in uninterruptible sleep ignores it and is abandoned, never waited on."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self._open:
            os.close(self.fd)
            self._open = False
        self._reap(patience=0.05)


# --- probing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    reason: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def not_answering(timeout: float) -> str:
    return f"not answering after {timeout:g} s (a dead network mount?)"


def check_root(root: str) -> str | None:
    """Why `root` cannot be scanned (missing, not a folder, unreadable), or None if it can."""
    try:
        if not os.path.isdir(root):
            return "does not exist" if not os.path.lexists(root) else "is not a folder"
        with os.scandir(root) as entries:
            next(entries, None)
    except PermissionError:
        return "cannot be read (permission denied)"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    return None


def probe(spec: SourceSpec, timeout: float = 5.0) -> ProbeResult:
    """Check that a source exists, is a folder and can be listed, within `timeout` seconds.

    A remote source is listed (its root folder only) by rsync under connection timeouts and a
    hard time limit, so an unreachable host costs `timeout`, never a hang.
    """
    return probe_all([spec], timeout)[0][1]


def _check(spec: SourceSpec, timeout: float) -> str | None:
    if spec.remote:
        from plexsh.library.remote import check_root as check_remote_root

        return check_remote_root(spec, timeout)
    return check_root(spec.root)


def probe_all(specs: Iterable[SourceSpec], timeout: float = 5.0) -> list[tuple[SourceSpec, ProbeResult]]:
    """Probe sources concurrently, each in its own child, so N dead mounts cost one timeout, not N
    (up to MAX_PROBES at once; more cost a timeout per MAX_PROBES)."""
    specs = list(specs)
    results: list[ProbeResult | None] = [None] * len(specs)
    waiting = list(range(len(specs)))[::-1]  # popped from the end: in order
    running: dict[int, tuple[int, ForkedChild, float, list]] = {}  # fd -> (index, child, timeout, messages)
    slots = child_slots(MAX_PROBES)
    try:
        while waiting or running:
            while waiting and len(running) < slots:
                index = waiting.pop()
                spec = specs[index]
                child = ForkedChild(lambda send, s=spec: send(_check(s, timeout)))
                running[child.fileno()] = (index, child, timeout + (REMOTE_GRACE if spec.remote else 0.0), [])
            deadline = min(child.last_heard + limit for _, child, limit, _ in running.values())
            for fd in wait_readable(list(running), deadline - time.monotonic()):
                index, child, limit, messages = running[fd]
                messages += child.read()
                if not child.open:  # it has said all it will
                    del running[fd]
                    results[index] = _answer(child, messages, limit)
            now = time.monotonic()
            for fd, (index, child, limit, _) in list(running.items()):
                if now - child.last_heard >= limit:  # the clock started when the child did
                    del running[fd]
                    child.kill()
                    results[index] = _answer(child, None, limit)
    finally:  # an interrupted probe (Ctrl-C) leaves no child behind
        for _, child, _, _ in running.values():
            child.kill()
    return list(zip(specs, results))


def _answer(child: ForkedChild, messages: list[Any] | None, timeout: float) -> ProbeResult:
    """What a probe child's messages (None: it stayed silent for `timeout`) say of its source."""
    seconds = time.monotonic() - child.started
    if messages is None:
        return ProbeResult(False, not_answering(timeout), seconds)
    if not messages:
        return ProbeResult(False, "the probe ended without an answer", seconds)
    reason = messages[0]
    if isinstance(reason, tuple):  # ("crashed", message, traceback)
        return ProbeResult(False, reason[1], seconds)
    return ProbeResult(reason is None, reason or "ok", seconds)
