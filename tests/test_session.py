"""Session.run, the one path of every entry mode: statuses, output policy, and no traceback for any input."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plexsh.render import Renderer
from plexsh.session import EXIT_FAILED, EXIT_OK, EXIT_SYNTAX, Session


def make_session(mode="plain"):
    out, err = io.StringIO(), io.StringIO()
    return Session(Renderer(mode, out=out, err=err)), out, err


@pytest.fixture
def session(scanned):
    session, out, err = make_session()
    yield session, out, err
    session.close()


def test_statuses(session):
    s, out, err = session
    assert s.run("find heat") == EXIT_OK
    assert s.run('show "Nope Nope Nope"') == EXIT_FAILED
    assert s.run("show breaking bad s9") == EXIT_FAILED
    assert "has no season 9" in err.getvalue()
    assert s.run("ls movies quality 1080") == EXIT_SYNTAX


def test_quit_stops_a_script(session):
    s, out, err = session
    assert s.run("find heat; quit; find alien") == EXIT_OK
    assert s.quit_requested
    assert "Alien" not in out.getvalue()


def test_json_lines_one_per_command(scanned):
    s, out, err = make_session("json")
    s.run("find heat; ls tv; help ls")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["command"] for o in lines] == ["find", "ls", "help"]
    assert err.getvalue() == ""
    s.close()


COMMAND_WORDS = ["scan", "ls", "show", "info", "find", "parse", "sources", "config", "doctor", "help", "set",
                 "movies", "tv", "all", "year", "quality", "codec", "size", "source", "synced", "sort", "page",
                 "s1", "s2-3", "e1,3", "s3e2", "new-only", "next", "2", "1080p", ">=", "<", "4GB", "1990..1999",
                 '"Breaking Bad"', "heat", "matrix", "keep-going", "page-size", "on", "off", "profile", ";", "\n",
                 "'", '"', "#", "-", "..", "s0", "e99", "0", "hevc", "Movies2", "é", "\\", "title", "desc"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(COMMAND_WORDS), min_size=1, max_size=8))
def test_no_input_ever_produces_a_traceback(scanned, words):
    s, out, err = make_session()
    text = " ".join(words)
    if text.strip().startswith(("doctor", "sources")) or " doctor" in text or "sources" in text:
        text = text.replace("doctor", "help").replace("sources", "help")  # probes are slow; covered elsewhere
    text = text.replace("config init", "config")  # would write a file into the shared home
    status = s.run(text)
    assert status in (EXIT_OK, EXIT_FAILED, EXIT_SYNTAX)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert "internal error" not in err.getvalue(), (text, err.getvalue())
    s.close()
