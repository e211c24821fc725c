"""The grammar's table cache: only a file this user wrote in plexsh's home is ever loaded."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest
from conftest import run_plexsh

from plexsh.lang import tables
from plexsh.lang.parser import grammar_text

OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)


class _Plant:
    """Unpickling this runs code: it writes MARKER, as an attacker's payload would."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_cache_planted_in_the_shared_temporary_folder_is_never_read(tmp_path, home):
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    # Where lark's own cache=True would look for this grammar: let lark name the file, then replace it.
    subprocess.run([sys.executable, "-c",
                    "from lark import Lark; from plexsh.lang.parser import grammar_text; "
                    f"Lark(grammar_text(), **{OPTIONS!r}, cache=True)"],
                   check=True, env=dict(os.environ, TMPDIR=str(shared)))
    planted = [p for p in shared.iterdir() if p.name.startswith(".lark_")]
    assert planted, "lark named no cache file to plant"
    marker = tmp_path / "ran-planted-code"
    for path in planted:
        with open(path, "wb") as f:
            f.write(b"0" * 64 + b"\n")
            pickle.dump(_Plant(str(marker)), f)

    result = run_plexsh("-c", "help", TMPDIR=str(shared))

    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "plexsh ran code from a file in the shared temporary folder"


def test_the_cache_is_private_to_the_user_and_reused(home):
    first = run_plexsh("-c", "help")
    assert first.returncode == 0, first.stderr
    [cache] = (home / "cache").iterdir()
    assert (home / "cache").stat().st_mode & 0o777 == 0o700
    assert cache.stat().st_mode & 0o077 == 0
    written = cache.stat().st_mtime_ns

    second = run_plexsh("-c", "help")

    assert second.returncode == 0 and second.stdout == first.stdout
    assert cache.stat().st_mtime_ns == written  # read, not built and written again


def _foreign_tables(path):
    """A well-formed cache file for another grammar: loading it would break `help`."""
    other = tables.Lark('start: "nothing"', **OPTIONS)
    tables.save(other, path)
    assert path.exists()


@pytest.mark.parametrize("foreign", ["owned by another user", "writable by the group", "folder writable by others"])
def test_a_cache_file_plexsh_did_not_write_is_not_loaded(home, foreign):
    path = tables.cache_path(grammar_text(), OPTIONS)
    _foreign_tables(path)
    if foreign == "owned by another user":
        os.chown(path, 65534, 65534)
    elif foreign == "writable by the group":
        os.chmod(path, 0o660)
    else:
        os.chmod(path.parent, 0o777)

    assert tables.load(path) is None
    result = run_plexsh("-c", "help")
    assert result.returncode == 0, result.stderr
    assert "get" in result.stdout


def test_a_damaged_cache_is_rebuilt(home):
    assert run_plexsh("-c", "help").returncode == 0
    [cache] = (home / "cache").iterdir()
    cache.write_bytes(cache.read_bytes()[:1000])
    os.chmod(cache, 0o600)

    result = run_plexsh("-c", "ls movies")

    assert result.returncode == 0, result.stderr
    assert tables.load(cache) is not None  # written afresh
