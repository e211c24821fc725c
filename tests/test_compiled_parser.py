"""The compiled name parser: loaded only when current, and it reads every name as its sources do."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plexsh.demo.fakelib import make_library
from plexsh.library import compiled
from plexsh.library.names import parse_fields

REPO = Path(__file__).resolve().parents[1]

_PARSE_STDIN = ("import json, sys\nfrom plexsh.library.names import parse_fields\n"
                "print(json.dumps([parse_fields(path) for path in json.load(sys.stdin)]))")


def _python(code: str, *, cwd: Path = REPO, stdin: str | None = None, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd), **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _odd_names(count: int) -> list[str]:
    """Names built from the pieces real names hold, in random orders and spacings, some of them broken."""
    rng = random.Random(7)
    pieces = ["The", "Office", "US", "2005", "S01E02", "s1e2-e3", "1x02", "E05", "Season 2", "Episode 7", "720p",
              "1080p", "x264", "HEVC", "BluRay", "WEB-DL", "DTS-HD.MA.7.1", "[HorribleSubs]", "(2016)", "- 03 -",
              "第二季", "第3集", "Amélie", "Ærø", "{edition-Director's Cut}", "[imdbid-tt0111161]", "part2", "CD1",
              "2010.11.23", "14.of.21", "Folge 12", "S07D1", "1xAll", "12v2", "PROPER", "REPACK", "🎬", "\x7f", "'",
              "-", ".", "_", " ", "(", ")", "[", "]", "0", "99999"]
    names = []
    for _ in range(count):
        words = rng.choices(pieces, k=rng.randint(1, 9))
        joiner = rng.choice([".", " ", "_", "-", ""])
        folders = rng.choice(["", "Movies/", "TV/Show/Season 01/", "TV/Show (2005)/", "Release.Name.720p/"])
        names.append(folders + joiner.join(words) + rng.choice([".mkv", ".avi", "", ".nfo.mkv"]))
    return names


def test_the_parsers_worked_examples_hold_in_plain_python():
    out = _python("import doctest\nimport plexsh.library.names as n, plexsh.library.titles as t\n"
                  "print(sum(doctest.testmod(m).failed for m in (n, t)), sum(doctest.testmod(m).attempted for m in (n, t)))",
                  PLEXSH_PURE_PARSER="1")
    failed, attempted = map(int, out.split())
    assert (failed, attempted > 20) == (0, True), out


@pytest.mark.skipif(importlib.util.find_spec("mypyc") is None, reason="mypy (the `build` extra) is not installed")
def test_with_mypy_installed_the_compiled_parser_is_what_plexsh_runs():
    files, why = compiled.current_build()
    assert files is not None, f"the compiled name parser is {why}: scripts/setup builds it"
    assert compiled.in_use()


@pytest.mark.skipif(not compiled.in_use(), reason="the compiled parser is not built")
def test_the_compiled_parser_reads_every_name_as_its_sources_do(tmp_path):
    library = make_library(tmp_path / "nas", 1500, seed=3)
    paths = [video.path for video in library.videos] + _odd_names(3000)
    plain = json.loads(_python(_PARSE_STDIN, stdin=json.dumps(paths), PLEXSH_PURE_PARSER="1"))
    ours = json.loads(json.dumps([parse_fields(path) for path in paths]))
    differ = [(path, want, got) for path, want, got in zip(paths, plain, ours) if want != got]
    assert not differ, differ[:5]


@pytest.mark.skipif(not compiled.in_use(), reason="the compiled parser is not built")
def test_an_edited_parser_runs_as_edited_not_as_its_old_build(tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(REPO / "plexsh", copy / "plexsh", ignore=shutil.ignore_patterns("__pycache__"))
    which = ("from plexsh.library import compiled, names\n"
             "print(names.parse_path('Heat.1995.1080p.mkv').title, compiled.in_use(), compiled.current_build()[1])")
    assert _python(which, cwd=copy).split() == ["Heat", "True", "compiled"]
    names = copy / "plexsh" / "library" / "names.py"
    names.write_text(names.read_text().replace("    return _new_parsed_name(ParsedName, parse_fields(path, kind_hint))",
                              "    return _new_parsed_name(ParsedName, parse_fields(path, kind_hint))._replace(title='edited')"))
    title, used, *why = _python(which, cwd=copy).split()
    assert (title, used) == ("edited", "False")
    assert "other sources" in " ".join(why)
