"""Scans sources into the catalog: one forked walker per source (local or rsync), bounded by a no-progress timeout."""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from plexsh.config import Discovery
from plexsh.errors import NotFound
from plexsh.library.catalog import Catalog, WalkChanges, no_gc
from plexsh.library.sources import ForkedChild, SourceSpec, child_slots, not_answering, wait_readable
from plexsh.library.walker import fingerprint, walk

PROGRESS_INTERVAL = 0.1  # the shell redraws from progress callbacks: at most ten a second
# Listed folders are written in transactions of about this many files (or after this long):
# every commit rewrites the index pages it touched, so hundreds of small ones cost seconds.
# On a local disk the time bound used to cut ~2,000-file transactions; at ~10,000 a cold scan
# of 100,000 files spends 10-15% less CPU writing. Slow shares still write every 2 seconds.
APPLY_FILES = 10_000
APPLY_SECONDS = 2.0
# While the parent writes a batch, the walkers go on and their pipes fill: at Linux's default
# 64 KiB (~200 files) a walker soon stops until the parent reads again. A 1 MiB pipe holds a
# few thousand files, so the walkers keep parsing through the parent's writes.
PIPE_BYTES = 1 << 20
# Walkers running at once; the other sources wait their turn. Thousands started together ran
# out of open files (and pipe memory: PIPE_BYTES each), and on two cores more walkers than this
# parse no faster. A dead mount holds its place for scan_timeout.
MAX_WALKERS = 16


@dataclass(frozen=True)
class ScanProgress:
    """Where a scan stands: counts over all sources; `source` is the one whose walker spoke last."""

    source: str
    dirs_seen: int
    files_seen: int
    files_parsed: int
    sources_done: int
    sources_total: int
    walking: tuple[tuple[str, int, int], ...] = ()  # (source, folders, files) of each walker still running

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SourceReport:
    name: str
    root: str
    kind: str
    ok: bool = False
    reason: str | None = None
    files_total: int = 0
    added: int = 0
    removed: int = 0
    updated: int = 0
    unchanged_dirs: int = 0
    listed_dirs: int = 0
    seconds: float = 0.0
    full: bool = False  # every folder was read, not only changed ones
    warnings: list[str] = field(default_factory=list)
    # left out on purpose: symlinks discovery.follow_symlinks does not follow (or dangling ones),
    # and FIFOs, devices and sockets named like videos
    skipped_links: int = 0
    skipped_not_regular: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanReport:
    sources: list[SourceReport]
    seconds: float = 0.0
    pruned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if not s.ok]

    @property
    def totals(self) -> dict[str, int]:
        keys = ("files_total", "added", "removed", "updated", "unchanged_dirs", "listed_dirs")
        totals = {key: sum(getattr(s, key) for s in self.sources) for key in keys}
        totals["failed"] = len(self.failed)
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sources": [s.as_dict() for s in self.sources],
            "totals": self.totals,
            "seconds": self.seconds,
            "pruned": list(self.pruned),
        }


def choose_sources(specs: Sequence[SourceSpec], only: Iterable[str] | None) -> list[SourceSpec]:
    """The specs named in `only` (by name, case-insensitive, or by root); all when None."""
    if not only:
        return list(specs)
    chosen: list[SourceSpec] = []
    for wanted in only:
        root = os.path.normpath(os.path.expanduser(wanted))
        match = [s for s in specs if s.name.lower() == wanted.lower() or s.root == root or s.root == wanted]
        if not match:
            known = ", ".join(s.name for s in specs) or "none configured"
            raise NotFound(f"no source named {wanted!r}", f"known sources: {known}")
        chosen += [s for s in match if s not in chosen]
    return chosen


def _widen_pipe(child: ForkedChild) -> None:
    """Give a walker's pipe PIPE_BYTES of buffer where the system allows it (Linux)."""
    try:
        fcntl.fcntl(child.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # not Linux, or over the system's limit: keep the default
        pass


class _Run:
    """One source's walk in progress, as seen from the parent."""

    def __init__(self, spec: SourceSpec, known: list[tuple], child: ForkedChild):
        self.spec = spec
        self.known = {row[0] for row in known}
        self.child = child
        self.counters = (0, 0, 0)
        self.changes = WalkChanges()
        self.pending: list[tuple] = []
        self.pending_files = 0
        self.applied_at = time.monotonic()
        self.report = SourceReport(spec.name, spec.root, spec.kind)
        self.started = time.monotonic()
        self.finished = False
        self.fingerprint = ""


# The cyclic collector off while a scan runs (nothing a scan builds is cyclic): unpickling a
# walk's file tuples starts a collection every few hundred, each walking what is alive, and in a
# forked walker a collection copies every page it visits. Off, a cold scan spends 5-10% less CPU.
@no_gc()
def scan(catalog: Catalog, specs: Sequence[SourceSpec], discovery: Discovery,
         progress: Callable[[ScanProgress], None] | None = None,
         only: Iterable[str] | None = None, full: bool = False) -> ScanReport:
    """Bring the catalog up to date with the sources; returns what changed, per source.

    Each source is walked in a forked child (a remote one is listed by one rsync stream in it),
    so walks (and name parsing) run in parallel and a source that stops answering for `discovery.scan_timeout` seconds is reported by name, its
    child killed or abandoned, while the others complete. A failed source keeps its catalog
    entries. `full` re-lists every folder instead of trusting unchanged folder mtimes; that
    happens by itself for a source last walked with other discovery settings or another
    version of the name parser. A scan of every source (no `only`) also forgets sources that
    are no longer configured.
    """
    started = time.monotonic()
    chosen = choose_sources(specs, only)
    catalog.settle(loose=True)  # files an interrupted scan left without a title
    walked_with = fingerprint(discovery)
    runs: list[_Run] = []
    waiting = list(chosen)[::-1]  # popped from the end: in order
    active: list[_Run] = []  # walkers running, and those that finished in the last round
    finished_counters = [0, 0, 0]  # of the walkers no longer in `active`: kept as sums, so that
    # progress and the next start cost the few running walkers, not every source (thousands)
    slots = child_slots(MAX_WALKERS)

    def start_walkers() -> None:
        while waiting and len(active) < slots:
            spec = waiting.pop()
            known = catalog.known_dirs(spec.name, spec.root, spec.kind)
            relist = full or (bool(known) and catalog.meta(f"walk:{spec.name}") != walked_with)
            # A remote source's child runs one `rsync --list-only -r` and parses its stream (remote.py).
            child = ForkedChild(lambda send, s=spec, k=known, f=relist: walk(s, discovery, k, f, send))
            _widen_pipe(child)
            run = _Run(spec, known, child)
            run.fingerprint, run.report.full = walked_with, relist
            runs.append(run)
            active.append(run)

    last_progress = 0.0

    def report_progress(run: _Run, force: bool = False) -> None:
        nonlocal last_progress
        now = time.monotonic()
        if progress and (force or now - last_progress >= PROGRESS_INTERVAL):
            last_progress = now
            dirs, files, parsed = (finished_counters[i] + sum(r.counters[i] for r in active) for i in range(3))
            walking = tuple((r.spec.name, r.counters[0], r.counters[1]) for r in active if not r.finished)
            progress(ScanProgress(run.spec.name, dirs, files, parsed,
                                  len(runs) - sum(not r.finished for r in active), len(chosen), walking))

    try:
        start_walkers()
        while active:
            _listen(catalog, active, discovery.scan_timeout, report_progress)
            for run in [r for r in active if r.finished]:
                active.remove(run)
                finished_counters = [total + n for total, n in zip(finished_counters, run.counters)]
            start_walkers()
    finally:  # an interrupted scan (Ctrl-C, an error) leaves no walker behind
        for run in runs:
            if run.child.open:
                run.child.kill()

    pruned = catalog.prune_sources(s.name for s in specs) if not only else []
    return ScanReport([r.report for r in runs], round(time.monotonic() - started, 3), pruned)


def _listen(catalog: Catalog, active: list[_Run], timeout: float, report_progress) -> None:
    """One round: read what the walkers sent, write it, and give up on walkers silent too long."""
    deadline = min(r.child.last_heard for r in active) + timeout
    by_fd = {r.child.fileno(): r for r in active}
    ready = wait_readable(list(by_fd), deadline - time.monotonic())
    busy = False  # writing or collecting a child: time the others' silence is not to blame for
    for fd in ready:
        run = by_fd[fd]
        child = run.child
        for message in child.read():
            busy |= _handle(catalog, run, message)
        if not child.open and not run.finished:
            _finish(catalog, run, ok=False, reason="the walker stopped without finishing")
            busy = True
        report_progress(run, force=run.finished)
    now = time.monotonic()
    if busy:
        for run in active:
            run.child.last_heard = max(run.child.last_heard, now)
    for run in active:
        if not run.finished and now - run.child.last_heard >= timeout:
            run.child.kill()
            _finish(catalog, run, ok=False, reason=not_answering(timeout))
            report_progress(run, force=True)


def _handle(catalog: Catalog, run: _Run, message: tuple) -> bool:
    """Take one message from a walker; returns True if it wrote to the catalog."""
    tag = message[0]
    r = run.report
    if tag == "batch":  # written while the walkers parse, a few thousand files at a time
        _, run.counters, dirs = message
        run.pending += dirs
        run.pending_files += sum(len(d[3]) for d in dirs)
        if run.pending_files >= APPLY_FILES or (run.pending and time.monotonic() - run.applied_at >= APPLY_SECONDS):
            _apply_pending(catalog, run)
            return True
        return False
    if tag == "done":  # only a finished walk may conclude that folders are gone
        _, run.counters, unchanged, vanished, warnings, *more = message
        skipped = more[0] if more else {}
        r.skipped_links, r.skipped_not_regular = skipped.get("links", 0), skipped.get("not_regular", 0)
        _apply_pending(catalog, run)
        removed = catalog.remove_dirs(run.spec.name, vanished)
        catalog.settle(removed.groups, removed.items)
        run.changes.add(removed)
        r.unchanged_dirs, r.warnings = unchanged, list(warnings)
        catalog.set_meta(f"walk:{run.spec.name}", run.fingerprint)
        _finish(catalog, run, ok=True, reason=None)
        return True
    if tag == "failed":
        _finish(catalog, run, ok=False, reason=message[1])
        return True
    if tag == "crashed":
        _finish(catalog, run, ok=False, reason=f"the walker failed: {message[1]}")
        return True
    return False


def _apply_pending(catalog: Catalog, run: _Run) -> None:
    """Write the folders listed so far, then settle their titles, while the walkers go on parsing."""
    if run.pending:
        changes = catalog.apply_dirs(run.spec.name, run.spec.root, run.spec.kind, run.pending, run.known)
        catalog.settle(changes.groups, changes.items)
        run.changes.add(changes)
    run.pending, run.pending_files, run.applied_at = [], 0, time.monotonic()


def _finish(catalog: Catalog, run: _Run, ok: bool, reason: str | None) -> None:
    if run.finished:
        return
    run.finished = True
    if run.child.open:
        run.child.close()  # it has said all it will; collect it
    _apply_pending(catalog, run)  # folders listed before a failure were listed completely
    r = run.report
    c = run.changes
    r.added, r.removed, r.updated, r.listed_dirs = c.added, c.removed, c.updated, c.listed_dirs
    r.ok, r.reason = ok, reason
    r.seconds = round(time.monotonic() - run.started, 3)
    r.files_total = catalog.record_scan(run.spec.name, run.spec.root, run.spec.kind, ok, reason, r.seconds)
