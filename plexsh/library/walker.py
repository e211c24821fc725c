"""The per-source walk: runs in a forked child, lists what changed, parses names, streams tuples back."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from typing import Any, Callable, Iterable

from plexsh.config import Discovery
from plexsh.library.catalog import quality_lines
from plexsh.library.names import parse_fields
from plexsh.library.overlap import inside
from plexsh.library.sources import SourceSpec, check_root
from plexsh.library.titles import match_key

# What the child sends for each file, in this order: plain tuples pickle small and fast, and the
# child, running in parallel, already shapes them the way the catalog stores them ("episode" is
# the first number, "episodes" a JSON list, "quality" the resolution's lines).
FILE_FIELDS = (
    "relpath", "path", "size", "mtime_ns", "kind", "title", "year", "match_key", "season",
    "episode", "episodes", "episode_title", "edition", "resolution", "quality", "source_tag",
    "codec", "container",
)

PARTIAL_SUFFIXES = (".part", ".partial", ".!qb", ".crdownload", ".tmp")

# A directory modified this recently may change again within the file system's mtime
# granularity (a second or more on network shares) without its mtime moving, so its
# mtime is not trusted: it is stored as 0 and the directory is re-listed next time.
SETTLE_NS = 2_000_000_000

BATCH_SECONDS = 0.1
BATCH_FILES = 2000
MAX_WARNINGS = 20


def ignore_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A test for names to skip: a pattern as a whole word (plural allowed), case-insensitive.

    A pattern that starts the name only counts when it is the whole name, because a leading
    word is usually a title: "Trailer Park Boys" and "Extras (2005)" are shows, not extras.

    >>> ignored = ignore_matcher(["sample", "trailer", "extras", "behind the scenes"])
    >>> [ignored(n) for n in ("Title-sample", "Sample", "Extras", "Movie (2010)-trailer")]
    [True, True, True, True]
    >>> [ignored(n) for n in ("Behind.The.Scenes", "Movie - Trailers", "Movie_sample")]
    [True, True, True]
    >>> [ignored(n) for n in ("Trailer Park Boys", "Extras (2005)", "Samples of Sound", "Resample")]
    [False, False, False, False]
    """
    words = [re.escape(p.strip()).replace(r"\ ", " ") for p in patterns if p.strip()]
    if not words:
        return lambda name: False
    alternatives = "|".join(r"[\s._-]+".join(w.split()) for w in words)
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})s?(?![^\W_])", re.IGNORECASE)
    edge = re.compile(r"^[\W_]*(.*?)[\W_]*$", re.DOTALL)
    # Most names hold none of the patterns' first words at all, which a plain search of the
    # lower-cased name tells several times faster. Only for ASCII: IGNORECASE also matches
    # "ſ" to "s" and "K" (Kelvin) to "k", which lower() does not.
    firsts = {p.split()[0].lower() for p in patterns if p.strip()}
    clue = re.compile("|".join(map(re.escape, sorted(firsts)))) if all(map(str.isascii, firsts)) else None

    def ignored(name: str) -> bool:
        if clue is not None and name.isascii() and clue.search(name.lower()) is None:
            return False  # the common case, kept to one plain search
        found = pattern.search(name)
        if found is None:
            return False
        core = edge.match(name)
        start, end = core.start(1), core.end(1)
        for found in pattern.finditer(name):
            if found.start() > start or found.end() >= end:
                return True
        return False

    return ignored


class _Parser:
    """A file's FILE_FIELDS tuple, its name parsed; match keys and qualities repeat, so they are memoised."""

    def __init__(self, kind: str):
        self.kind = kind
        self.keys: dict[str, str] = {}
        self.lines: dict[str | None, int | None] = {}

    def __call__(self, relpath: str, path: str, size: int, mtime_ns: int) -> tuple:
        (kind, title, year, season, episodes, episode_title, edition, resolution, source, codec,
         container) = parse_fields(relpath, self.kind)
        key = self.keys.get(title)
        if key is None:
            key = self.keys[title] = match_key(title)
        lines = self.lines.get(resolution, -1)
        if lines == -1:
            lines = self.lines[resolution] = quality_lines(resolution)
        if not episodes:
            episode = numbers = None
        elif len(episodes) == 1:
            episode = episodes[0]
            numbers = f"[{episode}]"
        else:
            episode = episodes[0]
            numbers = "[" + ",".join(map(str, episodes)) + "]"
        return (relpath, path, size, mtime_ns, kind, title, year, key, season, episode, numbers,
                episode_title, edition, resolution, lines, source, codec, container)

    def fallback(self, relpath: str, path: str, size: int, mtime_ns: int) -> tuple:
        """What a file is when the name parser fails on it: its stem as a title, nothing more."""
        stem, ext = os.path.splitext(os.path.basename(relpath))
        kind = "episode" if self.kind == "tv" else "movie"
        return (relpath, path, size, mtime_ns, kind, stem, None, match_key(stem), None, None, None,
                None, None, None, None, None, None, ext.lstrip(".").lower() or None)


def fingerprint(discovery: Discovery) -> str:
    """What the catalog's content of a walk depends on besides the files: the discovery settings
    and the name parser's code. When it changes, unchanged folders must be read again too."""
    from plexsh.library import compiled

    digest = hashlib.sha256(json.dumps([
        sorted(discovery.video_extensions), sorted(discovery.ignore_patterns), discovery.scan_depth,
        discovery.follow_symlinks, FILE_FIELDS,
    ]).encode())
    # The sources, compiled or not: a build is loaded only when it is of these very bytes.
    for module in compiled.MODULES:
        digest.update((compiled.HERE / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


def walk(spec: SourceSpec, discovery: Discovery, known_rows: list[tuple], full: bool,
         send: Callable[[Any], None]) -> None:
    """Walk one source and send ("batch", counters, dirs) messages, then ("done", ...) or ("failed", reason).

    `known_rows` are the catalog's (relpath, parent, mtime_ns, files) for this source. A known
    directory whose mtime is unchanged is not listed: its files stay as they are in the catalog
    and its known subdirectories are still visited. Each listed directory is sent as
    (relpath, parent, mtime_ns, [file tuples in FILE_FIELDS order]).
    """
    if spec.remote:
        from plexsh.library.remote import walk_remote

        walk_remote(spec, discovery, known_rows, full, send)
        return
    reason = check_root(spec.root)
    if reason:
        send(("failed", reason))
        return
    _LocalWalk(spec, discovery, known_rows, full, send).run()


class Rules:
    """What a walk keeps, for local and remote listings alike: the one place the clutter rules live.

    >>> rules = Rules(Discovery(scan_depth=2))
    >>> [rules.keeps(n) for n in ("Heat (1995).mkv", "Heat-sample.mkv", ".Heat.mkv", "a.mkv.part", "a.nfo")]
    [True, False, False, False, False]
    >>> [rules.enters(n, 0) for n in ("Season 01", "Extras", ".hidden")], rules.enters("Season 01", 2)
    ([True, False, False], False)
    """

    def __init__(self, discovery: Discovery):
        self.max_depth = discovery.scan_depth
        # Partial downloads (.part, .!qB, .crdownload, ...) end in a suffix that is never a
        # video extension, so the extension test skips them too.
        self.extensions = frozenset(discovery.video_extensions) - frozenset(PARTIAL_SUFFIXES)
        self.ignored = ignore_matcher(discovery.ignore_patterns)

    def enters(self, name: str, depth: int) -> bool:
        """Whether a folder `name` inside a folder at `depth` (the source root is 0) is walked."""
        # hidden folders (and AppleDouble "._" ones) and extras are clutter
        return name[0] != "." and depth < self.max_depth and not self.ignored(name)

    def keeps(self, name: str) -> bool:
        """Whether a file `name` is a video to catalog (not hidden, not a sample, not a partial)."""
        dot = name.rfind(".")
        return (name[0] != "." and dot > 0 and name[dot:].lower() in self.extensions
                and not self.ignored(name[:dot]))


class Walk:
    """What every walk of a source keeps, local or remote: its rules, the catalog's folders as
    known before, the counters it reports and its warnings."""

    def __init__(self, spec, discovery: Discovery, known_rows, full, send):
        self.spec, self.full, self.send = spec, full, send
        self.rules = Rules(discovery)
        self.parse = _Parser(spec.kind)
        self.known = {rel: (mtime, files) for rel, _parent, mtime, files in known_rows}
        self.dirs_seen = self.files_seen = self.files_parsed = self.unchanged = 0
        self.warnings: list[str] = []
        self.last_send = time.monotonic()
        self.settled_before = time.time_ns() - SETTLE_NS

    def warn(self, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("(more warnings left out)")

    def counters(self) -> tuple[int, int, int]:
        return self.dirs_seen, self.files_seen, self.files_parsed


class _LocalWalk(Walk):
    """One walk of a local or mounted folder, as a small state machine over a stack of directories."""

    def __init__(self, spec, discovery: Discovery, known_rows, full, send):
        super().__init__(spec, discovery, known_rows, full, send)
        self.root = spec.root
        self.real_root = os.path.realpath(spec.root)
        self.follow = discovery.follow_symlinks
        self.max_depth = discovery.scan_depth
        self.links_skipped = self.others_skipped = 0
        self.children: dict[str, list[str]] = {}
        for rel, parent, _mtime, _files in known_rows:
            if parent is not None:
                self.children.setdefault(parent, []).append(rel)
        self.visited: set[str] = set()
        self.inodes: set[tuple[int, int]] = set()
        self.batch: list[tuple] = []
        self.batch_files = 0

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or self.batch_files >= BATCH_FILES or now - self.last_send >= BATCH_SECONDS:
            self.send(("batch", self.counters(), self.batch))
            self.batch, self.batch_files, self.last_send = [], 0, now

    def heartbeat(self) -> None:
        """Counters alone, so that a long listing of one huge folder is not mistaken for a hang."""
        now = time.monotonic()
        if now - self.last_send >= BATCH_SECONDS:
            self.send(("batch", self.counters(), []))
            self.last_send = now

    def run(self) -> None:
        stack: list[tuple[str, str | None, int]] = [("", None, 0)]
        while stack:
            rel, parent, depth = stack.pop()
            self.visit(rel, parent, depth, stack)
            self.flush()
        vanished = [rel for rel in self.known if rel not in self.visited]
        self.flush(force=True)
        self.send(("done", self.counters(), self.unchanged, vanished, self.skip_notes() + self.warnings,
                   {"links": self.links_skipped, "not_regular": self.others_skipped}))

    def skip_notes(self) -> list[str]:
        """One line per kind of entry left out on purpose, ahead of the other warnings."""
        notes = []
        if self.links_skipped:
            where = {"inside": "that lead outside the source or nowhere",
                     "never": "(discovery.follow_symlinks: never)",
                     "always": "that lead nowhere"}[self.follow]
            notes.append(f"skipped {self.links_skipped} symlink{'s' * (self.links_skipped != 1)} {where}")
        if self.others_skipped:
            notes.append(f"skipped {self.others_skipped} "
                         f"entr{'ies' if self.others_skipped != 1 else 'y'} named like videos that "
                         "are not regular files (FIFOs, devices, sockets)")
        return notes

    def follows(self, path: str) -> bool:
        """Whether the symlink at PATH is walked or listed: never a dangling one, and with the
        default policy only one whose target lies inside the same source (a share must not make
        plexsh list, and later copy, any file the user can read)."""
        if self.follow == "never":
            return False
        real = os.path.realpath(path)
        if not os.path.exists(real):
            return False
        return self.follow == "always" or inside(real, self.real_root)

    def keep_known_subtree(self, rel: str, depth: int, stack: list) -> None:
        """Visit a known directory's known subdirectories without listing it."""
        for child in self.children.get(rel, ()):
            if depth < self.max_depth:
                stack.append((child, rel, depth + 1))

    def visit(self, rel: str, parent: str | None, depth: int, stack: list) -> None:
        path = f"{self.root}/{rel}" if rel else self.root
        try:
            st = os.lstat(path) if rel else os.stat(path)  # the root itself may be a link
            if stat.S_ISLNK(st.st_mode):  # listed as a folder, or known from the catalog: it may have
                if not self.follows(path):  # been swapped for a link out of the source since
                    self.links_skipped += 1
                    return
                st = os.stat(path)
        except FileNotFoundError:
            return  # gone since its parent was listed or last scanned
        except OSError as error:
            self.warn(f"{rel or '.'}: {error.strerror or error}")
            if rel in self.known:  # unreadable for now: keep what the catalog has
                self.visited.add(rel)
                self.keep_known_subtree(rel, depth, stack)
            return
        inode = (st.st_dev, st.st_ino)
        if inode in self.inodes:  # a symlink loop or a second link to a folder already walked
            return
        self.inodes.add(inode)
        self.visited.add(rel)
        self.dirs_seen += 1
        known = self.known.get(rel)
        if known and known[0] == st.st_mtime_ns and not self.full:
            self.unchanged += 1
            self.files_seen += known[1]
            self.keep_known_subtree(rel, depth, stack)
            return
        try:
            files = self.list_dir(path, rel, depth, stack)
        except OSError as error:
            self.warn(f"{rel or '.'}: cannot be listed ({error.strerror or error})")
            if known:
                self.keep_known_subtree(rel, depth, stack)
            return
        mtime = st.st_mtime_ns if st.st_mtime_ns < self.settled_before else 0
        self.batch.append((rel, parent, mtime, files))
        self.batch_files += len(files)

    def list_dir(self, path: str, rel: str, depth: int, stack: list) -> list[tuple]:
        files = []
        enters, keeps, parse = self.rules.enters, self.rules.keeps, self.parse
        prefix = f"{rel}/" if rel else ""
        with os.scandir(path) as entries:
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()  # from the listing itself, no extra stat
                    is_link = entry.is_symlink()  # likewise
                except OSError:
                    continue
                if is_dir:
                    if enters(name, depth):  # a link to a folder: visit() decides
                        stack.append((prefix + name, rel, depth + 1))
                    continue
                if not keeps(name):
                    continue
                if is_link and not self.follows(f"{path}/{name}"):
                    self.links_skipped += 1  # a dangling one too: it is not a video
                    continue
                try:
                    st = entry.stat()
                except OSError as error:
                    self.warn(f"{name}: {error.strerror or error}")
                    continue
                if not stat.S_ISREG(st.st_mode):  # a FIFO would block the copier's open()
                    self.others_skipped += 1
                    continue
                self.files_seen += 1
                relpath = prefix + name
                try:
                    row = parse(relpath, f"{path}/{name}", st.st_size, st.st_mtime_ns)
                except Exception as error:  # one odd name must not lose the whole source
                    self.warn(f"{relpath}: the name parser failed ({type(error).__name__}: {error})")
                    row = parse.fallback(relpath, f"{path}/{name}", st.st_size, st.st_mtime_ns)
                self.files_parsed += 1
                if not self.files_parsed & 255:
                    self.heartbeat()
                files.append(row)
        return files
