"""Exact duplicates: files of the same bytes, found by size, then first and last blocks, then SHA-256, in child processes.

The rules follow `jdupes -r` without options, so its groups are the oracle (tests/test_dupes_exact.py):
symlinks are never followed nor listed, empty files are left out (jdupes needs -z for them), hidden
files count, and names of one inode (hard links) are one file. jdupes drops a hard link of the file
its match tree met first and lists the later members' other names; both agree on the files (inodes)
of each group and on never grouping one inode's names alone, which is what is compared and what
plexsh reports: one member per inode, its other names beside it (removing or linking a member acts
on all of them, or nothing would be freed).
"""

from __future__ import annotations

import functools
import hashlib
import os
import zlib
import stat
import time
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from plexsh import interrupt
from plexsh.errors import PlexError
from plexsh.library.sources import ForkedChild, not_answering, wait_readable

# The partial hash reads this much at each end of a file: two reads whose cost (a seek each on a
# cold disk) does not depend on the size, and that tell apart most same-size files.
BLOCK = 4096
READ_SIZE = 1 << 20
# Hashing children: four per core, at most 8 (never more than there is work for). A child waits on
# the disk as often as it hashes: on a cold cache more children keep the cores busy (scripts/bench/dupes'
# tree, two cores: 3.4 s with two children, 3.0 s with four, 2.4 s with eight), and warm cost nothing.
WORKERS = max(2, min(8, 4 * (os.cpu_count() or 1)))
# A walk or a hashing child silent this long is reported (a dead mount), not waited on for ever.
SILENCE = 60.0
_BATCH = 2000
# Walking children: listing and stat-ing wait on the disk when cold and cost CPU when warm, both of
# which two children share out; the folders this deep are shared between them (see _walk_child).
WALKERS = 2
_SPLIT = 2


class FileEntry(NamedTuple):
    """One regular file found: its name (os.fsdecode'd), size, mtime and identity (device, inode, links).
    A tuple: a walk makes one per file, and a tuple is made ten times faster than a dataclass."""

    path: str
    size: int
    mtime_ns: int
    dev: int
    ino: int
    nlink: int = 1

    @property
    def inode(self) -> tuple[int, int]:
        return self.dev, self.ino


# FileEntry from a walk's tuple without FileEntry._make's Python-level call (20,000 a walk).
_new_entry = functools.partial(tuple.__new__, FileEntry)


@dataclass
class ExactSet:
    """Files (one per inode, by name order) holding the same bytes; `names` lists every name of each
    member's inode found, its own first."""

    sha256: str
    size: int
    members: list[FileEntry]
    names: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Found:
    """What a search found: the exact sets, and what it left out and why (counts, for the report)."""

    sets: list[ExactSet]
    files: int = 0
    empty: int = 0
    unreadable: list[str] = field(default_factory=list)
    hashed_bytes: int = 0
    reused: int = 0
    seconds: float = 0.0


# --- walking a folder ----------------------------------------------------------------------


def walk(root: str, progress: Callable[[str], None] | None = None,
         walkers: int = WALKERS) -> tuple[list[FileEntry], list[str]]:
    """Every regular file under ROOT (never through a symlink, so never out of it), read in forked
    children (WALKERS, each its share of the folders) so a dead mount is reported rather than hung on;
    the folders they could not read."""
    if not os.path.isdir(root):
        raise PlexError(f"{root}: {'no such folder' if not os.path.lexists(root) else 'not a folder'}")
    children = [ForkedChild(lambda send, part=part: _walk_child(root, send, part, walkers))
                for part in range(walkers)]
    entries: list[FileEntry] = []
    problems: list[str] = []
    with closing(_messages(children, f"{root}: {not_answering(SILENCE)}")) as messages:
        for message in messages:
            if message[0] == "files":
                entries.extend(map(_new_entry, message[1]))
                if progress:
                    progress(f"{len(entries):,} files found")
            elif message[0] == "unreadable":
                problems.append(message[1])
            elif message[0] == "crashed":
                raise PlexError(f"{root}: the walk failed: {message[1]}")
    return entries, problems


def _messages(children: list, silent: str):
    """Every message of CHILDREN as it comes, until all have ended; one silent for SILENCE seconds is
    a dead mount (PlexError SILENT). Any stop (that error, Ctrl-C, or the caller's own error, which
    closes the generator: callers hold it in `closing`) kills them all."""
    try:
        while any(c.open for c in children):
            open_children = [c for c in children if c.open]
            deadline = min(c.last_heard for c in open_children) + SILENCE
            ready = wait_readable([c.fd for c in open_children], deadline - time.monotonic())
            if not ready:
                raise PlexError(silent)
            for child in open_children:
                if child.fd in ready:
                    yield from child.read()
    except BaseException:
        for child in children:
            child.kill()
        raise


def _walk_child(root: str, send, part: int = 0, parts: int = 1) -> None:  # pragma: no cover - in the child
    """The files of this child's share of the folders under ROOT (PART of PARTS): a folder SPLIT deep
    is one child's (by a checksum of its name, so the children need not talk), with all below it;
    every child lists the folders above, to find those, and one keeps their files. A folder that
    appears or goes between two children's listings is walked once or not at all, never twice."""
    batch: list[tuple] = []
    folders = [(root, 0)]
    while folders:
        folder, depth = folders.pop()
        mine = parts == 1 or depth > _SPLIT or zlib.crc32(folder.encode("utf-8", "surrogateescape")) % parts == part
        if depth == _SPLIT and not mine:
            continue
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append((entry.path, depth + 1))
                            continue
                        if not mine or not entry.is_file(follow_symlinks=False):
                            continue  # symlinks, devices, sockets, fifos: never followed or read
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue  # gone since it was listed
                    batch.append((entry.path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino, st.st_nlink))
                    if len(batch) >= _BATCH:
                        send(("files", batch))
                        batch = []
        except OSError as error:
            if mine:
                send(("unreadable", f"{folder}: {error.strerror or error}"))
    if batch:
        send(("files", batch))


def entries_of(paths: Iterable[str]) -> list[FileEntry]:
    """FileEntry of each path that is a regular file now (lstat: a symlink is not one)."""
    found = []
    for path in paths:
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            found.append(FileEntry(path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino, st.st_nlink))
    return found


# --- grouping ------------------------------------------------------------------------------


def exact_sets(entries: Iterable[FileEntry], known: Callable[[list[FileEntry]], dict] | None = None,
               store: Callable[[list[tuple[FileEntry, str | None, str | None]]], None] | None = None,
               progress: Callable[[str], None] | None = None, workers: int = WORKERS) -> Found:
    """Group ENTRIES by their bytes: by size (empty files left out, as jdupes does), then a digest of the
    first and last blocks, then SHA-256; only files that share a size and ends are read whole.

    KNOWN(files) gives what is stored of some of them (path -> (SHA-256 or None, ends digest or None)),
    so a second run reads nothing unchanged; STORE receives (file, SHA-256, ends) of what was computed.
    Hashing runs in WORKERS forked children, whole size classes to each, and can be cancelled
    (plexsh.interrupt)."""
    started = time.monotonic()
    by_inode: dict[tuple[int, int], list[FileEntry]] = defaultdict(list)
    empty = 0
    for entry in entries:
        if entry.size == 0:
            empty += 1
            continue
        by_inode[entry.dev, entry.ino].append(entry)
    files = [names[0] if len(names) == 1 else min(names) for names in by_inode.values()]  # tuples: path first
    by_size: dict[int, list[FileEntry]] = defaultdict(list)
    for entry in files:
        by_size[entry.size].append(entry)
    classes = [members for members in by_size.values() if len(members) > 1]
    candidates = [e for members in classes for e in members]
    facts: dict[str, tuple[str | None, str | None]] = dict(known(candidates)) if known and candidates else {}
    reused = sum(1 for e in candidates if e.path in facts)
    work = [[(e.path, e.size, *facts.get(e.path, (None, None))) for e in members] for members in classes]
    work = [members for members in work if _needs_reading(members)]
    computed, unreadable, hashed_bytes = _hash_in_children(work, workers, progress)
    for path, (sha, ends) in computed.items():
        old_sha, old_ends = facts.get(path, (None, None))
        facts[path] = (sha or old_sha, ends or old_ends)
    if store and computed:
        by_path = {e.path: e for e in candidates}
        store([(by_path[path], *facts[path]) for path in computed])
    sets = []
    for members in classes:
        by_hash: dict[str, list[FileEntry]] = defaultdict(list)
        for entry in members:
            sha = facts.get(entry.path, (None, None))[0]
            if sha is not None:
                by_hash[sha].append(entry)
        for sha, same in by_hash.items():
            if len(same) > 1:
                same.sort()  # by path: a FileEntry is a tuple, its path first, and paths differ
                names = {e.path: _names(by_inode[e.dev, e.ino]) for e in same}
                sets.append(ExactSet(sha, same[0].size, same, names))
    sets.sort(key=lambda s: (-s.size * (len(s.members) - 1), s.members[0].path))
    return Found(sets, len(files) + empty, empty, unreadable, hashed_bytes, reused, time.monotonic() - started)


def _names(of_inode: list[FileEntry]) -> list[str]:
    """Every name found of one inode, in order (one, but for hard links)."""
    return [of_inode[0].path] if len(of_inode) == 1 else sorted(n.path for n in of_inode)


def _whole(size: int) -> bool:
    """Whether the ends of a file this size are all of it (then only its SHA-256 is worth computing)."""
    return size <= 2 * BLOCK


def _alike(members) -> list[list[str]]:
    """The paths of a size class (path, size, sha, ends) that may hold the same bytes, in groups whose
    SHA-256s are needed: all of a small size; else those of ends another member shares (every member's
    ends known by then)."""
    if _whole(members[0][1]):
        return [[m[0] for m in members]]
    by_ends: dict[str, list[str]] = defaultdict(list)
    for path, _, _, ends in members:
        by_ends[ends].append(path)
    return [same for same in by_ends.values() if len(same) > 1]


def _needs_reading(members) -> bool:
    """Whether a size class has a file to read: ends unknown (a large size), or a hash it needs unknown."""
    if _whole(members[0][1]):
        return any(sha is None for _, _, sha, _ in members)
    if any(ends is None for _, _, _, ends in members):
        return True
    shas = {m[0]: m[2] for m in members}
    return any(shas[path] is None for same in _alike(members) for path in same)


def _hash_in_children(work: list[list[tuple]], workers: int,
                      progress: Callable[[str], None] | None) -> tuple[dict[str, tuple], list[str], int]:
    """The ends and SHA-256s WORK (size classes of (path, size, sha, ends)) needs, in forked children:
    path -> (SHA-256 or None, ends or None), the files that could not be read, the bytes read."""
    if not work:
        return {}, [], 0
    shares: list[list] = [[] for _ in range(min(workers, len(work)))]
    loads = [0] * len(shares)
    for members in sorted(work, key=lambda m: -m[0][1] * len(m)):
        least = loads.index(min(loads))  # whole classes, largest first, to the least loaded child
        shares[least].append(members)
        loads[least] += members[0][1] * len(members)
    total = sum(loads)
    children = [ForkedChild(lambda send, share=share: _hash_child(share, send)) for share in shares]
    found: dict[str, tuple] = {}
    unreadable: list[str] = []
    done = 0
    with closing(_messages(children, f"hashing stopped answering for {SILENCE:g} s (a dead mount?)")) as messages:
        for message in messages:
            if message[0] == "crashed":
                raise PlexError(f"hashing failed: {message[1]}")
            _, items, read = message
            for kind, path, value in items:
                if kind == "hash":
                    found[path] = (value, found.get(path, (None, None))[1])
                elif kind == "ends":
                    found[path] = (found.get(path, (None, None))[0], value)
                else:
                    unreadable.append(value)
            done += read
            if progress and read:
                progress(f"hashing: {_percent(done, total)} of {_gib(total)} to compare")
    return found, unreadable, done


def _percent(done: int, total: int) -> str:
    return f"{100 * done // max(1, total)}%"


def _gib(size: int) -> str:
    from plexsh.sizes import format_size

    return format_size(size)


class _Outbox:
    """A hashing child's findings, sent in batches: a message per file would cost more than its
    hashing (each one wakes the parent), yet the parent hears often enough to show progress and to
    tell a busy child from one stuck on a dead mount."""

    EVERY = 0.05  # seconds
    MOST = 1000  # findings per message

    def __init__(self, send):
        self.send = send
        self.items: list[tuple] = []
        self.read = 0
        self.sent_at = time.monotonic()

    def add(self, kind: str, path: str, value: str, read: int = 0) -> None:
        self.items.append((kind, path, value))
        self.read += read
        if len(self.items) >= self.MOST or time.monotonic() - self.sent_at >= self.EVERY:
            self.flush()

    def unreadable(self, path: str, error: OSError) -> None:
        self.add("unreadable", path, f"{path}: {error.strerror or error}")

    def reading(self, read: int) -> None:
        """Bytes read: told as they are read, so a long file shows progress and is not taken for a
        dead mount."""
        self.read += read
        if time.monotonic() - self.sent_at >= self.EVERY:
            self.flush()

    def flush(self) -> None:
        if self.items or self.read:
            self.send(("found", self.items, self.read))
        self.items, self.read = [], 0
        self.sent_at = time.monotonic()


def _hash_child(share, send) -> None:  # pragma: no cover - runs in the forked child
    """Per size class: the ends not known yet, then the SHA-256s needed and not known yet."""
    out = _Outbox(send)
    for members in share:
        size = members[0][1]
        members = [list(m) for m in members]
        if not _whole(size):
            for member in members:
                if member[3] is None:
                    try:
                        member[3] = _ends(member[0], size)
                    except OSError as error:
                        out.unreadable(member[0], error)
                        member[3] = f"unreadable {member[0]}"  # matches nothing
                        continue
                    out.add("ends", member[0], member[3], 2 * BLOCK)
        shas = {m[0]: m[2] for m in members}
        for same in _alike(members):
            wanted = [path for path in same if shas[path] is None]
            if _whole(size):
                _hash_small(wanted, size, out)
            else:
                _hash_alike(wanted, out)
    out.flush()


def _hash_small(paths: list[str], size: int, out: _Outbox) -> None:  # pragma: no cover - in the child
    """The SHA-256 of each of PATHS, files small enough to be read in one go: once per distinct
    content (files of one small size mostly differ, so comparing them pairwise would read them over and over)."""
    by_content: dict[bytes, list[str]] = defaultdict(list)
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                content = os.read(fd, size + 1)
            finally:
                os.close(fd)
        except OSError as error:
            out.unreadable(path, error)
            continue
        by_content[content].append(path)
        out.reading(len(content))
    for content, same in by_content.items():
        sha = hashlib.sha256(content).hexdigest()
        for path in same:
            out.add("hash", path, sha)


# A lead file is read beside at most this many others (each an open file and a block in memory).
_FOLLOWERS = 32


def _hash_alike(paths: list[str], out: _Outbox) -> None:  # pragma: no cover - in the child
    """The SHA-256 of each of PATHS (files of one size and ends, likely the same bytes): the first is
    hashed and the others compared with it byte for byte as it is read. A file of the same bytes has
    the same SHA-256, so it is stored for each; a file that differs is hashed in a pass of its own.
    Comparing costs far less than SHA-256, so a pair of copies is hashed once, not twice."""
    while paths:
        lead, followers, rest = paths[0], paths[1:1 + _FOLLOWERS], paths[1 + _FOLLOWERS:]
        try:
            sha, same, differ, failed = _hash_and_compare(lead, followers, out)
        except OSError as error:
            out.unreadable(lead, error)
            paths = followers + rest
            continue
        out.add("hash", lead, sha)
        for path in same:
            out.add("hash", path, sha)
        for path, error in failed:
            out.unreadable(path, error)
        if differ and not same:  # files alike at both ends that differ inside (disk images?): each is
            for path in differ:  # hashed alone, so none is read over and over
                _hash_alike([path], out)
            differ = []
        paths = differ + rest


def _hash_and_compare(lead: str, followers: list[str], out: _Outbox) -> tuple[str, list[str], list[str], list[tuple]]:
    """LEAD's SHA-256 and, of FOLLOWERS: those holding the same bytes, those that differ, and those
    that could not be read (path, error). Never through a symlink."""
    digest = hashlib.sha256()
    fd = os.open(lead, os.O_RDONLY | os.O_NOFOLLOW)
    opened: list[tuple[str, int]] = []
    failed: list[tuple] = []
    differ: list[str] = []
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        for path in followers:
            try:
                opened.append((path, os.open(path, os.O_RDONLY | os.O_NOFOLLOW)))
            except OSError as error:
                failed.append((path, error))
        while True:
            chunk = os.read(fd, READ_SIZE)
            if chunk:
                digest.update(chunk)
            still = []
            for path, other in opened:
                try:
                    alike = os.read(other, READ_SIZE) == chunk
                except OSError as error:
                    failed.append((path, error))
                    os.close(other)
                    continue
                if alike:
                    still.append((path, other))
                else:
                    differ.append(path)
                    os.close(other)
            out.reading(len(chunk) * (1 + len(opened)))
            opened = still
            if not chunk:
                break
    finally:
        os.close(fd)
        for _, other in opened:
            os.close(other)
    return digest.hexdigest(), [path for path, _ in opened], differ, failed


def _ends(path: str, size: int) -> str:
    """A digest of the first and last BLOCK bytes (size is the same for the whole class)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        head = os.pread(fd, BLOCK, 0)
        tail = os.pread(fd, BLOCK, max(0, size - BLOCK))
    finally:
        os.close(fd)
    return hashlib.blake2b(head + tail, digest_size=16).hexdigest()


# --- the byte compare before anything is removed or linked -------------------------------------


def same_bytes(a: str, b: str) -> bool:
    """Whether the files A and B hold exactly the same bytes (read side by side, never through a symlink)."""
    fa = os.open(a, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        fb = os.open(b, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            if os.fstat(fa).st_size != os.fstat(fb).st_size:
                return False
            offset = 0
            while True:
                interrupt.check()
                chunk = os.pread(fa, READ_SIZE, offset)
                if chunk != os.pread(fb, READ_SIZE, offset):
                    return False
                if not chunk:
                    return True
                offset += len(chunk)
        finally:
            os.close(fb)
    finally:
        os.close(fa)
