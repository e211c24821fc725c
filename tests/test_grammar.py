"""The language: what parses into which command, and the errors a person sees for what does not."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.lang.ast import Filter, Range, Selection
from plexsh.lang.errors import PlexSyntaxError
from plexsh.lang.parser import parse, verbs


def one(text):
    (command,) = parse(text).commands
    return command


@pytest.mark.parametrize("text, expected", [
    ("scan", ast.Scan()),
    ("discover", ast.Scan()),
    ('scan Movies "TV 2"', ast.Scan(("Movies", "TV 2"))),
    ("scan full", ast.Scan(full=True)),
    ('scan full TV "full"', ast.Scan(("TV", "full"), full=True)),
    ("ls", ast.Ls()),
    ("browse movies", ast.Ls("movies")),
    ("ls tv", ast.Ls("tv")),
    ("ls shows", ast.Ls("tv")),
    ("ls all sort year desc page 3", ast.Ls("all", sort="year", descending=True, page=3)),
    ("find brekin bad", ast.Find("brekin bad")),
    ('find "matrx"', ast.Find("matrx")),
    ('show "Breaking Bad"', ast.Show("Breaking Bad")),
    ("show breaking bad", ast.Show("breaking bad")),
    ('info "The Matrix (1999)"', ast.Info("The Matrix (1999)")),
    ('parse "Movies/Heat (1995)/Heat.1995.1080p.mkv"', ast.Parse("Movies/Heat (1995)/Heat.1995.1080p.mkv")),
    ("sources", ast.Sources()),
    ("config", ast.Config()),
    ("config init", ast.Config("init")),
    ("doctor", ast.Doctor()),
    ("help", ast.Help()),
    ("help ls", ast.Help("ls")),
    ("? show", ast.Help("show")),
    ("set keep-going", ast.Set("keep-going")),
    ("set keep-going off", ast.Set("keep-going", "off")),
    ("set profile home", ast.Set("profile", "home")),
    ("set page-size 20", ast.Set("page-size", "20")),
    ("quit", ast.Quit()),
    ("exit", ast.Quit()),
])
def test_commands_parse_to_their_nodes(text, expected):
    assert one(text) == expected


@pytest.mark.parametrize("text, selection", [
    ("show bb s3", Selection(seasons=(Range(3, 3),))),
    ("show bb s1-3", Selection(seasons=(Range(1, 3),))),
    ("show bb s1,3", Selection(seasons=(Range(1, 1), Range(3, 3)))),
    ("show bb e5", Selection(episodes=(Range(5, 5),))),
    ("show bb s3 e1-5", Selection(seasons=(Range(3, 3),), episodes=(Range(1, 5),))),
    ("show bb s2 e1,3,5", Selection(seasons=(Range(2, 2),), episodes=(Range(1, 1), Range(3, 3), Range(5, 5)))),
    ("show bb s2e4", Selection(pairs=((2, 4),))),
    ("show bb S02E04", Selection(pairs=((2, 4),))),
    ("show bb new-only", Selection(new_only=True)),
    ("show bb next 3", Selection(next_count=3)),
    ("show bb s3 e1-5 new-only", Selection(seasons=(Range(3, 3),), episodes=(Range(1, 5),), new_only=True)),
])
def test_selection_syntax(text, selection):
    node = one(text)
    assert node.title == "bb"
    assert node.selection == selection


@pytest.mark.parametrize("text, filters", [
    ("ls year 1999", (Filter("year", "=", 1999),)),
    ("ls year 1990..1999", (Filter("year", "..", (1990, 1999)),)),
    ("ls year>=2010", (Filter("year", ">=", 2010),)),
    ("ls year < 2000", (Filter("year", "<", 2000),)),
    ("ls quality 1080p", (Filter("quality", "=", 1080),)),
    ("ls quality >=720p", (Filter("quality", ">=", 720),)),
    ("ls quality>=4k", (Filter("quality", ">=", 2160),)),
    ("ls codec hevc", (Filter("codec", "=", "hevc"),)),
    ("ls codec x265", (Filter("codec", "=", "hevc"),)),
    ("ls size<4GB", (Filter("size", "<", 4 * 2**30),)),
    ('ls source "Movies2"', (Filter("source", "=", "Movies2"),)),
    ("ls synced", (Filter("synced", "=", True),)),
    ("ls unsynced", (Filter("synced", "=", False),)),
    ("ls movies year>=2010 quality 1080p codec hevc",
     (Filter("year", ">=", 2010), Filter("quality", "=", 1080), Filter("codec", "=", "hevc"))),
])
def test_filters(text, filters):
    assert one(text).filters == filters


def test_bare_titles_keep_words_that_look_like_other_things():
    assert one("show se7en s1").title == "se7en"
    assert one("show sam and cat").title == "sam and cat"
    assert one("info blade runner 2049").title == "blade runner 2049"
    assert one("show ls").title == "ls"


def test_scripts_separate_commands_by_semicolons_newlines_and_skip_comments():
    script = parse("#!/usr/bin/env plexsh\n# a comment\nscan; ls movies  # trailing\n\n\nfind matrix;")
    assert [c.verb for c in script.commands] == ["scan", "ls", "find"]
    assert parse("").commands == ()
    assert parse(" ;; \n").commands == ()


def test_positions_point_at_each_command():
    script = parse("scan\n  ls movies; find x")
    assert [(c.span.line, c.span.column) for c in script.commands] == [(1, 1), (2, 3), (2, 14)]


def syntax_error(text) -> PlexSyntaxError:
    with pytest.raises(PlexSyntaxError) as caught:
        parse(text)
    return caught.value


def test_unknown_verb_suggests_the_nearest():
    error = syntax_error("shwo breaking bad")
    assert "unknown command 'shwo'" in error.headline()
    assert error.hint == "did you mean `show`?"
    assert (error.line, error.column) == (1, 1)


def test_keywords_end_at_word_boundaries():
    assert "unknown command 'lss'" in syntax_error("lss").headline()
    assert "unknown command 'scanner'" in syntax_error("scanner").headline()
    assert "unexpected 'tvx'" in syntax_error("ls tvx").headline()


def test_caret_stands_under_the_bad_token():
    error = syntax_error("ls movies quality 1080")
    assert error.caret() == "ls movies quality 1080\n                  ^"
    assert "expected a comparison (<, <=, =, >= or >) or a resolution like 1080p" in error.headline()


def test_error_names_line_and_column_in_scripts():
    error = syntax_error("scan\nls\nshow x s3-1")
    assert (error.line, error.column) == (3, 8)
    assert "range 3-1 runs backwards" in error.headline()
    assert error.caret().splitlines()[0] == "show x s3-1"


def test_incomplete_command_says_what_is_missing():
    error = syntax_error("show x next")
    assert "incomplete" in error.message and error.expected == ["a number"]


def test_title_with_keyword_gets_a_quoting_hint():
    error = syntax_error("show the next karate kid")
    assert "needs quotes" in error.hint
    assert one('show "The Next Karate Kid"').title == "The Next Karate Kid"


def test_long_expected_lists_are_grouped_rather_than_dropped():
    error = syntax_error("ls movies foo")
    assert error.expected[0] == "a filter (year, quality, codec NAME, size, source NAME, synced, unsynced)"
    assert error.expected[-1] == "the end of the command"


def test_meaningless_values_are_syntax_errors():
    assert "pages are numbered from 1" in syntax_error("ls page 0").message
    assert "at least 1" in syntax_error("show x next 0").message


def test_quoted_titles_take_escapes_and_unicode():
    assert one(r'show "Say \"Hi\""').title == 'Say "Hi"'
    assert one("show 'Amélie'").title == "Amélie"
    assert one("show -leading dash").title == "-leading dash"


def test_verbs_come_from_the_grammar():
    assert {"scan", "ls", "find", "show", "info", "parse", "sources", "config", "doctor", "help", "set",
            "quit"} <= set(verbs())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_parses_or_raises_one_plex_error(text):
    try:
        parse(text)
    except PlexSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        assert "^" in error.caret()
    except PlexError:
        pytest.fail("semantic errors must be PlexSyntaxError with a position")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ls", "show", "s3", "e1-5", "year", ">=", "2010", "quality", "1080p", '"x"',
                                 "next", "3", ";", "\n", "find", "new-only", "codec", "size", "<", "4GB", "#",
                                 "page", "sort", "desc", "set", "keep-going", "s1,3", "s2e4", "'", "..", "1990"]),
                max_size=12))
def test_near_miss_token_soup_parses_or_points_at_a_place_in_the_text(words):
    text = " ".join(words)
    try:
        parse(text)
    except PlexSyntaxError as error:
        lines = text.split("\n")
        assert 1 <= error.line <= len(lines), (text, error.line)
        assert 1 <= error.column <= len(lines[error.line - 1]) + 1, (text, error.column)  # on it, or just after
        assert error.message and error.headline().startswith(f"syntax error at line {error.line}, column")


@pytest.mark.parametrize("text, expected", [
    ('get "Breaking Bad" s3 e1-5 new-only',
     ast.Get("Breaking Bad", selection=Selection((Range(3, 3),), (Range(1, 5),), new_only=True))),
    ("sync movie Avatar to ~/Films verify size dry-run bwlimit 5M priority high all-versions",
     ast.Get("Avatar", "movie", dry_run=True, all_versions=True, to="~/Films", verify="size",
             bwlimit=5 * 2**20, priority="high")),
    ("get show the office next 3", ast.Get("the office", "show", selection=Selection(next_count=3))),
    ("get breaking bad s2e4", ast.Get("breaking bad", selection=Selection(pairs=((2, 4),)))),
    ('get "x" to "/a b"', ast.Get("x", to="/a b")),
    ("jobs", ast.Jobs()),
    ("status", ast.Status()),
    ("cancel 1 2", ast.Cancel((1, 2))),
    ("cancel all", ast.Cancel("all")),
    ("pause all", ast.Pause("all")),
    ("resume 4", ast.Resume((4,))),
    ("retry failed", ast.Retry("failed")),
    ("retry 3", ast.Retry((3,))),
    ("wait", ast.Wait()),
    ("wait 1 2", ast.Wait((1, 2))),
    ("queue", ast.Queue()),
    ("queue move 3 top", ast.Queue("move", 3, "top")),
    ("queue move 3 1", ast.Queue("move", 3, 1)),
    ("queue rm 2", ast.Queue("rm", 2)),
    ("log export json", ast.Log()),
    ("log export json ~/metrics.json", ast.Log(path="~/metrics.json")),
])
def test_transfer_commands(text, expected):
    assert one(text) == expected


def test_title_with_to_gets_a_quoting_hint():
    error = syntax_error("get back to the future")
    assert "needs quotes" in error.hint
    assert one('get "Back to the Future"').title == "Back to the Future"


@pytest.mark.parametrize("text", ["cancel", "queue move 3", "log export", "log export csv", "get x verify md5",
                                  "get x priority urgent", "retry"])
def test_incomplete_transfer_commands_are_syntax_errors(text):
    syntax_error(text)


def test_transfer_verbs_come_from_the_grammar():
    assert {"get", "sync", "jobs", "status", "cancel", "pause", "resume", "retry", "wait", "queue", "log"} <= set(verbs())
