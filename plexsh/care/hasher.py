"""The child that reads the local copies for verify: stats, SHA-256s (1 MiB reads into one buffer) and the destinations' walk, streamed back over a pipe."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from plexsh import interrupt
from plexsh.errors import PlexError
from plexsh.library.sources import ForkedChild, wait_readable
from plexsh.printable import printable

BLOCK = 1 << 20
PROGRESS_SECONDS = 0.2
WALK_BATCH = 500
# Test hook: the child stops answering after this many files, as a reader stuck on a dead disk does.
HANG_AFTER = "PLEXSH_TEST_VERIFY_HANG_AFTER"
# plexsh's own files under a destination: partial copies, their state files, trashes (`.plexsh-trash-UID`).
OWN_PREFIX = ".plexsh-"


@dataclass(frozen=True)
class Task:
    """One file for the child: hash it, or only stat it (`quick`, a partial), or skip hashing when it
    still has the size and mtime of `unchanged` (checked already in the run being resumed) or a size
    other than `size` (what was recorded: its bytes cannot match)."""

    path: str
    hash: bool = True
    unchanged: tuple[int, int] | None = None
    size: int | None = None


def sha256_of(path: str, buffer: bytearray, report: Callable[[int], None] | None = None) -> tuple[int, str]:
    """(bytes read, hex SHA-256) of a file, read in blocks into `buffer`; `report(bytes so far)` now and then."""
    digest = hashlib.sha256()
    view = memoryview(buffer)
    done, last = 0, time.monotonic()
    with open(path, "rb", buffering=0) as f:
        try:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except (AttributeError, OSError):
            pass
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            done += n
            if report is not None and time.monotonic() - last >= PROGRESS_SECONDS:
                report(done)
                last = time.monotonic()
    return done, digest.hexdigest()


def _inspect(tasks: list[Task], roots: list[str], known: list[str], send) -> None:  # pragma: no cover - child
    """The child's work: each task's result in order, then the files under `roots` not in `known`
    (both resolved here, in the child: resolving touches the disks)."""
    known = frozenset(os.path.realpath(k) for k in known)
    buffer = bytearray(BLOCK)
    hang_after = int(os.environ.get(HANG_AFTER) or -1)
    for index, task in enumerate(tasks):
        while index == hang_after:
            time.sleep(3600)
        try:
            st = os.stat(task.path)
        except FileNotFoundError:
            send(("gone", index))
            continue
        except OSError as error:
            send(("error", index, error.strerror or str(error)))
            continue
        if not stat.S_ISREG(st.st_mode):
            send(("error", index, "not a regular file"))
            continue
        if not task.hash or task.unchanged == (st.st_size, st.st_mtime_ns) or \
                task.size not in (None, st.st_size):
            send(("stat", index, st.st_size, st.st_mtime_ns))
            continue
        try:
            size, sha256 = sha256_of(task.path, buffer, lambda done: send(("progress", index, done)))
        except OSError as error:
            send(("error", index, error.strerror or str(error)))
            continue
        send(("hashed", index, size, st.st_mtime_ns, sha256))
    batch, last = [], time.monotonic()
    for path, size in _files_under(roots):
        if path not in known:
            batch.append((path, size))
        if len(batch) >= WALK_BATCH or time.monotonic() - last >= PROGRESS_SECONDS:  # a heartbeat too
            send(("found", batch))
            batch, last = [], time.monotonic()
    send(("found", batch))


def _files_under(roots: Iterable[str]) -> Iterator[tuple[str, int]]:
    """(path, size) of every file under the roots, links not followed, plexsh's own hidden files skipped."""
    stack = [r for r in dict.fromkeys(os.path.realpath(r) for r in roots) if os.path.isdir(r)]
    seen: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue  # one destination inside another
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(OWN_PREFIX):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield entry.path, entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue


def inspect(tasks: list[Task], roots: list[str], known: Iterable[str], *, timeout: float,
            on_message: Callable[[tuple], None], on_quiet: Callable[[], None] = lambda: None,
            quiet: float = 0.25) -> None:
    """Run the child over TASKS (then the walk of ROOTS, skipping the KNOWN paths) and hand each message to
    `on_message` as it arrives; `on_quiet()` runs when nothing came for `quiet` seconds. Ctrl-C (plexsh.interrupt) kills the child at once; a child silent for
    `timeout` seconds (a disk that stopped answering) is killed and abandoned, and PlexError names the file."""
    known = list(known)
    child = ForkedChild(lambda send: _inspect(tasks, roots, known, send))
    current = 0
    try:
        while child.open:
            left = child.last_heard + timeout - time.monotonic()
            if not wait_readable([child.fd], min(left, quiet)):
                if left > quiet:
                    on_quiet()
                    continue
                where = printable(tasks[current].path) if current < len(tasks) else "the destinations"
                raise PlexError(f"reading {where} stopped answering (nothing for {timeout:g} s): "
                                "a disk or mount that hangs?",
                                "the files checked so far are recorded; `verify` again resumes after them")
            for message in child.read():
                if message[0] == "crashed":
                    raise PlexError(f"verify's reader failed: {message[1]}")
                if message[0] != "found":
                    current = message[1] + 1 if message[0] != "progress" else message[1]
                on_message(message)
                interrupt.check()
    except BaseException:
        child.kill()
        raise
    finally:
        if child.open:
            child.close()
