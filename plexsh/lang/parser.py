"""Text to typed commands: loads grammar/plexsh.lark, transforms parse trees into plexsh.lang.ast nodes."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import PatternStr

from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.lang.errors import RULE_WORDS, TERMINAL_EXAMPLES, TERMINAL_WORDS, WORD_AFTER, PlexSyntaxError, _or_list
from plexsh.printable import unescape
from plexsh.lang.tables import cached_parser

MAX_EXPECTED_SHOWN = 5

KIND_NAMES = {"movies": "movies", "movie": "movies", "tv": "tv", "shows": "tv", "all": "all"}
# The kind word before a title, as the catalog names kinds.
TITLE_KINDS = {"movies": "movie", "movie": "movie", "tv": "show", "shows": "show", "show": "show"}


@lru_cache(maxsize=1)
def grammar_text() -> str:
    return resources.files("plexsh.grammar").joinpath("plexsh.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The LALR parser, built once per process; its tables are cached in plexsh's home (lang/tables.py)."""
    return cached_parser(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                         maybe_placeholders=True)


def unquote(token: str) -> str:
    r"""A STRING token's text without quotes and escapes.

    >>> unquote('"Breaking Bad"')
    'Breaking Bad'
    >>> unquote("'It\\'s'")
    "It's"
    >>> unquote(r'"Two\nLines \351"')  # the escapes of plexsh.printable.quoted(): a title completion inserts
    'Two\nLines \udce9'
    """
    if len(token) >= 2 and token[0] in "\"'" and token[-1] == token[0]:
        return unescape(token[1:-1])
    return str(token)


# The largest number a command takes: what SQLite's INTEGER holds (job ids, sizes, years are
# compared in SQL). Anything above is a typo, and Python would overflow or refuse to convert it.
MAX_NUMBER = (1 << 63) - 1


def whole_number(digits: str) -> int:
    """The value of a run of digits; PlexError when it is above MAX_NUMBER.

    >>> whole_number("0042")
    42
    >>> whole_number("9" * 5000)
    Traceback (most recent call last):
    ...
    plexsh.errors.PlexError: this number is too large (at most 9223372036854775807)
    """
    significant = digits.lstrip("0")
    # Compared as text first: int() refuses strings of over 4,300 digits.
    if len(significant) > len(str(MAX_NUMBER)) or int(significant or "0") > MAX_NUMBER:
        raise PlexError(f"this number is too large (at most {MAX_NUMBER})")
    return int(digits)


def parse_numbers(spec: str) -> tuple[ast.Range, ...]:
    """The ranges of a season or episode token without its letter.

    >>> parse_numbers("1-3,5")
    (Range(lo=1, hi=3), Range(lo=5, hi=5))
    """
    ranges = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        lo_n, hi_n = int(lo), int(hi or lo)
        if hi_n < lo_n:
            raise PlexError(f"range {part} runs backwards", f"write {hi_n}-{lo_n}")
        ranges.append(ast.Range(lo_n, hi_n))
    return tuple(ranges)


DAY = 86400
DURATION_UNITS = {"h": 3600, "d": DAY, "w": 7 * DAY, "m": 30 * DAY, "y": 365 * DAY}


def duration_seconds(text: str) -> int:
    """A time span as `trash empty older-than` and `usage since` take it, in seconds (a month is 30
    days, a year 365).

    >>> duration_seconds("30d"), duration_seconds("12h"), duration_seconds("2W"), duration_seconds("1y")
    (2592000, 43200, 1209600, 31536000)
    """
    return int(text[:-1]) * DURATION_UNITS[text[-1].lower()]


def resolution_lines(text: str) -> int:
    """Vertical lines of a resolution word.

    >>> resolution_lines("1080p"), resolution_lines("4K")
    (1080, 2160)
    """
    text = text.lower()
    if text.endswith("k"):
        return {"4": 2160, "8": 4320}[text[:-1]]
    return int(text[:-1])


class TokenError(PlexError):
    """A token that lexed and parsed but means nothing (`s3-1`, `page 0`); it knows where it stands."""

    def __init__(self, message: str, token: Token, hint: str | None = None):
        super().__init__(message, hint)
        self.token = token


def _checked(token: Token, convert):
    """convert(token), with any PlexError it raises pinned to the token's position."""
    try:
        return convert(token)
    except PlexError as error:
        raise TokenError(error.message, token, error.hint) from None


def _int(token: Token) -> int:
    """An INT token's value; one too large is an error pointing at it."""
    return _checked(token, lambda t: whole_number(str(t)))


def _size(token: Token) -> int:
    """A SIZE_VALUE token in bytes; one too large is an error pointing at it."""
    from plexsh.sizes import parse_size

    try:
        return parse_size(str(token))
    except ValueError:
        raise TokenError("this size is too large (at most 8 EiB)", token) from None


def _span(meta) -> ast.Span:
    return ast.Span(getattr(meta, "line", 1), getattr(meta, "column", 1))


def _words(children) -> str:
    """A title or free text: one quoted string, or bare words joined by single spaces."""
    parts = [c for c in children if c is not None]
    if len(parts) == 1 and parts[0].type == "STRING":
        return unquote(parts[0])
    return " ".join(str(p) for p in parts)


def _selection(items) -> ast.Selection:
    seasons, episodes, pairs, new_only, next_count = [], [], [], False, None
    for item in items:
        if isinstance(item, int):
            next_count = item
        elif item.type == "SEASONS":
            seasons.extend(_checked(item, lambda t: parse_numbers(t[1:])))
        elif item.type == "EPISODES":
            episodes.extend(_checked(item, lambda t: parse_numbers(t[1:])))
        elif item.type == "SEASON_EPISODE":
            season, episode = re.match(r"[sS](\d+)[eE](\d+)", item).groups()
            pairs.append((int(season), int(episode)))
        elif item.type == "NEW_ONLY":
            new_only = True
    return ast.Selection(tuple(seasons), tuple(episodes), tuple(pairs), new_only, next_count)


@v_args(meta=True)
class ToAst(Transformer):
    """Maps each grammar rule straight to an AST constructor; a verb with nothing after it needs no method.
    `text` is the parsed text, for the rules that keep words as typed (a preset's filters)."""

    def __init__(self, text: str = ""):
        super().__init__()
        self.source_text = text

    @staticmethod
    def node_for(rule: str):
        """The AST node named like a grammar rule (`doctor` -> ast.Doctor), or None."""
        node = getattr(ast, rule.capitalize(), None)
        return node if isinstance(node, type) and issubclass(node, ast.Command) else None

    def __default__(self, data, children, meta):
        node = self.node_for(str(data))
        if node is not None and not any(c is not None for c in children):
            return node(span=_span(meta))
        return super().__default__(data, children, meta)

    def start(self, meta, children):
        return ast.Script(tuple(c for c in children if c is not None))

    def scan(self, meta, children):
        full, *names = children
        return ast.Scan(tuple(names), full=full is not None, span=_span(meta))

    def source_name(self, meta, children):
        return unquote(str(children[0]))

    def ls(self, meta, children):
        verb, kind, *args = children
        if verb.lower() == "browse" and kind is None and not args:
            return ast.Ls(guided=True, span=_span(meta))
        filters, sort, descending, page, presets = [], "title", False, None, []
        for arg in args:
            if isinstance(arg, ast.Filter):
                filters.append(arg)
            elif isinstance(arg, Token) and arg.type == "PRESET_REF":
                presets.append(str(arg)[1:])
            elif isinstance(arg, tuple) and arg[0] == "sort":
                sort, descending = arg[1], arg[2]
            elif isinstance(arg, tuple) and arg[0] == "page":
                page = arg[1]
        return ast.Ls(KIND_NAMES[kind.lower()] if kind else "all", tuple(filters), sort, descending, page,
                      tuple(presets), span=_span(meta))

    def sort(self, meta, children):
        key, direction = children
        return ("sort", key.lower(), (direction or "").lower() == "desc")

    def page(self, meta, children):
        if _int(children[0]) < 1:
            raise TokenError("pages are numbered from 1", children[0])
        return ("page", _int(children[0]))

    def year_filter(self, meta, children):
        value = children[0]
        if isinstance(value, tuple):
            return ast.Filter("year", value[0], value[1])
        if value.type == "YEAR_RANGE":
            lo, hi = (int(y) for y in value.split(".."))
            return ast.Filter("year", "..", (min(lo, hi), max(lo, hi)))
        return ast.Filter("year", "=", _int(value))

    def year_value(self, meta, children):
        op, number = children
        return (str(op), _int(number))

    def quality_filter(self, meta, children):
        op, resolution = children
        return ast.Filter("quality", str(op or "="), resolution_lines(resolution))

    def codec_filter(self, meta, children):
        from plexsh.library.names import canonical_codec

        return ast.Filter("codec", "=", canonical_codec(str(children[0])))

    def size_filter(self, meta, children):
        op, size = children
        return ast.Filter("size", str(op), _size(size))

    def source_filter(self, meta, children):
        return ast.Filter("source", "=", unquote(str(children[0])))

    def synced_filter(self, meta, children):
        return ast.Filter("synced", "=", True)

    def unsynced_filter(self, meta, children):
        return ast.Filter("synced", "=", False)

    def find(self, meta, children):
        kind, text = children[0]
        return ast.Find(text, kind, span=_span(meta))

    def show(self, meta, children):
        kind, title = children[0]
        return ast.Show(title, _selection(children[1:]), kind, span=_span(meta))

    def info(self, meta, children):
        kind, title = children[0]
        return ast.Info(title, _selection(children[1:]), kind, span=_span(meta))

    def parse(self, meta, children):
        return ast.Parse(children[0], span=_span(meta))

    def next(self, meta, children):
        if _int(children[0]) < 1:
            raise TokenError("`next` takes a count of at least 1", children[0])
        return _int(children[0])

    def title(self, meta, children):
        """(kind or None, the title's text)."""
        kind, *words = children
        return (TITLE_KINDS[kind.lower()] if kind else None), _words(words)

    def search(self, meta, children):
        """`find`'s (kind or None, text): a title whose words may be keywords elsewhere."""
        kind, words = children
        return self.title(meta, [kind, *(words if isinstance(words, list) else [words])])

    def search_words(self, meta, children):
        return [word for child in children for word in (child if isinstance(child, list) else [child])]

    def text(self, meta, children):
        return _words(children)

    def config(self, meta, children):
        action = children[0]
        return ast.Config(str(action) if action else None, span=_span(meta))

    def help(self, meta, children):
        topic = children[0]
        return ast.Help(str(topic).lower() if topic else None, span=_span(meta))

    def set(self, meta, children):
        option, value = children
        if value is not None and not isinstance(value, str):
            value = str(value)
        return ast.Set(str(option), unquote(value) if value is not None else None, span=_span(meta))

    def get(self, meta, children):
        (kind, title), *args = children
        options = {}
        selection = []
        for arg in args:
            if isinstance(arg, tuple):
                options[arg[0]] = arg[1]
            elif isinstance(arg, Token) and arg.type == "DRY_RUN":
                options["dry_run"] = True
            elif isinstance(arg, Token) and arg.type == "ALL_VERSIONS":
                options["all_versions"] = True
            elif isinstance(arg, Token) and arg.type == "REPLACE":
                options["replace"] = True
            else:
                selection.append(arg)
        return ast.Get(title, kind, _selection(selection), **options,
                       span=_span(meta))

    def bare_get(self, meta, children):
        return ast.Get(guided=True, span=_span(meta))

    def to(self, meta, children):
        return ("to", unquote(str(children[0])))

    def verify_mode(self, meta, children):
        return ("verify", str(children[0]).lower())

    def bwlimit(self, meta, children):
        size = _size(children[0])
        if size < 1:
            raise TokenError("a bandwidth limit must be above 0", children[0])
        return ("bwlimit", size)

    def priority(self, meta, children):
        return ("priority", str(children[0]).lower())

    def resync(self, meta, children):
        kind = title = None
        selection, options, words = [], {}, set()
        for child in children:
            if isinstance(child, tuple) and child[0] == "priority":
                options["priority"] = child[1]
            elif isinstance(child, tuple):  # the title; none (or `all`) is every local copy
                kind, title = child
            elif isinstance(child, Token) and child.type in ("ORPHANS", "DRY_RUN", "RESYNC_ALL"):
                words.add(child.type)
            elif child is not None:
                selection.append(child)
        return ast.Resync(title, kind, _selection(selection), "ORPHANS" in words, options.get("priority", "normal"),
                          "DRY_RUN" in words, span=_span(meta))

    def job_ids(self, meta, children):
        if children[0].type == "ALL":
            return "all"
        return tuple(_int(c) for c in children)

    def cancel(self, meta, children):
        return ast.Cancel(children[0], span=_span(meta))

    def pause(self, meta, children):
        return ast.Pause(children[0], span=_span(meta))

    def resume(self, meta, children):
        return ast.Resume(children[0], span=_span(meta))

    def retry(self, meta, children):
        ids = children[0]
        return ast.Retry("failed" if isinstance(ids, Token) else ids, span=_span(meta))

    def wait(self, meta, children):
        return ast.Wait(tuple(_int(c) for c in children), span=_span(meta))

    def queue(self, meta, children):
        action = children[0]
        if action is None:
            return ast.Queue(span=_span(meta))
        return ast.Queue(action[0], action[1], action[2] if len(action) > 2 else None, span=_span(meta))

    def queue_move(self, meta, children):
        job, position = children
        return ("move", _int(job), "top" if position.type == "TOP" else _int(position))

    def queue_rm(self, meta, children):
        return ("rm", _int(children[0]))

    def preset(self, meta, children):
        action = children[0]
        if isinstance(action, tuple):
            return ast.Preset(*action, span=_span(meta))
        return ast.Preset("list", span=_span(meta))

    def preset_save(self, meta, children):
        name, (text, filters) = children
        return ("save", str(name).lstrip("@"), text, filters)

    def preset_filters(self, meta, children):
        """The filter words as typed (kept so `preset list` shows them so), and parsed."""
        return self.source_text[meta.start_pos:meta.end_pos], tuple(children)

    def preset_rm(self, meta, children):
        return ("rm", str(children[0]).lstrip("@"))

    def usage(self, meta, children):
        fields = {}
        for child in children:
            if child is None:
                continue
            if isinstance(child, int):
                fields["since_days"] = child
            elif isinstance(child, Token) and child.type == "TITLE_KIND":
                if TITLE_KINDS[child.lower()] != "show":
                    raise TokenError(f"`usage {child}` needs a title after it", child,
                                     "`usage top` lists the most used titles, `usage shows` the shows")
                fields["view"] = "shows"
            elif isinstance(child, Token):
                fields["view"] = "scan" if child.type == "USAGE_SCAN" else str(child).lower()
            elif child[0] == "export":
                fields.update(view="export", path=child[1])
            else:
                fields.update(view="title", kind=child[0], title=child[1])
        return ast.Usage(**fields, span=_span(meta))

    def since(self, meta, children):
        """`since 30d` in days (a week is 7, a month 30, a year 365)."""
        token = children[0]
        _checked(token, lambda t: whole_number(str(t)[:-1]))
        days = duration_seconds(str(token)) // DAY
        if days < 1:
            raise TokenError("a time span must be at least a day", token)
        return days

    def usage_export(self, meta, children):
        return ("export", unquote(str(children[1])))

    def play(self, meta, children):
        kind, title = children[0]
        return ast.Play(title, _selection(children[1:]), kind, span=_span(meta))

    def recommend(self, meta, children):
        number = children[0]
        if number is not None and _int(number) < 1:
            raise TokenError("recommendations are numbered from 1", number)
        return ast.Recommend(_int(number) if number is not None else None, span=_span(meta))

    def random(self, meta, children):
        kind, *filters = children
        return ast.Random(KIND_NAMES[kind.lower()] if kind else "all", tuple(f for f in filters if f is not None),
                          span=_span(meta))

    def log(self, meta, children):
        fmt, path = children
        return ast.Log(str(fmt).lower(), unquote(str(path)) if path is not None else None, span=_span(meta))

    def rm(self, meta, children):
        (kind, title), *args = children
        dry_run = any(isinstance(a, Token) and a.type == "DRY_RUN" for a in args)
        selection = [a for a in args if not (isinstance(a, Token) and a.type == "DRY_RUN")]
        return ast.Rm(title, kind, _selection(selection), dry_run, span=_span(meta))

    def verify(self, meta, children):
        target, *rest = children
        quick = rest[-1] is not None if rest else False
        selection = [c for c in rest[:-1] if c is not None]
        if target is None or isinstance(target, Token):  # `verify`, `verify all`
            return ast.Verify(quick=quick, span=_span(meta))
        kind, title = target
        return ast.Verify(title, kind, _selection(selection), quick, span=_span(meta))

    def trash(self, meta, children):
        action = children[0] or {}
        return ast.Trash(**action, span=_span(meta))

    def status(self, meta, children):
        return ast.Status(storage=children[0] is not None, span=_span(meta))

    def storage(self, meta, children):
        return ast.Storage(span=_span(meta))

    def history(self, meta, children):
        return ast.History(None if children[0] is None else _int(children[0]), span=_span(meta))

    def undo(self, meta, children):
        number, force = children
        return ast.Undo(None if number is None else _int(number), force is not None, span=_span(meta))

    def trash_restore(self, meta, children):
        if children[0].type == "ALL":
            return {"action": "restore", "ids": "all"}
        return {"action": "restore", "ids": tuple(dict.fromkeys(str(c).lower() for c in children))}

    def trash_empty(self, meta, children):
        age, yes = children
        return {"action": "empty", "older_than": None if age is None else duration_seconds(age), "yes": yes is not None}

    def organize(self, meta, children):
        words = {c.type for c in children if isinstance(c, Token)}
        kind, title = next((c for c in children if isinstance(c, tuple)), (None, None))  # `all` leaves no child
        return ast.Organize(title, kind, "DRY_RUN" in words, "REPLACE" in words, "APPLY_YES" in words,
                            span=_span(meta))


    def dupes(self, meta, children):
        where, act = children
        scope, path = "all", None
        if isinstance(where, Token):
            scope = "nas" if where.type == "NAS" else KIND_NAMES[where.lower()]
        elif where is not None:
            scope, path = "in", where
        action, lowest, confirm = act or (None, None, None)
        return ast.Dupes(scope, path, action and str(action).lower(), str(lowest).lower() if lowest else "high",
                         confirm is not None and confirm.type == "YES",
                         confirm is not None and confirm.type == "DRY_RUN", span=_span(meta))

    def dupes_in(self, meta, children):
        return unquote(str(children[0]))

    def dupes_act(self, meta, children):
        return tuple(children)


def accepted_after(text: str) -> set[str]:
    """The terminals the grammar accepts after `text` (UnexpectedInput when `text` itself is wrong).

    >>> "TITLE_KIND" in accepted_after("get "), "TITLE_KIND" in accepted_after("ls ")
    (True, False)
    """
    parser = lark_parser().parse_interactive(text)
    parser.exhaust_lexer()
    return parser.accepts()


def title_verbs() -> tuple[str, ...]:
    """The verbs (aliases too) whose rule takes a title: those after which the grammar accepts a title word."""
    return tuple(v for v in verbs() if "TITLE_WORD" in accepted_after(f"{v} "))


def verb_rules() -> tuple[str, ...]:
    """The grammar's verbs: the rules `command` names (`?command: scan | ls | ...`)."""
    return tuple(r.expansion[0].name for r in lark_parser().rules
                 if r.origin.name == "command" and len(r.expansion) == 1 and not r.expansion[0].is_term)


@lru_cache(maxsize=None)
def verb_words(rule: str) -> tuple[str, ...]:
    """The words that start a verb's rule, its name first where the grammar spells it so ("get" -> get, sync).

    >>> verb_words("get"), verb_words("help")
    (('get', 'sync'), ('help', '?'))
    """
    firsts = [r.expansion[0] for r in lark_parser().rules if r.origin.name == rule and r.expansion]
    words = {w for first in firsts if first.is_term for w in terminal_words(first.name)}
    return tuple(sorted(words, key=lambda w: (w != rule, w)))


@lru_cache(maxsize=1)
def verb_terminals() -> frozenset[str]:
    """The terminals that start a command (`_GET`...): the grammar's first parser state, less separators.
    A kind word spells `show` too, but is no verb."""
    return frozenset(n for n in lark_parser().parse_interactive("").accepts()
                     if any(w.isalpha() or w == "?" for w in terminal_words(n)))


@lru_cache(maxsize=1)
def verbs() -> tuple[str, ...]:
    """Every word that can start a command, read from the grammar's first parser state."""
    return tuple(sorted(w for name in verb_terminals() for w in terminal_words(name) if w.isalpha()))


KEYWORD_PATTERN = re.compile(r"^(?:\(\?:)?((?:[a-z0-9?~\\-]+\|?)+)\)?\(\?!\[\^\\s;#\]\)$")


@lru_cache(maxsize=None)
def terminal_words(name: str) -> tuple[str, ...]:
    """The fixed words a keyword terminal stands for ("LS" -> ("ls", "browse")); () for WORD, INT and such."""
    try:
        pattern = lark_parser().get_terminal(name).pattern
    except KeyError:
        return ()
    if isinstance(pattern, PatternStr):
        return (pattern.value,)
    match = KEYWORD_PATTERN.match(pattern.value)
    if not match:
        return ()
    return tuple(word.replace("\\", "") for word in match.group(1).split("|"))


def terminal_literal(name: str) -> str | None:
    """The first fixed word of a keyword terminal ("LS" -> "ls"), or None for pattern terminals."""
    words = terminal_words(name)
    return words[0] if words else None


@lru_cache(maxsize=None)
def first_terminals(rule: str) -> frozenset[str]:
    """The terminals a grammar rule can start with ("selection" -> SEASONS, EPISODES, ..., _NEXT)."""
    rules = lark_parser().rules
    found, seen = set(), set()

    def walk(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for r in rules:
            if r.origin.name == name and r.expansion:
                first = r.expansion[0]
                if first.is_term:
                    found.add(first.name)
                else:
                    walk(first.name)

    walk(rule)
    return frozenset(found)


def terminal_description(name: str, previous: str | None = None) -> str | None:
    """One terminal in words a user knows ("SIZE_VALUE" -> "a size like 700M or 4G"), or None when it has none."""
    if name in ("WORD", "STRING") and previous in WORD_AFTER:
        return WORD_AFTER[previous]
    if name == "TITLE_WORD" and previous == "TITLE_WORD":
        return "more words of the title"
    if name in TERMINAL_WORDS:
        return TERMINAL_WORDS[name]
    words = terminal_words(name)
    return _or_list([f"`{w}`" for w in words]) if words else None


def _example(name: str) -> str:
    return TERMINAL_EXAMPLES.get(name) or (terminal_literal(name) or name.lower())


def describe_terminals(names, previous: str | None = None) -> list[str]:
    """What a parser state expects, in words: every verb is "a command", the first words of a selection,
    an option or a filter are one choice each, a word or quoted text is what the word before asks for.

    >>> describe_terminals(["SIZE_VALUE"])
    ['a size like 700M or 4G']
    >>> describe_terminals(["SEASONS", "EPISODES", "NEW_ONLY", "$END"])
    ['a selection (s3, e1-5, new-only)', 'the end of the command']
    >>> describe_terminals(["STRING", "WORD"], previous="_TO")
    ['a folder']
    """
    names = set(names)
    words = []
    if "TITLE_WORD" in names:
        names.discard("STRING")  # "a title" is quoted or not
        if "TITLE_KIND" in names and previous != "TITLE_WORD":
            words.append("a title (a kind word, movie, show or tv, may come first)")
            names -= {"TITLE_WORD", "TITLE_KIND"}
    if verb_terminals() <= names:
        words.append("a command")
        names -= verb_terminals()
    for rule, phrase in RULE_WORDS.items():
        members = names & first_terminals(rule)
        if len(members) >= 2:
            words.append(f"{phrase} ({', '.join(_example(n) for n in _rule_order(rule, members))})")
            names -= members
    ends = {"SEMICOLON", "_NL", "$END"}
    for name in sorted(names - ends, key=lambda n: (terminal_literal(n) is None, n)):
        word = terminal_description(name, previous) or name.lower()
        if word not in words:
            words.append(word)
    if names & ends:
        words.append(TERMINAL_WORDS["$END"])
    return words


def _rule_order(rule: str, members: set[str]) -> list[str]:
    """Members in the order the grammar lists them (s3 before e1-5 before new-only)."""
    order = []
    for r in lark_parser().rules:
        if r.origin.name == rule and r.expansion:
            first = r.expansion[0]
            names = [first.name] if first.is_term else sorted(first_terminals(first.name))
            order.extend(n for n in names if n in members and n not in order)
    return order + sorted(m for m in members if m not in order)


def parse(text: str) -> ast.Script:
    """Parse a whole text (one line, or a script) into commands; raises PlexSyntaxError.

    >>> parse('show "Breaking Bad" s3 e1-5').commands[0].selection.seasons
    (Range(lo=3, hi=3),)
    >>> parse("ls movies year>=2010").commands[0].filters
    (Filter(key='year', op='>=', value=2010),)
    """
    try:
        tree = lark_parser().parse(text)
        return ToAst(text).transform(tree)
    except UnexpectedInput as error:
        raise syntax_error(text, error) from None
    except VisitError as error:
        cause = error.orig_exc
        if isinstance(cause, TokenError):
            raise PlexSyntaxError(cause.message, text, cause.token.line, cause.token.column, hint=cause.hint) from None
        if isinstance(cause, PlexError):
            meta = getattr(error.obj, "meta", None)
            line, column = getattr(meta, "line", 1), getattr(meta, "column", 1)
            raise PlexSyntaxError(cause.message, text, line, column, hint=cause.hint) from None
        raise


def _word_at(text: str, pos: int) -> str:
    match = re.compile(r"[^\s;]+").match(text, pos)
    return match.group(0) if match else ""


def _command_start(expected: set[str]) -> bool:
    """True when the parser stood where a new command begins (every verb was acceptable)."""
    return set(verbs()) <= {word for name in expected for word in terminal_words(name)}


def syntax_error(text: str, error: UnexpectedInput) -> PlexSyntaxError:
    """One PlexSyntaxError from any of Lark's errors, in words."""
    if isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
        bad = _word_at(text, error.pos_in_stream) or text[error.pos_in_stream: error.pos_in_stream + 1]
        line, column = error.line, error.column
    elif isinstance(error, UnexpectedToken):
        expected = set(error.expected)
        bad = str(error.token) if error.token.type != "$END" else ""
        line, column = error.line, error.column
        if error.token.type == "$END" or line in (None, -1):
            line, column = _end_position(text)
    else:  # UnexpectedEOF
        expected = set(getattr(error, "expected", ()) or ())
        bad = ""
        line, column = _end_position(text)

    if bad and _command_start(expected):
        return _unknown_verb(text, bad, line, column)
    previous, accepted = _state_before(text, line, column)
    words = describe_terminals(accepted if accepted is not None else expected, previous)
    hint = None
    message = f"unexpected {bad!r}" if bad else "the command is incomplete"
    if bad and _after_keyword_in_title(text, line, column):
        hint = 'a title with a keyword in it (next, to, s1, new-only) needs quotes: get "Back to the Future"'
    elif len(words) > MAX_EXPECTED_SHOWN:
        verb = _current_verb(text, line, column)
        hint = f"`help {verb}` shows what {verb} accepts" if verb else None
    return PlexSyntaxError(message, text, line, column, words, hint=hint)


def _state_before(text: str, line: int, column: int) -> tuple[str | None, set[str] | None]:
    """The type of the token before the error's place (what a word there belongs to) and the terminals
    the parser really accepts there: LALR's merged states list, after a title, what may follow a
    title anywhere (`get`'s options after `show "x"`); the interactive parser tries each."""
    lines = text.split("\n")
    offset = sum(len(part) + 1 for part in lines[: line - 1]) + column - 1
    try:
        parser = lark_parser().parse_interactive(text[:offset])
        tokens = parser.exhaust_lexer()
        accepted = parser.accepts()
    except UnexpectedInput:
        return None, None
    return (tokens[-1].type if tokens else None), accepted


def _current_verb(text: str, line: int, column: int) -> str | None:
    """The verb of the command the error stands in."""
    before = (text.splitlines() or [""])[line - 1][: column - 1]
    command = re.split(r"[;]", before)[-1].split()
    return command[0].lower() if command and command[0].lower() in verbs() else None


def _after_keyword_in_title(text: str, line: int, column: int) -> bool:
    """True when the bad word follows a keyword (`next`, `to`, ...) that was probably part of a bare title.

    >>> _after_keyword_in_title("get back to the future", 1, 17)
    True
    """
    before = (text.splitlines() or [""])[line - 1][: column - 1]
    return re.search(r"^\s*(show|info|get|sync)\s.*\b(next|to|verify|bwlimit|priority)\s+(\S+\s+)?$",
                     before, re.I) is not None


def _unknown_verb(text: str, word: str, line: int, column: int) -> PlexSyntaxError:
    close = difflib.get_close_matches(word.lower(), verbs(), n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else "type `help` for the list of commands"
    return PlexSyntaxError(f"unknown command {word!r}", text, line, column, hint=hint)


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    lines = stripped.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1
