"""Completion from the grammar: suggest() asks Lark's LALR parser what may come next; the Completer fills it in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from lark.exceptions import UnexpectedInput

from plexsh.lang.parser import lark_parser, terminal_words, unquote, verb_terminals, verbs
from plexsh.printable import one_line, printable, quoted

SEPARATORS = ("SEMICOLON", "_NL")
# Where the parser accepts a title word, titles are offered: after every verb whose rule takes a
# `title` (grammar/plexsh.lark), with no list of those verbs kept here.
TITLE_TERMINALS = ("TITLE_WORD", "STRING")
FILTER_VALUE_TERMINALS = {"RESOLUTION": "quality", "SIZE_VALUE": "size", "YEAR_RANGE": "year"}
ON_OFF = ("on", "off")


@dataclass(frozen=True)
class Suggestion:
    """What may come next at the cursor, in terms the Completer can turn into candidates.

    kind: verb | keyword | title | season | episode | value | source | topic | preset | trash (an entry's id)
    words: fixed candidates (verbs, keywords, on/off)
    title: the title typed so far (for title, season and episode suggestions)
    title_start: where that title starts in the text (the Completer replaces it whole)
    season: the season typed last (for episode suggestions)
    title_kind: "movie" or "show" when a kind word stands before the title (`get tv brea`)
    key: the filter whose value is wanted (quality, codec, source, year, size) or `set` option;
         for a preset, "@" where its name is written `@NAME` (`ls @big`)
    """

    kind: str
    words: tuple[str, ...] = ()
    title: str = ""
    title_start: int = -1
    season: int | None = None
    key: str | None = None
    title_kind: str | None = None


@dataclass(frozen=True)
class Context:
    """suggest()'s answer: the partial word under the cursor and what may stand there."""

    prefix: str
    suggestions: tuple[Suggestion, ...]

    def kinds(self) -> set[str]:
        return {s.kind for s in self.suggestions}

    def words(self) -> set[str]:
        return {w for s in self.suggestions for w in s.words}


WORD_BREAKS = set(" \t\n;#<>=")


def split_prefix(text: str) -> tuple[str, str]:
    """(the text before the word being typed, that partial word); an unclosed quote starts the word.

    >>> split_prefix('show "Breaking B')
    ('show ', '"Breaking B')
    >>> split_prefix('show "Breaking Bad" s')
    ('show "Breaking Bad" ', 's')
    >>> split_prefix("ls mov"), split_prefix("ls "), split_prefix("ls year>=19")
    (('ls ', 'mov'), ('ls ', ''), ('ls year>=', '19'))
    """
    start, quote, i = 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'" and (i == start):
            quote = ch
        elif ch in WORD_BREAKS:
            start = i + 1
        i += 1
    return text[:start], text[start:]


def suggest(text: str) -> Context:
    """What may come next after `text` (everything left of the cursor), from the grammar alone.

    >>> suggest("sh").prefix, "show" in suggest("sh").words()
    ('sh', True)
    >>> sorted(s.kind for s in suggest("show breaking bad ").suggestions)
    ['episode', 'keyword', 'season', 'title']
    """
    before, prefix = split_prefix(text)
    try:
        parser = lark_parser().parse_interactive(before)
        tokens = parser.exhaust_lexer()
        accepted = parser.accepts()
    except UnexpectedInput:
        return Context(prefix, ())
    command = _current_command(tokens)
    return Context(prefix, tuple(_suggestions(command, accepted)))


def _current_command(tokens) -> list:
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].type in SEPARATORS:
            return tokens[i + 1:]
    return list(tokens)


def _verb_of(command) -> str | None:
    """The canonical verb of a command ("discover" -> "scan"): its terminal's name."""
    if not command or not terminal_words(command[0].type):
        return None
    return command[0].type.lstrip("_").lower()


def _typed_title(command) -> tuple[str, int]:
    """The title words after the verb and its kind word (and where they start), up to the first selection token."""
    words, start = [], -1
    for token in command[1:]:
        if token.type == "TITLE_KIND" and start < 0:
            continue
        if token.type not in TITLE_TERMINALS:
            break
        if start < 0:
            start = token.start_pos
        words.append(unquote(str(token)))
    return " ".join(words), start


def _title_kind(command) -> str | None:
    """The kind a kind word before the title asks for ("tv" -> "show")."""
    from plexsh.lang.parser import TITLE_KINDS

    kinds = [TITLE_KINDS[t.lower()] for t in command[1:3] if t.type == "TITLE_KIND"]
    return kinds[0] if kinds else None


def _last_season(command) -> int | None:
    for token in reversed(command):
        if token.type == "SEASONS":
            return int(re.match(r"[sS](\d+)", token).group(1))
    return None


def _suggestions(command, accepted: set[str]):
    verb = _verb_of(command)
    previous = command[-1] if command else None
    keywords = []
    for name in sorted(accepted):
        words = tuple(w for w in terminal_words(name) if w[0].isalpha() or w == "?")
        if not words:
            continue
        if name in verb_terminals():
            yield Suggestion("verb", tuple(words))
        else:
            keywords.extend(words)
    title, title_start = _typed_title(command)
    kind = _title_kind(command)
    if "TITLE_WORD" in accepted:
        yield Suggestion("title", title=title, title_start=title_start, title_kind=kind)
    elif "WORD" in accepted or "STRING" in accepted:
        if verb == "scan":
            yield Suggestion("source")
        elif verb == "help":
            yield Suggestion("topic", words=tuple(verbs()))
        elif previous is not None and previous.type == "_CODEC":
            yield Suggestion("value", key="codec")
        elif previous is not None and previous.type == "_SOURCE":
            yield Suggestion("value", key="source")
        elif previous is not None and previous.type == "OPTION":
            option = str(previous)
            yield Suggestion("value", words=ON_OFF if option in ("keep-going", "color") else (), key=option)
    if "TRASH_ID" in accepted:
        yield Suggestion("trash")
    if "PRESET_REF" in accepted:
        yield Suggestion("preset", key="@")
    elif "PRESET_NAME" in accepted:
        yield Suggestion("preset")
    season = _last_season(command)
    if "EPISODES" in accepted and title and season is not None:
        yield Suggestion("episode", title=title, season=season, title_kind=kind)  # after s2, its episodes first
    if "SEASONS" in accepted and title:
        yield Suggestion("season", title=title, title_start=title_start, title_kind=kind)
    if "EPISODES" in accepted and title and season is None:
        yield Suggestion("episode", title=title, title_kind=kind)
    for terminal, key in FILTER_VALUE_TERMINALS.items():
        if terminal in accepted:
            yield Suggestion("value", key=key)
    if "YEAR_RANGE" not in accepted and "INT" in accepted and any(t.type == "_YEAR" for t in command[-2:]):
        yield Suggestion("value", key="year")
    if keywords:
        yield Suggestion("keyword", tuple(dict.fromkeys(keywords)))


# -- candidates ---------------------------------------------------------------------------------------

MAX_TITLE_CANDIDATES = 25
TRASH_ANSWER_SECONDS = 1.0
SIZE_EXAMPLES = ("700MB", "1GB", "2GB", "4GB", "8GB", "15GB", "30GB")


class Candidates:
    """Turns suggestions into (text, replace_length, meta) candidates using the session's catalog and config."""

    def __init__(self, session):
        self.session = session

    def for_text(self, text: str) -> list[tuple[str, int, str]]:
        context = suggest(text)
        out: list[tuple[str, int, str]] = []
        for suggestion in context.suggestions:
            out.extend(self._expand(suggestion, context.prefix, len(text)))
        seen, unique = set(), []
        for candidate in out:
            if candidate[0] not in seen:
                seen.add(candidate[0])
                unique.append(candidate)
        return unique

    def _expand(self, s: Suggestion, prefix: str, cursor: int):
        bare = unquote(prefix).lower() if prefix.startswith(("'", '"')) else prefix.lower()
        if s.kind in ("verb", "keyword", "topic") or (s.kind == "value" and s.words):
            meta = "command" if s.kind == "verb" else ""
            return [(w, len(prefix), meta) for w in s.words if w.lower().startswith(bare)]
        if s.kind == "title":
            return self._titles(s, prefix, cursor)
        if s.kind == "season":
            return self._seasons(s, prefix)
        if s.kind == "episode":
            return self._episodes(s, prefix)
        if s.kind == "source":
            return [(_bare_or_quoted(name), len(prefix), "source") for name in self._source_names()
                    if name.lower().startswith(bare)]
        if s.kind == "value":
            return [(_bare_or_quoted(v), len(prefix), s.key or "") for v in self._values(s.key)
                    if v.lower().startswith(bare)]
        if s.kind == "preset":
            return self._presets(s, prefix)
        if s.kind == "trash":
            return self._trash_ids(prefix)
        return []

    def _trash_ids(self, prefix: str):
        """The trash's entries whose ids start with what was typed, each with where it was (escaped).
        Read in a child with a short time limit: a trash on a dead mount must not hold up a key."""
        from plexsh.commands.trash import trash_home
        from plexsh.journal.trash import entries_within

        found = entries_within(trash_home(self.session), TRASH_ANSWER_SECONDS) or []
        return [(item.id, len(prefix), printable(str(item.original))) for item in reversed(found)
                if item.id.startswith(prefix.lower())]

    def _presets(self, s: Suggestion, prefix: str):
        """The saved presets whose names start with what was typed (after `@`, which `ls` needs)."""
        from plexsh.library.presets import presets

        if s.key == "@" and not "@".startswith(prefix[:1]):
            return []  # a filter or keyword is being typed, not a preset
        typed = prefix.removeprefix("@").lower()
        mark = s.key or ""
        return [(f"{mark}{p.name}", len(prefix), p.filter) for p in presets(self.session.catalog).all()
                if p.name.lower().startswith(typed)]

    def _titles(self, s: Suggestion, prefix: str, cursor: int):
        query = " ".join(part for part in (s.title, unquote(prefix) if prefix[:1] in "'\"" else prefix) if part)
        replace = cursor - s.title_start if s.title and s.title_start >= 0 else len(prefix)
        catalog = self.session.catalog
        wanted = (lambda kind: kind == s.title_kind) if s.title_kind else (lambda kind: True)
        if query.strip():
            # Asked for more than are shown: a kind word may leave out many of the best matches.
            limit = MAX_TITLE_CANDIDATES * (4 if s.title_kind else 1)
            found = [item for item, _ in catalog.find(query, limit=limit) if wanted(item.kind)]
        else:
            entries = (entry for entry in catalog.title_index() if wanted(entry.kind))
            found = [catalog.item(entry.id) for entry in islice(entries, MAX_TITLE_CANDIDATES)]
        found = found[:MAX_TITLE_CANDIDATES]
        return [(quoted(i.title), replace, f"{i.year or ''} {'show' if i.kind == 'show' else 'movie'}".strip())
                for i in found]

    def _item(self, title: str, kind: str | None = None):
        """The show a typed title names exactly (as completing it leaves it); no fuzzy guess on a key press."""
        matches = self.session.catalog.lookup(title, kind)
        return matches[0] if len(matches) == 1 else None

    def _seasons(self, s: Suggestion, prefix: str):
        if not "s".startswith(prefix.lower()[:1]):
            return []
        item = self._item(s.title, s.title_kind)
        if item is None or item.kind != "show":
            return []
        seasons = self.session.catalog.seasons(item.id)
        return [(f"s{n}", len(prefix), f"{len(eps)} episodes") for n, eps in seasons.items()
                if f"s{n}".startswith(prefix.lower())]

    def _episodes(self, s: Suggestion, prefix: str):
        if not "e".startswith(prefix.lower()[:1]):
            return []
        item = self._item(s.title, s.title_kind)
        if item is None or item.kind != "show":
            return []
        seasons = self.session.catalog.seasons(item.id)
        season = s.season if s.season is not None else (next(iter(seasons)) if len(seasons) == 1 else None)
        if season not in seasons:
            return []
        names = {}
        for f in self.session.catalog.files(item.id):
            if f.season == season:
                for e in f.episodes:
                    names[e] = f.episode_title or ""
        return [(f"e{n}", len(prefix), one_line(names.get(n, ""))) for n in seasons[season]
                if f"e{n}".startswith(prefix.lower())]

    def _source_names(self) -> list[str]:
        try:
            from plexsh.library.sources import sources_from_config

            return [spec.name for spec in sources_from_config(self.session.config)]
        except Exception:
            return []  # a broken config shows up when the command runs, not while typing

    def _values(self, key: str | None) -> list[str]:
        catalog = self.session.catalog
        if key == "quality":
            return catalog.known_values("resolution")
        if key == "codec":
            return catalog.known_values("codec")
        if key == "source":
            return catalog.known_values("source")
        if key == "year":
            return [str(y) for y in catalog.known_values("year")]
        if key == "size":
            return list(SIZE_EXAMPLES)
        if key == "profile":
            try:
                return sorted(self.session.config.profiles)
            except Exception:
                return []
        return []


def _bare_or_quoted(word: str) -> str:
    r"""A word as it can be typed: bare when it can be, else quoted (a source name may hold anything).

    >>> print(_bare_or_quoted("Movies2"), _bare_or_quoted("My Movies"), _bare_or_quoted("Mo\x1bvies"))
    Movies2 "My Movies" "Mo\033vies"
    """
    return word if re.fullmatch(r"[^\s;#\"'\\]+", word) and printable(word) == word else quoted(word)


def make_completer(session):
    """The prompt_toolkit Completer over Candidates."""
    from prompt_toolkit.completion import Completer, Completion

    candidates = Candidates(session)

    class PlexCompleter(Completer):
        def get_completions(self, document, complete_event):
            for text, replace, meta in candidates.for_text(document.text_before_cursor):
                # text is already as typed (escaped, quoted); meta may be a name from the NAS
                yield Completion(text, start_position=-replace, display=one_line(text), display_meta=one_line(meta))

    return PlexCompleter()
