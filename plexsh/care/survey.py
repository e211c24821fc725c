"""What state each local copy is in (complete, partial, corrupted, missing, orphaned, source changed): verify's findings, which resync repairs."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from plexsh.care.checks import Check, Checks, scope_key
from plexsh.care.hasher import Task, inspect
from plexsh.library.local import UNFINISHED
from plexsh.library.pathtext import loaded
from plexsh.sizes import format_size

COMPLETE, PARTIAL, CORRUPTED, MISSING, ORPHANED, SOURCE_CHANGED = (
    "complete", "partial", "corrupted", "missing", "orphaned", "source changed")
STATES = (COMPLETE, PARTIAL, CORRUPTED, MISSING, ORPHANED, SOURCE_CHANGED)
MARKS = {COMPLETE: "✅", PARTIAL: "⚠️", CORRUPTED: "❌", MISSING: "⛔", ORPHANED: "👻", SOURCE_CHANGED: "🔄"}
# A copy's mtime is its last write, just before plexsh recorded it; a little slack for coarse clocks.
MTIME_SLACK_NS = 2_000_000_000
DEFAULT_TIMEOUT = 60.0
SAVE_SECONDS = 0.25  # results are written at least this often (and when the run ends or is stopped)

Progress = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class Finding:
    """One local file and what verify found it to be."""

    state: str                 # one of STATES
    path: str                  # the local file (for missing: where the copy was)
    item_id: int | None        # catalog item (None for an orphan nobody knows)
    file_id: int | None        # the catalog file it is a copy of (None: orphan, or its source file is gone)
    size: int | None           # on disk now (None when missing)
    expected_size: int | None  # what plexsh recorded
    detail: str                # one plain line: why this state

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Findings(list):
    """survey()'s answer: the findings, one per file, and how the run went."""

    run_id: int | None = None
    resumed: int = 0           # files of an unfinished run found unchanged, so not hashed again
    hashed_files: int = 0
    hashed_bytes: int = 0
    seconds: float = 0.0
    quick: bool = False

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for finding in self:
            counts[finding.state] += 1
        return counts


@dataclass
class _Copy:
    """A recorded copy and what the catalog says of the file it came from."""

    path: str
    size: int
    mtime_ns: int | None       # the source's version copied (0: unknown)
    synced_at: float
    place: str | None          # `source:relpath`, for the details
    file_id: int | None
    item_id: int | None
    source_size: int | None    # the catalog's file at that place now
    source_mtime_ns: int | None
    sha256: str | None         # recorded at copy time (hashes, under the version copied)
    last: Check | None = None
    seen: tuple | None = field(default=None)


_COPIES = ("SELECT l.path, l.size, l.mtime_ns, l.synced_at, l.source, l.relpath, f.id, f.item_id, f.size, f.mtime_ns, "
           "h.sha256 FROM local_files l "
           "LEFT JOIN files f ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath "
           "LEFT JOIN hashes h ON h.source = l.source AND h.dir = l.dir AND h.relpath = l.relpath "
           "AND h.size = l.size AND h.mtime_ns = l.mtime_ns ORDER BY l.path")


def _copies(catalog, item_ids: set[int] | None, file_ids: set[int] | None) -> list[_Copy]:
    found = []
    for path, size, mtime_ns, synced_at, source, relpath, file_id, item_id, f_size, f_mtime, sha in \
            catalog.conn.execute(_COPIES):
        if (item_ids is not None and item_id not in item_ids) or (file_ids is not None and file_id not in file_ids):
            continue
        place = f"{source}:{loaded(relpath)}" if source is not None else None
        found.append(_Copy(loaded(path), size, mtime_ns, synced_at or 0.0, place, file_id, item_id, f_size, f_mtime,
                           sha))
    return found


def _partials(catalog, item_ids: set[int] | None, file_ids: set[int] | None) -> list[tuple]:
    """(job id, item id, file id, destination, partial, total, state) of copies interrupted on the way."""
    marks = ", ".join("?" * len(UNFINISHED))
    rows = catalog.conn.execute(f"SELECT id, item_id, file_id, destination, partial, total, state FROM jobs "
                                f"WHERE state IN ({marks}) ORDER BY id", UNFINISHED).fetchall()
    return [(job, item, file, loaded(dest), loaded(partial) if partial else None, total, state)
            for job, item, file, dest, partial, total, state in rows
            if (item_ids is None or item in item_ids) and (file_ids is None or file in file_ids)]


def survey(catalog, destinations: Iterable[str | os.PathLike] = (), *, item_ids: Iterable[int] | None = None,
           file_ids: Iterable[int] | None = None, quick: bool = False, progress: Progress | None = None, timeout: float = DEFAULT_TIMEOUT) -> Findings:
    """Check every recorded local copy (of `item_ids`' titles, of `file_ids` only, or all) against what plexsh
    recorded, and, over all titles, find the files under `destinations` plexsh never placed. One Finding per file.

    Full mode hashes every copy (in a child process: plexsh.care.hasher); `quick` compares size and
    mtime only. Each result is stored as it comes (plexsh.care.checks), so a run that is cancelled or
    killed and started again over the same titles resumes: files it checked that are unchanged since
    are not hashed again (`Findings.resumed` says how many). `progress(files done, files, bytes done,
    bytes)` is called as the child reports.
    """
    started = time.monotonic()
    wanted = None if item_ids is None else set(item_ids)
    only = None if file_ids is None else set(file_ids)
    checks = Checks(catalog.db)
    scope = scope_key(wanted, only)
    resumed_run = checks.unfinished_run(scope, quick)
    run_id = resumed_run if resumed_run is not None else checks.start_run(scope, quick)
    copies = _copies(catalog, wanted, only)
    partials = _partials(catalog, wanted, only)
    last = checks.last(c.path for c in copies)
    tasks = []
    for copy in copies:
        copy.last = last.get(copy.path)
        unchanged = None
        if resumed_run is not None and copy.last is not None and copy.last.run_id == run_id \
                and copy.last.sha256 is not None:
            unchanged = (copy.last.size, copy.last.mtime_ns)
        tasks.append(Task(copy.path, hash=not quick, unchanged=unchanged, size=copy.size))
    tasks += [Task(partial, hash=False) for *_, partial, _, _ in partials if partial]
    result = Findings()
    result.run_id, result.quick = run_id, quick
    to_hash = [t for t, c in zip(tasks, copies) if t.hash]
    total_bytes = sum(c.size for t, c in zip(tasks, copies) if t.hash)
    done_files, done_bytes, current_bytes = 0, 0, 0
    partial_seen: dict[str, tuple] = {}
    orphans: list[tuple[str, int]] = []
    unsaved: list[tuple] = []
    saved_at = time.monotonic()

    def save() -> None:
        nonlocal saved_at
        if unsaved:
            checks.record(unsaved, run_id)
            unsaved.clear()
        saved_at = time.monotonic()

    def report() -> None:
        if progress is not None:
            progress(done_files, len(to_hash), min(done_bytes + current_bytes, total_bytes), total_bytes)

    def on_message(message: tuple) -> None:
        nonlocal done_files, done_bytes, current_bytes
        kind = message[0]
        if kind == "found":
            orphans.extend(message[1])
            return
        index = message[1]
        if index >= len(copies):  # a partial's stat
            partial_seen[tasks[index].path] = message
            return
        copy = copies[index]
        if kind == "progress":
            current_bytes = message[2]
            report()
            return
        copy.seen = message
        finding = _judge(copy, quick)
        hashed = kind == "hashed"
        if tasks[index].hash:
            done_files += 1
            done_bytes += copy.size
            current_bytes = 0
            if hashed:
                result.hashed_files += 1
                result.hashed_bytes += message[2]
            elif kind == "stat" and message[2] == copy.size:
                result.resumed += 1
        sha = message[4] if hashed else None
        if kind in ("stat", "hashed"):
            unsaved.append((copy.path, message[2], message[3], sha, finding.state, hashed))
        else:
            unsaved.append((copy.path, None, None, None, finding.state, False))
        result.append(finding)
        if time.monotonic() - saved_at >= SAVE_SECONDS:
            save()
        report()

    report()
    roots = [os.fspath(d) for d in destinations] if wanted is None and only is None else []
    known = [c.path for c in copies] + [p[3] for p in partials]
    try:
        inspect(tasks, roots, known, timeout=timeout, on_message=on_message, on_quiet=save, quiet=SAVE_SECONDS)
    finally:  # a stopped run keeps what it checked, to resume from
        save()
    for job, item, file, dest, partial, total, state in partials:
        seen = partial_seen.get(partial)
        size = seen[2] if seen and seen[0] == "stat" else None
        how = f"{format_size(size)} of {format_size(total)} copied" if size is not None else "nothing copied yet"
        result.append(Finding(PARTIAL, dest, item, file, size, total,
                              f"an interrupted copy (job {job}, {state}): {how}"))
    for path, size in orphans:
        result.append(Finding(ORPHANED, path, None, None, size, None,
                              "plexsh never placed it: no copy is recorded at this path"))
    checks.finish_run(run_id)
    result.seconds = time.monotonic() - started
    return result


def _judge(copy: _Copy, quick: bool) -> Finding:
    """A copy's state from what the child saw of it and what was recorded."""
    kind = copy.seen[0]

    def found(state: str, detail: str, size: int | None = None) -> Finding:
        return Finding(state, copy.path, copy.item_id, copy.file_id, size, copy.size, detail)

    if kind == "gone":
        return found(MISSING, "recorded as copied, no longer on disk")
    if kind == "error":
        return found(MISSING, f"cannot be read: {copy.seen[2]}")
    size, mtime_ns = copy.seen[2], copy.seen[3]
    if size != copy.size:
        return found(CORRUPTED, f"{size:,} bytes on disk, {copy.size:,} recorded (truncated or rewritten)", size)
    expected = copy.sha256 or (copy.last.sha256 if copy.last and copy.last.state == COMPLETE else None)
    if kind == "hashed" or (kind == "stat" and not quick):  # hashed now, or in the run being resumed
        sha = copy.seen[4] if kind == "hashed" else copy.last.sha256
        if expected is not None and sha != expected:
            return found(CORRUPTED, "same size, different SHA-256 from the one recorded (silent corruption)", size)
        note = "" if expected is not None else "; no SHA-256 was recorded, this one is kept for the next check"
    else:
        last = copy.last
        if last is not None and last.state == CORRUPTED and (last.size, last.mtime_ns) == (size, mtime_ns):
            return found(CORRUPTED, "unchanged since a full check found its SHA-256 differs from the one recorded",
                         size)
        baseline = copy.last if copy.last and copy.last.state == COMPLETE and copy.last.mtime_ns else None
        moved = (mtime_ns != baseline.mtime_ns if baseline is not None
                 else mtime_ns > copy.synced_at * 1e9 + MTIME_SLACK_NS)
        if moved:
            return found(CORRUPTED, "modified since it was recorded (same size, mtime moved); quick does not hash: "
                                    "`verify` reads it", size)
        note = " (quick: size and mtime only)"
    if copy.file_id is None:
        where = f" ({copy.place})" if copy.place else ""
        return found(ORPHANED, f"its source file{where} is in no source any more{note}", size)
    if copy.source_size is not None and copy.mtime_ns is not None and (
            copy.source_size != copy.size or (copy.mtime_ns != 0 and copy.source_mtime_ns != copy.mtime_ns)):
        return found(SOURCE_CHANGED, f"the NAS file changed since it was copied ({format_size(copy.source_size)} "
                                     f"now, {format_size(copy.size)} copied){note}", size)
    return found(COMPLETE, ("size and SHA-256 match" if not quick else "size and mtime unchanged") + note, size)
