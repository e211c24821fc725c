"""Typed commands: the frozen dataclasses the parser produces and the commands consume."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """Where a node stands in the source text (1-based line and column)."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Range:
    """An inclusive number range; `s1-3` is Range(1, 3), `e5` is Range(5, 5)."""

    lo: int
    hi: int

    def __contains__(self, number: int) -> bool:
        return self.lo <= number <= self.hi


@dataclass(frozen=True)
class Selection:
    """Which episodes of a show a command means; an empty Selection means all of them.

    `s3 e1-5` -> seasons=(Range(3,3),), episodes=(Range(1,5),)
    `s2e4`    -> pairs=((2, 4),)
    `new-only`, `next 3` narrow the choice once local copies are known.
    """

    seasons: tuple[Range, ...] = ()
    episodes: tuple[Range, ...] = ()
    pairs: tuple[tuple[int, int], ...] = ()
    new_only: bool = False
    next_count: int | None = None

    @property
    def is_everything(self) -> bool:
        return self == Selection()


# Filter keys and the operators each accepts:
#   year    "=" int | ">=" / "<=" / ">" / "<" int | ".." (lo, hi)
#   quality "=" / ">=" / "<=" / ">" / "<" lines (1080 for 1080p, 2160 for 4k)
#   codec   "=" canonical codec name (h264, hevc, av1, ...)
#   size    "=" / ">=" / "<=" / ">" / "<" bytes
#   source  "=" the name of a source folder ("Movies2")
#   synced  "=" True | False
FILTER_KEYS = ("year", "quality", "codec", "size", "source", "synced")


@dataclass(frozen=True)
class Filter:
    key: str
    op: str
    value: object


SORT_KEYS = ("title", "year", "size", "added")


@dataclass(frozen=True)
class Command:
    """Base of every command node; `span` points at the verb."""

    span: Span = field(default=Span(), compare=False, kw_only=True)

    @property
    def verb(self) -> str:
        return type(self).__name__.lower()


@dataclass(frozen=True)
class Scan(Command):
    sources: tuple[str, ...] = ()
    full: bool = False  # re-read every folder, even those whose mtime did not change


@dataclass(frozen=True)
class Ls(Command):
    kind: str = "all"  # movies | tv | all
    filters: tuple[Filter, ...] = ()
    sort: str = "title"
    descending: bool = False
    page: int | None = None
    presets: tuple[str, ...] = ()  # saved filters to add, by name (`ls @big`), in the order typed
    guided: bool = False  # `browse` with nothing after it: the shell's guided selection


@dataclass(frozen=True)
class Find(Command):
    text: str = ""
    kind: str | None = None  # "movie" | "show": only titles of that kind


@dataclass(frozen=True)
class Show(Command):
    title: str = ""
    selection: Selection = Selection()
    kind: str | None = None  # "movie" | "show" restricts the title match (`show tv "Fargo"`)


@dataclass(frozen=True)
class Info(Command):
    title: str = ""
    selection: Selection = Selection()
    kind: str | None = None


@dataclass(frozen=True)
class Parse(Command):
    path: str = ""


@dataclass(frozen=True)
class Sources(Command):
    pass


@dataclass(frozen=True)
class Config(Command):
    action: str | None = None  # None shows the effective config; "init" writes a starter file


@dataclass(frozen=True)
class Doctor(Command):
    pass


@dataclass(frozen=True)
class Help(Command):
    topic: str | None = None


@dataclass(frozen=True)
class Set(Command):
    option: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Quit(Command):
    pass


@dataclass(frozen=True)
class Get(Command):
    """`get [movie|tv] TITLE [SELECTION] [options]`: copy files to local storage."""

    title: str = ""
    kind: str | None = None  # "movie" | "show" restricts the title match
    selection: Selection = Selection()
    dry_run: bool = False
    all_versions: bool = False
    replace: bool = False  # a different file at a destination is replaced (otherwise a conflict, skipped)
    to: str | None = None
    verify: str | None = None  # sha256 | checksum | size; None takes the config's
    bwlimit: int | None = None  # bytes/s
    priority: str = "normal"
    guided: bool = False  # `get` or `sync` with nothing after it: the shell's guided selection


@dataclass(frozen=True)
class Jobs(Command):
    pass


@dataclass(frozen=True)
class Status(Command):
    """`status`; `status storage` is `storage`."""

    storage: bool = False


@dataclass(frozen=True)
class Cancel(Command):
    ids: tuple[int, ...] | str = "all"  # job ids, or "all"


@dataclass(frozen=True)
class Pause(Command):
    ids: tuple[int, ...] | str = "all"


@dataclass(frozen=True)
class Resume(Command):
    ids: tuple[int, ...] | str = "all"


@dataclass(frozen=True)
class Retry(Command):
    ids: tuple[int, ...] | str = "failed"  # job ids, or "failed"


@dataclass(frozen=True)
class Wait(Command):
    ids: tuple[int, ...] = ()  # () waits for every unfinished job


@dataclass(frozen=True)
class Queue(Command):
    action: str | None = None  # None lists; "move" or "rm"
    job: int | None = None
    position: int | str | None = None  # a 1-based position or "top"


@dataclass(frozen=True)
class Log(Command):
    """`log export json [FILE]`: transfer metrics; no file writes them to the output."""

    format: str = "json"
    path: str | None = None


@dataclass(frozen=True)
class Preset(Command):
    """`preset [list]`, `preset save NAME FILTER...`, `preset rm NAME`: named `ls` filters."""

    action: str = "list"  # list | save | rm
    name: str | None = None  # without the `@`
    text: str = ""  # save: the filter words as typed (`size>4G quality>=1080p`)
    filters: tuple[Filter, ...] = ()  # save: those words, parsed


@dataclass(frozen=True)
class Rm(Command):
    """`rm [movie|tv] TITLE [SELECTION] [dry-run]`: local copies to the trash (never a source)."""

    title: str = ""
    kind: str | None = None
    selection: Selection = Selection()
    dry_run: bool = False


@dataclass(frozen=True)
class Trash(Command):
    """`trash` lists; `trash restore ID...|all`; `trash empty [older-than AGE] [yes]` deletes for good."""

    action: str | None = None  # None | "restore" | "empty"
    ids: tuple[str, ...] | str = ()  # restore: trash ids, or "all"
    older_than: float | None = None  # empty: seconds
    yes: bool = False  # empty: confirmed on the command line


@dataclass(frozen=True)
class History(Command):
    """`history [N]`: the journal's actions newest first, or action N's steps."""

    id: int | None = None


@dataclass(frozen=True)
class Undo(Command):
    """`undo [N] [force]`: the last action not undone, or N and the later ones that depend on it."""

    id: int | None = None
    force: bool = False  # files changed since the action are undone too (to the trash)


@dataclass(frozen=True)
class Redo(Command):
    """`redo`: the last undone action, done again."""


@dataclass(frozen=True)
class Usage(Command):
    """`usage [TITLE] [since 30d]`, `usage top|never|shows [since 30d]`, `usage scan`, `usage export json FILE`."""

    view: str = "titles"  # titles | title | top | never | shows | scan | export
    title: str | None = None
    kind: str | None = None  # "movie" | "show" restricts the title match
    since_days: int | None = None  # only what happened in the last N days
    path: str | None = None  # export: the file written


@dataclass(frozen=True)
class Play(Command):
    """`play [movie|tv] TITLE [SELECTION]`: open a local copy with the configured player."""

    title: str = ""
    selection: Selection = Selection()
    kind: str | None = None


@dataclass(frozen=True)
class Recommend(Command):
    """`recommend`, `recommend apply N`: suggestions with reasons, and running the Nth one's command."""

    apply: int | None = None


@dataclass(frozen=True)
class Random(Command):
    """`random [movies|tv] [FILTER...]` (or `~`): a random unplayed title or next episode."""

    kind: str = "all"  # movies | tv | all
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Script:
    """A parsed text: its commands in order."""

    commands: tuple[Command, ...] = ()


@dataclass(frozen=True)
class Organize(Command):
    """`organize [[movie|tv] TITLE | all] [dry-run] [replace] [yes]`: local copies moved into the rules' layout."""

    title: str | None = None  # None: every local copy
    kind: str | None = None
    dry_run: bool = False
    replace: bool = False
    yes: bool = False


@dataclass(frozen=True)
class Storage(Command):
    """`storage`: local space per destination and title, what cleanup would free, the trash."""


@dataclass(frozen=True)
class Resync(Command):
    """`resync [[movie|tv] TITLE [SELECTION] | all] [orphans] [priority LEVEL] [dry-run]`: repair local copies."""

    title: str | None = None  # None: every local copy
    kind: str | None = None
    selection: Selection = Selection()
    orphans: bool = False  # files no source has (or plexsh never placed) go to the trash too
    priority: str = "normal"
    dry_run: bool = False


@dataclass(frozen=True)
class Verify(Command):
    """`verify [[movie|tv] TITLE [SELECTION] | all] [quick]`: local copies checked against what plexsh recorded."""

    title: str | None = None  # None: every copy, and the files under the destinations plexsh never placed
    kind: str | None = None
    selection: Selection = Selection()
    quick: bool = False  # size and mtime only


@dataclass(frozen=True)
class Dupes(Command):
    """`dupes [movies|tv|all | nas | in PATH] [remove|link [medium|low] [yes|dry-run]]`: duplicate copies."""

    scope: str = "all"  # "movies" | "tv" | "all" (local copies) | "nas" | "in"
    path: str | None = None  # scope "in": the folder
    action: str | None = None  # None (report) | "remove" | "link"
    lowest: str = "high"  # the lowest confidence acted on: "high", "medium" or "low"
    yes: bool = False
    dry_run: bool = False
