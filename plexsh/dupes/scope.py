"""The files a `dupes` search looks at (local copies, the catalog's NAS files, any folder) and their exact groups."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from plexsh.dupes import hashcache
from plexsh.dupes.exact import ExactSet, FileEntry, Found, entries_of, exact_sets, walk
from plexsh.dupes.groups import Candidate, Group
from plexsh.dupes.keep import choose_keep
from plexsh.dupes.media import folder_candidates, local_candidates, nas_candidates
from plexsh.library.catalog import no_gc
from plexsh.library.pathtext import loaded

# A copy's recorded hash holds while the file is the one recorded: the same size, not written since
# plexsh recorded it (its mtime is the copy's own, set before the record; a second of slack).
_SLACK_NS = 1_000_000_000


@dataclass
class Search:
    """What one search looked at and found: every candidate (media groups are sought among them), the
    exact groups, each member's other names (hard links, acted on with it) and the source file each
    local copy came from (so removing it forgets the copy and undo records it again)."""

    candidates: list[Candidate]
    exact: list[Group]
    found: Found | None = None
    names: dict[str, list[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)


def exact_group(members: list[Candidate], sha256: str) -> Group:
    keep, reason = choose_keep(members)
    return Group("exact", "very high", sha256, members, keep, reason)


def _groups(sets: list[ExactSet], candidate: Callable[[FileEntry], Candidate]) -> tuple[list[Group], dict]:
    groups, names = [], {}
    for found in sets:
        groups.append(exact_group([candidate(e) for e in found.members], found.sha256))
        names.update(found.names)
    return groups, names


def search_folder(db, root: str, progress: Callable[[str], None] | None = None, discovery=None) -> Search:
    """Every file under ROOT (`dupes in PATH`): exact groups among all of them (as jdupes), media groups
    among its videos (the scan's rules: DISCOVERY); hashes stored in and reused from `path_hashes`."""
    with no_gc():  # tens of thousands of entries, none cyclic: the collector's passes cost more than the search
        started = time.monotonic()
        entries, unreadable = walk(root, progress)
        found = exact_sets(entries, known=lambda files: hashcache.known(db, files),
                           store=lambda hashed: hashcache.remember(db, hashed), progress=progress)
        found.unreadable[:0] = unreadable
        found.seconds = time.monotonic() - started  # the walk too
        hashes = {e.path: s.sha256 for s in found.sets for e in s.members}
        candidates = folder_candidates([e for e in entries if e.size > 0], hashes, discovery)
        by_path = {c.path: c for c in candidates}
        exact, names = _groups(found.sets, lambda e: by_path.get(e.path) or Candidate(e.path, e.size,
                                                                                         hashes[e.path], "folder"))
    return Search(candidates, exact, found, names)


def search_local(catalog, kind: str, progress: Callable[[str], None] | None = None) -> Search:
    """The local copies plexsh recorded and that are still there (of movies, shows or all: KIND)."""
    db = catalog.db
    candidates = local_candidates(catalog, kind)
    by_path = {c.path: c for c in candidates}
    synced = {loaded(path): at for path, at in db.execute("SELECT path, synced_at FROM local_files")}
    entries = entries_of(by_path)
    recorded = {e.path: by_path[e.path].sha256 for e in entries
                if by_path[e.path].sha256 and e.mtime_ns <= (synced.get(e.path) or 0) * 1e9 + _SLACK_NS}

    def known(files):
        stored_here = hashcache.known(db, files)
        return {**stored_here, **{f.path: (recorded[f.path], stored_here.get(f.path, (None, None))[1])
                                  for f in files if f.path in recorded}}

    found = exact_sets(entries, known=known, store=lambda hashed: hashcache.remember(db, hashed), progress=progress)
    exact, names = _groups(found.sets, lambda e: by_path[e.path])
    origins = _origins(db, {c.path: c.file_id for c in candidates if c.file_id is not None})
    return Search(candidates, exact, found, names, origins)


def _origins(db, file_ids: dict[str, int]) -> dict[str, str]:
    """Local copy path -> the path of the catalog file it is a copy of."""
    paths = dict(db.execute("SELECT id, path FROM files").fetchall()) if file_ids else {}
    return {copy: loaded(paths[file_id]) for copy, file_id in file_ids.items() if file_id in paths}


def search_nas(catalog) -> Search:
    """The catalog's files: exact groups by their stored SHA-256 (nothing is read from a source)."""
    candidates = nas_candidates(catalog)
    same: dict[tuple[int, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.sha256 and c.size > 0:
            same[(c.size, c.sha256)].append(c)
    exact = [exact_group(sorted(members, key=lambda c: c.path), sha)
             for (_, sha), members in same.items() if len(members) > 1]
    exact.sort(key=lambda g: (-g.reclaimable, g.keep.path))
    return Search(candidates, exact)
