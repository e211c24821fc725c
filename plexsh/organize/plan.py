"""An organize plan: each local copy's place by its rule, what moves (renamed, or copied across file systems),
what is already in place, conflicts, the folders made and emptied; and the journal steps that carry it out."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from plexsh.library.catalog import quality_lines
from plexsh.library.overlap import inside
from plexsh.library.pathtext import loaded
from plexsh.organize.rules import DEFAULT_RULES, Copy, Rule, choose

_DEFAULTS = {"movie": DEFAULT_RULES[0], "show": DEFAULT_RULES[1]}

__all__ = ["Entry", "Plan", "make_plan", "plan_steps"]

# Why a copy does not move.
IN_PLACE = "already in place"
TAKEN = "something else is there"
TWICE = "another copy of the plan goes there"
MISSING = "not on disk"
UNKNOWN = "not in the catalog (its source file is gone): its name says nothing plexsh can trust"
IN_SOURCE = "lies inside a source: plexsh never moves a file of a source"
OUTSIDE = "its place would lie outside the rule's root (a link?)"


class Entry(NamedTuple):
    """One local copy in the plan: from, to (None when it has no place), how (move, copy, or None:
    it stays), why it stays, the rule that placed it, and what it replaces (with `replace`). A named
    tuple: a plan makes 10,000 of them, and a frozen dataclass's __init__ costs several times more."""

    path: str
    to: str | None
    size: int
    how: str | None
    why: str | None = None
    rule: str = ""
    title: str = ""
    origin: str | None = None  # the source file the copy came from
    replaces: str | None = None
    replaces_origin: str | None = None

    def as_dict(self) -> dict:  # noqa: D102
        return {"from": self.path, "to": self.to, "size": self.size, "how": self.how, "why": self.why,
                "rule": self.rule, "title": self.title, "replaces": self.replaces}


@dataclass
class Plan:
    """What organize would do, in order: the entries that move, the others with their reason, the folders."""

    entries: list[Entry] = field(default_factory=list)
    make: list[Path] = field(default_factory=list)
    empty: list[Path] = field(default_factory=list)

    @property
    def moves(self) -> list[Entry]:
        return [e for e in self.entries if e.how is not None]

    @property
    def conflicts(self) -> list[Entry]:
        return [e for e in self.entries if e.how is None and e.why in (TAKEN, TWICE)]

    @property
    def staying(self) -> list[Entry]:
        return [e for e in self.entries if e.how is None]

    def totals(self) -> dict:
        moves = self.moves
        return {"files": len(self.entries), "moves": len(moves), "renames": sum(e.how == "move" for e in moves),
                "copies": sum(e.how == "copy" for e in moves), "bytes": sum(e.size for e in moves),
                "in_place": sum(e.why == IN_PLACE for e in self.entries), "conflicts": len(self.conflicts),
                "replaced": sum(e.replaces is not None for e in moves),
                "skipped": sum(e.how is None and e.why not in (IN_PLACE, TAKEN, TWICE) for e in self.entries),
                "folders_made": len(self.make), "folders_removed": len(self.empty)}


_COPIES = ("SELECT l.path, l.size, l.source, s.root, f.path, f.item_id, i.kind, i.title, i.year, f.season, "
           "f.episodes, f.episode_title, f.edition, f.resolution, f.source_tag, f.codec, f.container "
           "FROM local_files l LEFT JOIN files f ON f.source = l.source AND f.dir = l.dir AND f.relpath = l.relpath "
           "LEFT JOIN items i ON i.id = f.item_id LEFT JOIN sources s ON s.name = l.source")


def make_plan(db, rules: tuple[Rule, ...], destinations: Mapping[str, Path], sources: Iterable[str] = (), *,
              item_id: int | None = None, replace_existing: bool = False) -> Plan:
    """The plan for every local copy (of one title: ITEM_ID) under RULES; nothing on disk is changed."""
    conn = getattr(db, "conn", db)
    sql, params = _COPIES, []
    if item_id is not None:
        sql, params = sql + " WHERE f.item_id = ?", [item_id]
    local_sources = [os.path.realpath(s) for s in sources if "://" not in s and not _remote(s)]
    roots = {kind: os.path.abspath(destinations[name]) for kind, name in (("movie", "movies"), ("show", "tv"))}
    places = _Places()
    entries, wanted = [], {}
    for row in conn.execute(sql + " ORDER BY l.path", params):
        entry = _entry(row, rules, roots, local_sources, places)
        if entry.to is not None and entry.how is not None:
            if entry.to in wanted:
                entry = entry._replace(how=None, why=TWICE)
            else:
                wanted[entry.to] = entry
        entries.append(entry)
    entries = _settle_targets(conn, entries, wanted, replace_existing)
    moves = [e for e in entries if e.how is not None]
    targets = {os.path.dirname(e.to) for e in moves}
    make = _folders_to_make(targets)
    all_roots = {os.path.abspath(r.root) for r in rules if r.root} | set(roots.values())
    return Plan(_ordered(entries), make, _emptied(moves, targets, all_roots))


def _folders_to_make(folders: set[str]) -> list[Path]:
    """The folders that do not exist yet among FOLDERS and above them, parents first (journal.folders_to_make
    over files; this asks each folder once, for 10,000 files in a few hundred folders)."""
    missing: set[str] = set()
    known: set[str] = set()
    for folder in folders:
        while folder not in known and folder not in missing and os.path.dirname(folder) != folder:
            if os.path.isdir(folder):
                known.add(folder)
                break
            missing.add(folder)
            folder = os.path.dirname(folder)
    return [Path(f) for f in sorted(missing, key=lambda f: (f.count("/"), f))]


def _remote(location: str) -> bool:
    from plexsh.location import is_remote

    return is_remote(location)


class _Places:
    """File-system facts the plan asks of many files, each asked once per folder."""

    def __init__(self):
        self.devices: dict[str, int | None] = {}
        self.real: dict[str, str] = {}
        self.inside: dict[tuple[str, str], bool] = {}
        self.sourced: dict[str, bool] = {}
        self.resolutions: dict[str | None, int | None] = {}

    def device(self, folder: str) -> int | None:
        """The device of FOLDER, or of its nearest existing parent (where a new folder would be made)."""
        if folder not in self.devices:
            try:
                self.devices[folder] = os.stat(folder).st_dev
            except FileNotFoundError:
                parent = os.path.dirname(folder)
                self.devices[folder] = self.device(parent) if parent != folder else None
            except OSError:
                self.devices[folder] = None
        return self.devices[folder]

    def within(self, folder: str, root: str, depth: int) -> bool:
        """Whether FOLDER (DEPTH parts below ROOT by its name) lies inside ROOT once its links are resolved."""
        key = (folder, root)
        if key not in self.inside:
            self.inside[key] = (len(os.path.normpath(folder).split("/")) - len(os.path.normpath(root).split("/"))
                                == depth and inside(_real_parent(self, folder), self.realpath(root)))
        return self.inside[key]

    def in_source(self, folder: str, sources: list[str]) -> bool:
        if folder not in self.sourced:
            self.sourced[folder] = any(inside(self.realpath(folder), s) for s in sources)
        return self.sourced[folder]

    def lines(self, resolution: str | None) -> int | None:
        if resolution not in self.resolutions:
            self.resolutions[resolution] = quality_lines(resolution)
        return self.resolutions[resolution]

    def realpath(self, folder: str) -> str:
        if folder not in self.real:
            self.real[folder] = os.path.realpath(folder)
        return self.real[folder]


def _entry(row, rules, roots: dict[str, str], local_sources: list[str], places: _Places) -> Entry:
    (path, size, source, source_root, origin, item_id, kind, title, year, season, episodes, episode_title,
     edition, resolution, source_tag, codec, container) = row
    path = loaded(path)
    origin = None if origin is None else loaded(origin)
    folder, _, name = path.rpartition("/")
    if places.in_source(folder, local_sources):
        return Entry(path, None, size, None, IN_SOURCE, "", title or "", origin)
    if item_id is None or kind is None:
        return Entry(path, None, size, None, UNKNOWN, "", title or "", origin)
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return Entry(path, None, size, None, MISSING, "", title or "", origin)
    copy = Copy(path, kind, st.st_size, places.lines(resolution), year, source,
                None if source_root is None else loaded(source_root))
    rule = choose(rules, copy) if rules else _DEFAULTS[kind]
    root = os.path.abspath(rule.root) if rule.root else roots[kind]
    stem, dot, ext = name.rpartition(".")
    episodes = tuple(json.loads(episodes)) if episodes else ()
    values = {"title": title, "show": title if kind == "show" else None, "year": year,
              "season": (season if season is not None else 0) if kind == "show" else season,
              "episode": episodes or None, "episode_title": episode_title, "edition": edition,
              "resolution": resolution, "source": source_tag, "codec": codec, "container": container,
              "ext": ext if dot and stem else "", "kind": kind}
    parts = rule.template.fill(values)
    target_folder = "/".join((root.rstrip("/"), *parts[:-1])) or "/"
    target = target_folder + "/" + parts[-1]
    described = rule.describe()
    # Never out of the root: each part is one safe name (sanitize.component), and no link on the way
    # may lead elsewhere.
    if not places.within(target_folder, root, len(parts) - 1):
        return Entry(path, target, st.st_size, None, OUTSIDE, described, title, origin)
    if target == path:
        return Entry(path, target, st.st_size, None, IN_PLACE, described, title, origin)
    how = "move" if places.device(folder) == places.device(target_folder) else "copy"
    return Entry(path, target, st.st_size, how, None, described, title, origin)


def _real_parent(places: _Places, folder: str) -> str:
    """The resolved path of FOLDER (its existing part resolved, the rest as named)."""
    existing, rest = folder, []
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        rest.append(os.path.basename(existing))
        existing = os.path.dirname(existing)
    return os.path.join(places.realpath(existing), *reversed(rest))


def _settle_targets(conn, entries: list[Entry], wanted: dict[str, Entry], replace_existing: bool) -> list[Entry]:
    """Targets already taken: by a copy that moves away in this plan (fine: it goes first), by the same
    file (in place), else a conflict, or with `replace` a file sent to the trash first."""
    leaving = {e.path for e in entries if e.how is not None}
    out = []
    for entry in entries:
        if entry.how is None or not os.path.lexists(entry.to) or entry.to in leaving:
            out.append(entry)
            continue
        try:
            same = os.path.samefile(entry.path, entry.to)
        except OSError:
            same = False
        if same:
            out.append(entry._replace(how=None, why=IN_PLACE))
        elif replace_existing and not os.path.isdir(entry.to):
            out.append(entry._replace(replaces=entry.to, replaces_origin=_origin_of(conn, entry.to)))
        else:
            out.append(entry._replace(how=None, why=TAKEN))
    return out


def _origin_of(conn, path: str) -> str | None:
    """The source file of the local copy recorded at PATH (None when none is)."""
    from plexsh.library.pathtext import stored

    row = conn.execute("SELECT f.path FROM local_files l JOIN files f ON f.source = l.source AND f.dir = l.dir "
                       "AND f.relpath = l.relpath WHERE l.path = ?", (stored(path),)).fetchone()
    return None if row is None else loaded(row[0])


def _ordered(entries: list[Entry]) -> list[Entry]:
    """Moves whose target is another move's file come after that move; a cycle is a conflict."""
    by_path = {e.path: e for e in entries if e.how is not None}
    if not any(e.to in by_path for e in by_path.values()):
        return entries
    done: dict[str, Entry] = {}
    state: dict[str, str] = {}

    def visit(entry: Entry) -> bool:
        if state.get(entry.path) == "done":
            return True
        if state.get(entry.path) == "visiting":
            return False
        state[entry.path] = "visiting"
        blocker = by_path.get(entry.to)
        ok = blocker is None or visit(blocker)
        state[entry.path] = "done"
        done[entry.path] = entry if ok else entry._replace(how=None, why=TAKEN)
        return ok

    for entry in by_path.values():
        visit(entry)
    moving = [done[e.path] for e in by_path.values()]
    order = list(done)
    moving.sort(key=lambda e: order.index(e.path))
    return moving + [e for e in entries if e.how is None]


def _emptied(moves: list[Entry], targets: set[str], roots: set[str]) -> list[Path]:
    """Folders under a root (never a root) that the moves leave empty, deepest first."""
    leaving = {e.path for e in moves}
    filled: set[str] = set()
    for folder in targets:
        while folder not in filled and os.path.dirname(folder) != folder:
            filled.add(folder)
            folder = os.path.dirname(folder)
    candidates: set[str] = set()
    for folder in {os.path.dirname(e.path) for e in moves}:
        while folder not in candidates and folder not in roots and folder not in filled \
                and any(inside(folder, r) for r in roots):
            candidates.add(folder)
            folder = os.path.dirname(folder)
    emptied: set[str] = set()
    for folder in sorted(candidates, key=lambda f: -f.count("/")):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if all(os.path.join(folder, n) in leaving or os.path.join(folder, n) in emptied for n in names):
            emptied.add(folder)
    return [Path(f) for f in sorted(emptied, key=lambda f: (-f.count("/"), f))]


def plan_steps(plan: Plan) -> list:
    """The journal steps that carry PLAN out, in order: folders made, files replaced to the trash, moves
    (a copy and its original's trash step across file systems), then the folders left empty."""
    from plexsh import journal

    steps = [journal.mkdir_step(folder) for folder in plan.make]
    for entry in plan.moves:
        if entry.replaces is not None:
            steps.append(replace(journal.trash_step(entry.replaces), origin=entry.replaces_origin))
        if entry.how == "move":
            steps.append(replace(journal.move_step(entry.path, entry.to), origin=entry.origin or entry.path))
        else:
            steps.append(journal.copy_step(entry.path, entry.to, origin=entry.origin or entry.path))
            steps.append(journal.trash_step(entry.path))
    steps += [journal.rmdir_step(folder) for folder in plan.empty]
    return steps
