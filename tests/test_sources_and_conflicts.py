"""A source is never written to, a file plexsh did not place is never replaced unasked, and a name
that is not UTF-8 costs nothing: real files, the real command, the real engine."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import trio

from conftest import NAS_FILES, run_json, run_plexsh, write_config, write_tree
from enginekit import Entry, running
from plexsh.config import Config, Sync
from plexsh.engine.plan import partial_path
from plexsh.printable import printable


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below ROOT and its SHA-256: a source before and after must match exactly."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# --- a destination that meets a source ------------------------------------------------------------


def configured_with_destination(home: Path, nas: Path, movies: Path) -> None:
    config = write_config(home, nas)
    text = config.read_text().splitlines()
    config.write_text("\n".join(f"  movies: {json.dumps(str(movies))}" if line.startswith("  movies:") and
                                i > text.index("destinations:") else line for i, line in enumerate(text)) + "\n")


def test_a_destination_that_is_a_source_is_refused_and_the_nas_is_untouched(home, nas):
    before = tree_digest(nas)
    configured_with_destination(home, nas, nas / "Movies")

    result = run_plexsh("-c", "scan", "-c", "get heat")

    assert result.returncode == 1
    [line, *_] = result.stderr.splitlines()
    assert f"the destination {nas / 'Movies'} is the source {nas / 'Movies'}" in line
    assert "never writes to a source" in line
    assert tree_digest(nas) == before


def test_a_link_to_a_source_as_destination_is_refused(home, nas, tmp_path):
    link = tmp_path / "my-movies"
    link.symlink_to(nas / "Movies")
    configured_with_destination(home, nas, link)

    result = run_plexsh("-c", "sources")

    assert result.returncode == 1
    assert f"the destination {link} is the source {nas / 'Movies'}" in result.stderr


def test_a_destination_inside_a_source_or_holding_one_is_refused(home, nas):
    configured_with_destination(home, nas, nas / "Movies" / "Local copies")
    inside = run_plexsh("-c", "sources")
    assert inside.returncode == 1 and "lies inside the source" in inside.stderr

    configured_with_destination(home, nas, nas)
    holding = run_plexsh("-c", "sources")
    assert holding.returncode == 1 and f"the destination {nas} contains the source" in holding.stderr


def test_get_to_a_source_folder_copies_nothing(scanned, nas):
    before = tree_digest(nas)
    for target in (nas / "Movies", nas / "Movies2" / "new", nas / "Movies" / "Heat (1995)"):
        result = run_plexsh("-c", f'get heat to "{target}"')
        assert result.returncode == 1, result.stdout
        assert "plexsh never writes to a source" in result.stderr
    assert tree_digest(nas) == before


def test_a_folder_of_the_destination_that_links_into_a_source_is_refused(scanned, nas):
    """With destination = source 1, `get Heat` once overwrote source 1's file with source 2's."""
    before = tree_digest(nas)
    movies = scanned / "local" / "Movies"
    movies.mkdir(parents=True)
    (movies / "Heat (1995)").symlink_to(nas / "Movies" / "Heat (1995)")

    result = run_plexsh("-c", "get heat all-versions")

    assert result.returncode == 1
    assert "lies inside the source" in result.stderr
    assert tree_digest(nas) == before


# --- a file already at the destination ---------------------------------------------------------------


def planned(title: str) -> tuple[Path, Path]:
    """(source, destination) of the one file `get TITLE` would copy."""
    (plan,) = run_json(f"get {title} dry-run")
    (entry,) = plan["files"]
    return Path(entry["source"]), Path(entry["destination"])


def test_a_different_file_at_the_destination_is_a_conflict_and_stays(scanned):
    _, mine = planned("heat")
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own notes" * 648 + b"!" * 1)  # 7,777 bytes that plexsh did not place

    result = run_plexsh("-c", "get heat")

    assert result.returncode == 1
    assert "conflict: a different file is there (7,777 bytes, not placed by plexsh)" in result.stdout
    assert "replace" in result.stdout
    assert mine.read_bytes() == b"my own notes" * 648 + b"!"


def test_replace_replaces_a_different_file(scanned):
    source, mine = planned("heat")
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"x" * 7_777)

    result = run_plexsh("-c", "get heat replace")

    assert result.returncode == 0, result.stdout + result.stderr
    assert mine.read_bytes() == source.read_bytes()


def test_the_same_file_already_there_is_skipped_and_a_newer_source_replaces_plexshs_own_copy(scanned):
    source, destination = planned("heat")
    assert run_plexsh("-c", "get heat").returncode == 0
    (again,) = run_json("get heat")
    assert again["ok"] and [f["skipped"] for f in again["files"]] == ["already there (sha256 verified)"]

    # The NAS gets a new version the way downloads land: written aside, renamed over the old one
    # (which moves the folder's mtime; a file rewritten in place needs `scan full`, as documented).
    # Its folder is made to look long settled first, so the scan trusts an unchanged folder as it
    # would in use; otherwise the test would pass only while the folder is too recent to trust.
    settled = time.time() - 3600
    os.utime(source.parent, (settled, settled))
    assert run_plexsh("-c", "scan").returncode == 0
    newer = source.with_name("download.tmp")
    newer.write_bytes(b"a new cut of the film" * 1000)
    newer.rename(source)
    assert run_plexsh("-c", "scan").returncode == 0
    result = run_plexsh("-c", "get heat")

    assert result.returncode == 0, result.stdout + result.stderr
    assert destination.read_bytes() == source.read_bytes()


async def test_a_file_that_appears_at_the_destination_during_the_copy_is_kept(tmp_path):
    source = tmp_path / "nas" / "Heat (1995).mkv"
    source.parent.mkdir()
    source.write_bytes(os.urandom(1 << 20))
    destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
    settings = Sync(retry_attempts=2, retry_backoff_base=0.05, retry_backoff_max=0.1)
    async with running(tmp_path, Config(sync=settings), 60, chunk_size="64K") as sup:
        (job_id,) = sup.enqueue([Entry(source, destination, partial_path(destination), 1 << 20)],
                                bwlimit=512 << 10)
        while sup.view(job_id).bytes_done < 128 << 10:
            await trio.sleep(0.02)
        destination.write_bytes(b"the user's own file")
        (view,) = await sup.wait([job_id])

    assert view.state == "failed" and "appeared" in view.error
    assert destination.read_bytes() == b"the user's own file"


# --- a name that is not UTF-8 ----------------------------------------------------------------------


def test_a_name_that_is_not_utf8_is_cataloged_copied_exactly_and_costs_nothing_else(home, nas):
    cafe = os.fsencode(nas / "Movies") + b"/Caf\xe9 (2004)/Caf\xe9 (2004).mkv"
    os.makedirs(os.path.dirname(cafe))
    with open(cafe, "wb") as f:
        f.write(b"latin-1 bytes on an old share" * 100)
    write_config(home, nas)

    first = run_plexsh("-c", "scan")
    assert first.returncode == 0, first.stdout + first.stderr
    listed = run_json("ls movies")[0]
    titles = {item["title"] for item in listed["items"]}
    assert "Café" in titles
    assert {"The Matrix", "Heat", "Amélie"} <= titles  # nothing else of the source is lost
    found = run_json("find cafe")[0]
    assert found["ok"] and found["items"][0]["title"] == "Café"

    second = run_plexsh("-c", "scan")  # the folder is known now: nothing changes
    assert second.returncode == 0 and "+0" in second.stdout and "-0" not in second.stdout.replace(" -0 ", "")

    got = run_plexsh("-c", "get café")
    assert got.returncode == 0, got.stdout + got.stderr
    assert got.stderr == ""  # no "Logging error" from a log line naming the file
    copied = home / "local" / "Movies" / "Café (2004)" / "Café (2004).mkv"
    assert copied.read_bytes() == open(cafe, "rb").read()
    log = (home / "logs" / "plexsh.log").read_text(encoding="utf-8")
    assert printable(os.fsdecode(cafe)) in log  # Caf\351, as the shell shows it


def test_every_nas_file_survives_a_share_with_a_bad_name_in_every_folder(home, tmp_path):
    nas = tmp_path / "nas2"
    write_tree(nas, NAS_FILES)
    for folder in ("Movies", "TV/Breaking Bad/Season 01"):
        with open(os.fsencode(nas / folder) + b"/\xff\xfe Broken (1999).mkv", "wb") as f:
            f.write(b"x")
    write_config(home, nas)

    result = run_plexsh("-c", "scan")

    assert result.returncode == 0, result.stdout + result.stderr
    (stats,) = run_json("ls all page 1")
    assert stats["ok"]
    shows = {item["title"] for item in run_json("ls tv")[0]["items"]}
    assert "Breaking Bad" in shows
