"""The standing guard: NAS trees with names of arbitrary bytes and hostile shapes (links in and out of
the root, FIFOs, long names) go through scan, ls, info, --json and get with the real command, and
plexsh catalogs each regular file once, shows no raw control character, writes valid JSON, and
copies exact bytes under the destination only."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, plexsh_env
from plexsh.config import Discovery
from plexsh.library.pathtext import loaded
from plexsh.library.walker import Rules
from plexsh.printable import quoted

EXTENSIONS = [b".mkv", b".mp4", b".avi", b""]
# Bytes that make names hostile, weighted in: controls, ESC sequences, markup, glob and shell characters.
HOSTILE = [b"\x1b[2J", b"\x1b]0;pwned\x07", b"\x9b", b"\x7f", b"\n", b"\t", b"[/x]", b"[bold]", b"*", b"?",
           b"[12]", b"\\", b"$(id)", b"`", b'"', b"'", b"-", b"--rsh=x", b"\xe9", b"\xff\xfe", b"\xc3\xa9",
           b" (1999)", b" S01E02", b" 1080p"]

name_bytes = st.lists(st.one_of(st.sampled_from(HOSTILE), st.binary(min_size=1, max_size=6)),
                      min_size=1, max_size=6).map(b"".join)


def _clean(raw: bytes, extension: bytes, long: bool) -> bytes:
    raw = raw.replace(b"/", b"_").replace(b"\0", b"_")
    if long:
        raw = (raw * (250 // max(len(raw), 1) + 1))[:250 - len(extension)]
    name = raw[:250 - len(extension)] + extension
    return b"x" + name if name in (b".", b"..") or name.startswith(b".") else name


entries = st.lists(
    st.tuples(st.sampled_from(["file", "file", "file", "folder", "folder", "fifo", "link_in", "link_out", "dangling",
                               "folder_link_out"]),
              name_bytes, st.sampled_from(EXTENSIONS), st.booleans()),
    min_size=1, max_size=7)


def build(root: bytes, outside: bytes, spec) -> None:
    """The tree of SPEC under ROOT (movies); OUTSIDE holds files that links point to."""
    os.makedirs(root, exist_ok=True)
    made: list[bytes] = []
    for i, (kind, raw, extension, long) in enumerate(spec):
        name = _clean(raw, extension, long and i == 0)
        path = os.path.join(root, name)
        if os.path.lexists(path):
            continue
        if kind == "file":
            with open(path, "wb") as f:
                f.write(os.urandom(17 + i))
            made.append(path)
        elif kind == "folder":
            os.mkdir(path)
            inner = os.path.join(path, _clean(raw, b".mkv", False))
            with open(inner, "wb") as f:
                f.write(os.urandom(23 + i))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link_in" and made:
            os.symlink(made[-1], path)
        elif kind == "link_out":
            os.symlink(os.path.join(outside, b"secret.mkv"), path)
        elif kind == "folder_link_out":
            os.symlink(outside, path)
        elif kind == "dangling":
            os.symlink(os.path.join(root, b"gone.mkv"), path)


def regular_files(root: bytes) -> dict[bytes, str]:
    """Every regular file below ROOT (links not followed) and its SHA-256."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    found[path] = hashlib.sha256(f.read()).hexdigest()
    return found


def expected_in_catalog(root: bytes) -> set[bytes]:
    """The regular files the clutter rules keep (names as the walker sees them)."""
    rules = Rules(Discovery())
    kept = set()
    for folder, dirs, files in os.walk(root):
        depth = folder[len(root):].count(b"/")
        dirs[:] = [d for d in dirs if rules.enters(os.fsdecode(d), depth)]
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.path.isfile(path) and rules.keeps(os.fsdecode(name)):
                kept.add(path)
    return kept


def plexsh(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plexsh", *args], capture_output=True, timeout=timeout,
                          env=plexsh_env(PLEXSH_HOME=home), cwd=REPO)


def on_terminal(home: Path, *args: str, **env) -> bytes:
    """What plexsh writes to a real terminal (a pseudo-terminal), stdout and stderr together."""
    leader, follower = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "plexsh", *args], stdin=subprocess.DEVNULL, stdout=follower,
                             stderr=follower, env=plexsh_env(PLEXSH_HOME=home, COLUMNS=200, **env), cwd=REPO)
    os.close(follower)
    out, deadline = b"", time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif child.poll() is not None:
                break
    finally:
        os.close(leader)
        child.wait(timeout=10)
    return out


# What rich writes for colour and style (SGR) and plexsh's own cursor handling of a progress line.
_STYLE = re.compile(rb"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[1A|\x1b\[1G|\x1b\[0G")
_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


def raw_controls(output: bytes) -> list[bytes]:
    return _CONTROL.findall(_STYLE.sub(b"", output))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(spec=entries)
def test_hostile_trees_are_cataloged_shown_and_copied_exactly(spec):
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        home, dest, outside = base / "home", base / "local", os.fsencode(base / "outside")
        nas = os.fsencode(base / "nas")
        movies, tv = os.path.join(nas, b"Movies"), os.path.join(nas, b"TV")
        os.makedirs(outside)
        with open(os.path.join(outside, b"secret.mkv"), "wb") as f:
            f.write(b"a file outside the source")
        build(movies, outside, spec)
        os.makedirs(tv)
        home.mkdir()
        (home / "config.yaml").write_text(
            f"sources:\n  movies: [{json.dumps(os.fsdecode(movies))}]\n  tv: [{json.dumps(os.fsdecode(tv))}]\n"
            f"destinations:\n  movies: {json.dumps(str(dest / 'Movies'))}\n  tv: {json.dumps(str(dest / 'TV'))}\n")
        before = regular_files(nas)
        outside_before = regular_files(outside)

        scanned = plexsh(home, "--json", "-c", "scan", "-c", "ls all")
        assert scanned.returncode == 0, scanned.stderr.decode(errors="replace")
        for line in scanned.stdout.decode("utf-8").splitlines():  # valid UTF-8 ...
            json.loads(line)  # ... and valid JSON

        with sqlite3.connect(home / "plexsh.db") as db:
            paths = [os.fsencode(loaded(p)) for (p,) in db.execute("SELECT path FROM files")]
            titles = sorted({t for (t,) in db.execute("SELECT title FROM items")})
        cataloged = [p for p in paths if not os.path.islink(p)]
        assert sorted(cataloged) == sorted(expected_in_catalog(movies))  # each regular file once
        for path in paths:  # a link is cataloged only where it stays inside the source, to a regular file
            real = os.path.realpath(path)
            assert real.startswith(nas + b"/") and os.path.isfile(real) and not os.path.islink(real)

        commands = [a for t in titles for a in ("-c", f"info {quoted(t)}")]
        for mode in ({"NO_COLOR": "1"}, {}):
            shown = on_terminal(home, "-c", "set keep-going", "-c", "ls all", *commands, **mode)
            assert raw_controls(shown) == [], shown[-2000:]
            assert b"Traceback" not in shown

        gets = [a for t in titles for a in ("-c", f"get {quoted(t)} all-versions")]
        got = plexsh(home, "--json", "-c", "set keep-going", *gets)
        replies = [json.loads(line) for line in got.stdout.decode("utf-8").splitlines()]
        assert b"Traceback" not in got.stderr
        for reply in replies:
            assert reply["ok"] or reply.get("error"), reply

        assert regular_files(nas) == before  # the source is never written to
        assert regular_files(outside) == outside_before
        copies = regular_files(os.fsencode(dest)) if dest.exists() else {}
        for path, digest in copies.items():
            assert digest in before.values(), path  # exact bytes of a source file, never the outside one
        done = [job for reply in replies for job in reply.get("jobs", []) if isinstance(job, dict)]
        assert len(copies) == sum(job["state"] == "done" for job in done)
        assert set(os.listdir(base)) <= {"home", "local", "nas", "outside"}  # nothing written elsewhere
