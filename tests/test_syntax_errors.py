"""Every syntax error names what was expected in words a user knows, never a grammar's terminal name."""

import re

import pytest

from conftest import run_plexsh
from plexsh.lang.errors import PlexSyntaxError
from plexsh.lang.parser import describe_terminals, lark_parser, parse, terminal_description


def syntax_error(text) -> PlexSyntaxError:
    with pytest.raises(PlexSyntaxError) as caught:
        parse(text)
    return caught.value


def grammar_terminals() -> list[str]:
    """Every terminal a parser state can expect: all but the ignored ones (spaces, comments)."""
    ignored = set(lark_parser().lexer_conf.ignore)
    return sorted(t.name for t in lark_parser().terminals if t.name not in ignored)


PLACEHOLDERS = {"N", "NAME", "PATH", "MODE", "SIZE", "LEVEL"}  # what a user types there, as `help` writes it


def looks_like_a_terminal_name(words: str) -> bool:
    return "_" in words or bool(set(re.findall(r"\b[A-Z]+\b", words)) - PLACEHOLDERS)


@pytest.mark.parametrize("terminal", grammar_terminals())
def test_every_terminal_of_the_grammar_has_words(terminal):
    words = terminal_description(terminal)
    assert words, f"{terminal} has no words: add it to TERMINAL_WORDS in plexsh/lang/errors.py"
    assert not looks_like_a_terminal_name(words)


def test_what_any_parser_state_expects_reads_as_words():
    terminals = set(grammar_terminals()) | {"$END"}
    states = lark_parser().parser.parser.parser.parse_table.states
    for state, actions in states.items():
        expected = [name for name in actions if name in terminals]
        if expected:
            for words in describe_terminals(expected):
                assert not looks_like_a_terminal_name(words), (state, expected, words)


@pytest.mark.parametrize("text, expected", [
    ("ls size<x", ["a size like 700M or 4G"]),
    ("get x bwlimit", ["a size like 700M or 4G"]),
    ("get x verify", ["sha256, checksum or size"]),
    ("get x priority", ["high, normal or low"]),
    ("get x to", ["a folder"]),
    ("ls codec", ["a codec like hevc"]),
    ("ls source", ["a source name"]),
    ('show "Fargo" "x"', ["a selection (s3, e1-5, s2e4, new-only, next N)", "the end of the command"]),
    ('ls movies "x"', ["a filter (year, quality, codec NAME, size, source NAME, synced, unsynced)", "`page`",
                       "`sort`", "a saved preset like @big", "the end of the command"]),
])
def test_a_syntax_error_says_what_was_expected(text, expected):
    assert syntax_error(text).expected == expected


def test_after_a_title_only_what_that_verb_takes_is_expected():
    # LALR merges the states after a title: `show` must not be offered `get`'s options.
    assert not any("dry-run" in words for words in syntax_error('show "Heat" "x"').expected)
    assert any("dry-run" in words for words in syntax_error('get "Heat" "x"').expected)


def test_a_syntax_error_on_the_command_line_names_the_expectation_under_a_caret(home):
    result = run_plexsh("-c", 'show "Heat" "1995"')
    assert result.returncode == 2
    assert "unexpected '\"1995\"'; expected a selection (s3, e1-5, s2e4, new-only, next N) or the end of the command" \
        in result.stderr
    assert '            ^' in result.stderr
    assert "size_value" not in run_plexsh("-c", "ls size<big").stderr
