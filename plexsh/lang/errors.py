"""PlexSyntaxError: one syntax error with its line, column, a caret under the bad token and what was expected."""

from __future__ import annotations

from plexsh.errors import PlexError

# What a syntax error says a terminal of the grammar stands for. Keyword terminals need no entry:
# their words are shown (`dry-run`). tests/test_syntax_errors.py fails when a terminal has no words.
TERMINAL_WORDS = {
    "STRING": "a quoted text",
    "WORD": "a word",
    "TITLE_WORD": "a title",
    "TITLE_KIND": "a kind word (movie, show or tv)",
    "INT": "a number",
    "SEASONS": "a season like s3",
    "EPISODES": "episodes like e1-5",
    "SEASON_EPISODE": "an episode like s2e4",
    "RESOLUTION": "a resolution like 1080p",
    "SIZE_VALUE": "a size like 700M or 4G",
    "YEAR_RANGE": "a year range like 1990..1999",
    "CMP": "a comparison (<, <=, =, >= or >)",
    "KIND": "movies, tv or all",
    "SORT_KEY": "title, year, size or added",
    "DIRECTION": "asc or desc",
    "OPTION": "an option (keep-going, profile, page-size or color)",
    "VERIFY_MODE": "sha256, checksum or size",
    "PRIORITY_LEVEL": "high, normal or low",
    "PRESET_NAME": "a preset name (letters, digits, dashes, underscores)",
    "PRESET_REF": "a saved preset like @big",
    "TRASH_ID": "a trash id like k3m9ab (`trash` lists them)",
    "DURATION": "a time span like 30d, 12h, 2w, 6m or 1y",
    "VERIFY_ALL": "all",
    "QUICK": "quick",
    "DUPES_ACTION": "remove or link",
    "DUPES_LEVEL": "medium or low (the lowest confidence acted on)",
    "SEMICOLON": "the end of the command",
    "_NL": "the end of the command",
    "$END": "the end of the command",
}

# A word or quoted text means what the word before it asks for.
WORD_AFTER = {
    "_TO": "a folder",
    "_CODEC": "a codec like hevc",
    "_SOURCE": "a source name",
    "_SCAN": "a source name",
    "FULL": "a source name",
    "OPTION": "a value",
    "LOG_FORMAT": "a file name",
    "_HELP": "a command name",
    "_PARSE": "a file name",
    "_IN": "a folder",
}

# How a keyword or pattern is shown inside a group ("a selection (s3, e1-5, ...)"); others show their first word.
TERMINAL_EXAMPLES = {
    "SEASONS": "s3", "EPISODES": "e1-5", "SEASON_EPISODE": "s2e4", "_NEXT": "next N", "_TO": "to PATH",
    "_VERIFY": "verify MODE", "_BWLIMIT": "bwlimit SIZE", "_PRIORITY": "priority LEVEL", "_YEAR": "year",
    "_QUALITY": "quality", "_SIZE": "size", "_CODEC": "codec NAME", "_SOURCE": "source NAME",
}

# Grammar rules whose first words a syntax error names as one choice.
RULE_WORDS = {"selection": "a selection", "get_option": "an option", "filter": "a filter"}


class PlexSyntaxError(PlexError):
    """A syntax error pointing at one place of the text."""

    def __init__(self, message: str, text: str, line: int, column: int, expected: list[str] | None = None,
                 hint: str | None = None):
        super().__init__(message, hint)
        self.text = text
        self.line = line
        self.column = column
        self.expected = expected or []

    @property
    def source_line(self) -> str:
        lines = self.text.splitlines() or [""]
        return lines[self.line - 1] if 0 < self.line <= len(lines) else ""

    def caret(self) -> str:
        """The offending line with a caret under the bad column (tabs kept so the caret lines up)."""
        line = self.source_line
        pad = "".join("\t" if ch == "\t" else " " for ch in line[: self.column - 1])
        return f"{line}\n{pad}^"

    def headline(self) -> str:
        where = f"line {self.line}, column {self.column}"
        text = f"syntax error at {where}: {self.message}"
        if self.expected:
            text += f"; expected {_or_list(self.expected)}"
        return text

    def as_dict(self) -> dict:
        return {"message": self.message, "line": self.line, "column": self.column,
                "expected": self.expected, "hint": self.hint}

    def __str__(self) -> str:
        out = f"{self.headline()}\n{self.caret()}"
        if self.hint:
            out += f"\n{self.hint}"
        return out


def _or_list(words: list[str]) -> str:
    """Join alternatives in words.

    >>> _or_list(["a number"])
    'a number'
    >>> _or_list(["a", "b", "c"])
    'a, b or c'
    """
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
