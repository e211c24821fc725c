"""Transfer plans: where each catalog file lands in the Plex layout, what is skipped, and whether it fits."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from plexsh import interrupt
from plexsh.engine.tempnames import partial_name
from plexsh.library.catalog import FileRow, Item, quality_lines
from plexsh.library.destinations import nearest_existing
from plexsh.library.pathtext import readable

__all__ = ["Plan", "PlanEntry", "Space", "best_version", "destination_for", "make_plan",
           "partial_path", "safe_name", "VERIFY_MODES"]

# How a copy is verified. sha256: the SHA-256 of the source itself (over the network, computed on
# the NAS); checksum (the default): each backend's own check without a second read of the source
# (local copies: the SHA-256 of the source as read; rsync: its transfer checksum plus the SHA-256
# of the received file); size: sizes only.
VERIFY_MODES = ("sha256", "checksum", "size")

_UNSAFE = re.compile(r"[/\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1 (U+0080-U+009F)
NAME_MAX = 255  # bytes in one path component on Linux file systems
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def _fs_bytes(text: str) -> int:
    return len(os.fsencode(text))


def _cut(text: str, limit: int) -> str:
    """The longest start of TEXT that takes at most LIMIT bytes on disk, never half a character."""
    text = text[:limit]  # no character takes less than a byte
    while _fs_bytes(text) > limit:
        text = text[:-1]
    return text


def safe_name(text: str) -> str:
    """A single path component for the local file system: no "/", no NUL or control
    characters (C0, DEL, C1: a terminal listing the folder would obey them), no leading dots or trailing spaces; unicode is kept. A name longer than a file
    system takes (255 bytes) is cut, keeping its extension, and marked with a short hash of the
    whole name, so two long names that differ only at the end stay apart.

    >>> safe_name("AC/DC: Live")
    'AC-DC: Live'
    >>> safe_name("Amélie")
    'Amélie'
    >>> safe_name("..")
    '_'
    >>> safe_name(" .hidden\\x00name ")
    'hidden-name'
    >>> long = safe_name("é" * 200 + " part 1.mkv")
    >>> len(long.encode()), long[-15:], long != safe_name("é" * 200 + " part 2.mkv")
    (255, '~4eca877a6b.mkv', True)
    """
    name = _UNSAFE.sub("-", text).strip().lstrip(".").rstrip(". ")
    if _fs_bytes(name) > NAME_MAX:
        found = _EXTENSION.search(name)
        extension = found.group() if found else ""
        mark = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:10] + extension
        stem = _cut(name[:len(name) - len(extension)], NAME_MAX - _fs_bytes(mark)).rstrip(". ")
        name = stem + mark
    return name or "_"


def destination_for(item: Item, file: FileRow, destinations: Mapping[str, Path]) -> Path:
    """Plex's layout: `movies/Title (Year)/<file>`, `tv/Show/Season 03/<file>` (specials: Season 00).

    >>> from plexsh.library.catalog import Item, FileRow
    >>> show = Item(1, "show", "Breaking Bad", 2008, 0, 1, 1, 1, None, None, (), 0.0)
    >>> ep = FileRow(1, 1, "/nas/x/bb.s03e01.mkv", "x/bb.s03e01.mkv", "TV", 1, 3, 1,
    ...              None, None, None, None, None, None, 0, 0.0, None)
    >>> str(destination_for(show, ep, {"movies": Path("/m"), "tv": Path("/tv")}))
    '/tv/Breaking Bad/Season 03/bb.s03e01.mkv'
    """
    name = safe_name(readable(Path(file.path).name))
    if item.kind == "show":
        season = file.season if file.season is not None else 0
        return Path(destinations["tv"]) / safe_name(item.title) / f"Season {season:02d}" / name
    folder = f"{item.title} ({item.year})" if item.year else item.title
    return Path(destinations["movies"]) / safe_name(folder) / name


def partial_path(destination: Path) -> Path:
    """The hidden temporary name a file is written under, in its destination folder: short, so
    that its state files fit beside it whatever the length of the final name (tempnames.py)."""
    return destination.with_name(partial_name(destination.name))


def best_version(files: Sequence[FileRow]) -> FileRow:
    """The file with the most lines of resolution; ties go to the larger file, then the first."""
    return max(files, key=lambda f: (quality_lines(f.resolution) or 0, f.size, -files.index(f)))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
            interrupt.check()  # a big file at a destination takes a while: Ctrl-C in the shell stops here
    return digest.hexdigest()


@dataclass(frozen=True)
class PlanEntry:
    """One file to copy (or skipped, with the reason)."""

    item: Item
    file: FileRow
    destination: Path
    partial: Path
    size: int
    skipped: str | None = None
    replaces: bool = False  # a different file is at the destination and `replace` was given

    @property
    def source(self) -> str:
        return self.file.path


@dataclass(frozen=True)
class Space:
    """Room on one destination file system: bytes still to write there and bytes free."""

    path: Path
    needed: int
    free: int

    @property
    def fits(self) -> bool:
        return self.needed <= self.free

    @property
    def free_after(self) -> int:
        return self.free - self.needed


@dataclass(frozen=True)
class Plan:
    entries: tuple[PlanEntry, ...]
    space: tuple[Space, ...] = field(default=())
    verify: str = "sha256"

    @property
    def to_copy(self) -> list[PlanEntry]:
        return [e for e in self.entries if e.skipped is None]

    @property
    def skipped(self) -> list[PlanEntry]:
        return [e for e in self.entries if e.skipped is not None]

    @property
    def total(self) -> int:
        """Bytes of the files to copy (skipped ones left out)."""
        return sum(e.size for e in self.to_copy)

    @property
    def fits(self) -> bool:
        return all(s.fits for s in self.space)


def _existing(entry: PlanEntry, verify: str, replace: bool, placed: Callable[[str], Any] | None) -> PlanEntry:
    """The entry as what is already at its destination leaves it: nothing there, the same file (skipped),
    plexsh's own older copy (replaced), or someone else's file (a conflict, skipped unless `replace`).

    Only the same size and SHA-256 make a file "already there"; `verify size` settles for the size.
    """
    try:
        st = os.stat(entry.destination, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return entry  # nothing there (a file in place of a folder fails the copy, with its reason)
    except OSError as error:
        return replace_fields(entry, skipped=f"conflict: {entry.destination} cannot be checked ({error.strerror})")
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "a link" if stat.S_ISLNK(st.st_mode) else "not a file"
        return replace_fields(entry, skipped=f"conflict: {what} is at {entry.destination}; plexsh leaves it alone")
    if st.st_size == entry.size and verify == "size":
        return replace_fields(entry, skipped="already there (same size)")
    digest = None  # the file is read at most once, and only when a recorded hash can settle it
    if st.st_size == entry.size and entry.file.sha256:
        digest = sha256_file(entry.destination)
        if digest == entry.file.sha256:
            return replace_fields(entry, skipped="already there (sha256 verified)")
    own = placed(str(entry.destination)) if placed is not None else None
    if own is not None and own.size == st.st_size and own.sha256 and \
            (digest or sha256_file(entry.destination)) == own.sha256:
        return replace_fields(entry, replaces=True)  # plexsh's copy of an older version, untouched since
    if replace:
        return replace_fields(entry, replaces=True)
    return replace_fields(entry, skipped=f"conflict: a different file is there ({st.st_size:,} bytes, not placed "
                                         "by plexsh); add `replace` to replace it")


def make_plan(selection: Iterable[tuple[Item, Sequence[FileRow]]], destinations: Mapping[str, Path], *,
              verify: str = "sha256", all_versions: bool = False, replace: bool = False,
              placed: Callable[[str], Any] | None = None) -> Plan:
    """The plan for items and their chosen files: destinations, skips and free space.

    `placed(path)` tells the copy plexsh recorded at a path (plexsh.library.local), if any:
    such a copy may be replaced by a newer version; any other file only with `replace`.
    """
    if verify not in VERIFY_MODES:
        raise ValueError(f"unknown verify mode {verify!r}: sha256, checksum or size")
    entries: list[PlanEntry] = []
    seen: dict[Path, int] = {}
    for item, files in selection:
        files = list(files)
        if item.kind == "movie" and len(files) > 1 and not all_versions:
            files = [best_version(files)]
        for file in files:
            destination = destination_for(item, file, destinations)
            entry = PlanEntry(item, file, destination, partial_path(destination), file.size)
            if destination in seen:
                if seen[destination] == file.id:  # a multi-episode file or a file listed twice counts once
                    continue
                entries.append(replace_fields(entry, skipped="conflict: another file of this plan lands at the same name"))
                continue
            seen[destination] = file.id
            entries.append(_existing(entry, verify, replace, placed))
    return Plan(tuple(entries), _space(entries), verify)


def _space(entries: list[PlanEntry]) -> tuple[Space, ...]:
    """Needed vs free per file system (grouped by device of the nearest existing folder)."""
    groups: dict[int, list] = {}
    for entry in entries:
        if entry.skipped is not None:
            continue
        base = nearest_existing(entry.destination.parent)
        device = os.stat(base).st_dev
        group = groups.setdefault(device, [base, 0])
        try:  # bytes of a partial already on disk are not needed again on resume
            done = min(entry.partial.stat().st_size, entry.size)
        except OSError:
            done = 0
        group[1] += entry.size - done
    return tuple(Space(base, needed, shutil.disk_usage(base).free) for base, needed in groups.values())
