"""File names that are more than names (rich markup, terminal escapes, control characters, bytes that
are not UTF-8) reach the screen as literal, escaped text, and --json keeps them exact as valid JSON."""

import base64
import io
import json
import os
import re
import subprocess
import sys

import pexpect
import pytest

from conftest import REPO, plexsh_env, run_plexsh, write_config
from plexsh.printable import printable
from plexsh.render import Renderer
from plexsh.reply import Reply

# Each movie sits in a folder of the same name, so its path holds the hostile part twice.
HOSTILE_MOVIES = {
    "markup": "Markup [/x] (2001)",
    "heist": "Heist [rarbg] (2002)",
    "shout": "[bold]Shout (2003)",
    "blink": "[blink]Blink (2004)",
    "title": "Title\x1b]0;pwned\x07 (2005)",
    "clear": "Clear\x1b[2J (2006)",
    "csi": "Csi\x9b31m (2007)",
    "del": "Del\x7f (2008)",
    "tab": "Tab\there (2009)",
    "bidi": "Bidi\u202evkm.exe (2010)",
}
SHOW_FILE = "New\nLine/Season 01/New\nLine - S01E01 - Pi\x1b[31mlot.mkv"

# How each name must look on a terminal and in plain text.
SHOWN = {
    "markup": "Markup [/x] (2001)",
    "heist": "Heist [rarbg] (2002)",
    "shout": "[bold]Shout (2003)",
    "blink": "[blink]Blink (2004)",
    "title": r"Title\033]0;pwned\a (2005)",
    "clear": r"Clear\033[2J (2006)",
    "csi": r"Csi\302\23331m (2007)",
    "del": r"Del\177 (2008)",
    "tab": r"Tab\there (2009)",
    "bidi": r"Bidi\342\200\256vkm.exe (2010)",
}

# What must never reach a terminal from a name (rich's own colour codes are fine).
RAW = ["\x1b]0;pwned", "\x07", "\x1b[2J", "\x9b", "\x7f", "\u202e", "Tab\there", "New\nLine", "Pi\x1b[31m"]


def movie_path(nas, name: str) -> str:
    return str(nas / "Movies" / name / f"{name}.mkv")


def write_hostile_library(home, nas) -> None:
    """A NAS whose every file name is hostile, and a config pointing at it (not scanned)."""
    for name in HOSTILE_MOVIES.values():
        path = nas / "Movies" / name / f"{name}.mkv"
        path.parent.mkdir(parents=True)
        path.write_bytes(name.encode("utf-8", "surrogateescape") * 10)
    show = nas / "TV" / SHOW_FILE
    show.parent.mkdir(parents=True)
    show.write_bytes(b"episode" * 100)
    write_config(home, nas, folders={"movies": ["Movies"], "tv": ["TV"]})


@pytest.fixture
def hostile(home, tmp_path):
    """A scanned plexsh home over a NAS of hostile names; yields the NAS folder."""
    nas = tmp_path / "nas"
    write_hostile_library(home, nas)
    result = run_plexsh("-c", "scan")
    assert result.returncode == 0, result.stderr
    return nas


def every_info() -> list[str]:
    return ([arg for key in HOSTILE_MOVIES for arg in ("-c", f"info {key}")]
            + ["-c", 'info "New\\nLine"', "-c", 'show "New\\nLine"', "-c", "ls"])


def run_bytes(*args: str, stdin: bytes = b"", **env) -> subprocess.CompletedProcess:
    """The real command line, its output kept as bytes (so invalid UTF-8 would show)."""
    return subprocess.run([sys.executable, "-m", "plexsh", *args], input=stdin, capture_output=True,
                          timeout=60, env=plexsh_env(**env), cwd=REPO)


def controls(text: str) -> list[str]:
    """The control characters (besides new lines) and bidi overrides in text."""
    return re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


def test_plain_output_shows_markup_literally_and_control_characters_escaped(hostile):
    result = run_bytes(*every_info(), NO_COLOR="1")
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, result.stderr
    assert controls(out) == []
    for shown in SHOWN.values():
        assert f"{shown}/{shown}.mkv" in out
    assert r"New\nLine/Season 01/New\nLine - S01E01 - Pi\033[31mlot.mkv" in out
    assert r"New\nLine · 1 season" in out  # the show's heading, on one line


def rich_run(*args: str, status: int = 0) -> str:
    """plexsh on a real pseudo-terminal (rich mode, 250 columns wide), everything it printed."""
    env = plexsh_env(TERM="xterm-256color", COLUMNS="250", LINES="50")
    child = pexpect.spawn(sys.executable, ["-m", "plexsh", *args], env=env, cwd=str(REPO), dimensions=(50, 250),
                          timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    out = child.before.decode("utf-8")
    assert child.exitstatus == status, out
    return out


def without_colours(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")


def test_rich_output_on_a_terminal_shows_markup_literally_and_control_characters_escaped(hostile):
    out = rich_run(*every_info())
    assert "MarkupError" not in out and "error" not in out
    for raw in RAW:
        assert raw not in out
    plain = without_colours(out)
    assert controls(plain) == []
    for shown in SHOWN.values():
        assert f"{shown}/{shown}.mkv" in plain
    assert r"New\nLine - S01E01 - Pi\033[31mlot.mkv" in plain
    assert "\x1b[5m" not in out  # [blink] in a name makes nothing blink


def test_json_lines_are_valid_utf8_and_keep_the_exact_names(hostile):
    result = run_bytes("--json", *every_info())
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")  # strict: fails on invalid UTF-8
    assert controls(text) == []  # C1 and DEL escaped as \u00XX, C0 as JSON does anyway
    objects = [json.loads(line) for line in text.splitlines()]
    paths = {f["path"] for reply in objects for f in reply.get("files", [])}
    paths |= {e["path"] for reply in objects for s in reply.get("seasons", []) for e in s["episodes"]}
    assert paths == {movie_path(hostile, name) for name in HOSTILE_MOVIES.values()} | {str(hostile / "TV" / SHOW_FILE)}


def test_an_error_naming_a_hostile_title_is_one_escaped_line(hostile):
    result = run_bytes("-c", 'show "New\\nLine" s5', NO_COLOR="1")
    assert result.returncode == 1
    err = result.stderr.decode("utf-8")
    assert err.splitlines()[0] == r"error: New\nLine has no season 5; it has seasons 1"
    rich = without_colours(rich_run("-c", 'show "New\\nLine" s5', status=1))
    assert r"error: New\nLine has no season 5" in rich
    assert controls(rich) == []


@pytest.mark.parametrize("typed, shown, column", [
    ("ls \x1b[2J movies", r"ls \033[2J movies", 3),
    ("ls movies \x85 zz", r"ls movies \302\205 zz", 10),  # U+0085 breaks a line for str.splitlines, not for the parser
])
def test_a_syntax_error_shows_the_line_escaped_with_the_caret_under_the_bad_token(home, typed, shown, column):
    result = run_bytes("-c", typed, NO_COLOR="1")
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert controls(err) == []
    lines = err.splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("ls "))
    assert lines[line] == shown
    assert lines[line + 1] == " " * column + "^"


def test_invalid_utf8_on_stdin_with_json_still_writes_valid_json(home):
    result = run_bytes("--json", stdin=b"find Caf\xe9\n")
    text = result.stdout.decode("utf-8")
    reply = json.loads(text)
    assert reply["query"] == "Caf\ufffd"
    assert base64.b64decode(reply["query_bytes"]) == b"Caf\xe9"


def test_an_undecodable_name_shows_escaped_and_its_json_keeps_the_bytes():
    name = os.fsdecode(b"/nas/Movies/Caf\xe9 (2004).mkv")
    reply = Reply("info", data={"files": [{"path": name, "folder": "Movies"}], "folders": [name]})
    reply.table(["path"], [[name]]).say(f"{name} · 1 file")

    for mode in ("plain", "rich"):
        out = io.StringIO()
        Renderer(mode, out=out).render(reply)
        shown = out.getvalue()
        shown.encode("utf-8")  # no lone surrogate left
        assert shown.count(r"/nas/Movies/Caf\351 (2004).mkv") == 2

    out = io.StringIO()
    Renderer("json", out=out).render(reply)
    line = out.getvalue()
    line.encode("utf-8")
    data = json.loads(line)
    assert data["files"][0]["path"] == "/nas/Movies/Caf\ufffd (2004).mkv"
    assert base64.b64decode(data["files"][0]["path_bytes"]) == b"/nas/Movies/Caf\xe9 (2004).mkv"
    assert data["folders"] == ["/nas/Movies/Caf\ufffd (2004).mkv"]  # in a list: only the readable form


def test_printable_escapes_every_control_character_and_nothing_else():
    import unicodedata

    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            assert printable(char) != char, hex(code)
        elif category[0] in "LNPSM" or char == " ":
            assert printable(char) == char, hex(code)


def test_a_scanned_name_that_is_not_utf8_shows_escaped_and_keeps_its_bytes_in_json(home, tmp_path):
    nas = tmp_path / "nas"
    folder = os.fsencode(nas / "Movies") + b"/Caf\xe9 (2004)"
    os.makedirs(folder)
    with open(folder + b"/Caf\xe9 (2004).mkv", "wb") as out:
        out.write(b"x" * 1000)
    (nas / "TV").mkdir()
    write_config(home, nas, folders={"movies": ["Movies"], "tv": ["TV"]})
    assert run_bytes("-c", "scan").returncode == 0

    plain = run_bytes("-c", "info caf", NO_COLOR="1")
    assert plain.returncode == 0, plain.stderr
    assert r"Caf\351 (2004)/Caf\351 (2004).mkv" in plain.stdout.decode("utf-8")
    assert r"Caf\351 (2004)/Caf\351 (2004).mkv" in without_colours(rich_run("-c", "info caf"))

    result = run_bytes("--json", "-c", "info caf")
    reply = json.loads(result.stdout.decode("utf-8"))
    path = reply["files"][0]
    assert path["path"].endswith("Caf\ufffd (2004).mkv")
    assert base64.b64decode(path["path_bytes"]) == folder + b"/Caf\xe9 (2004).mkv"
