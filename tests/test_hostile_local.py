"""A hostile local source: symlinks out of it, FIFOs and sockets named like films, files plexsh may
not read, and names as long as the file system allows, scanned and copied for real."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, plexsh_env, run_json, run_plexsh, write_config
from plexsh.config import Discovery, load_config
from plexsh.errors import ConfigError
from plexsh.engine import copier
from plexsh.engine.plan import make_plan, partial_path, safe_name
from plexsh.library.catalog import Catalog, FileRow, Item
from plexsh.library.scanner import scan
from plexsh.library.sources import SourceSpec

HANG_GUARD = 30.0  # not a timing assertion: only keeps a copier that blocks from hanging the suite


def write(path: Path, data: bytes = b"film") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def hostile(tmp_path) -> Path:
    """A Movies source with one real film, links inside and out of it, and a dangling link."""
    movies = tmp_path / "nas" / "Movies"
    write(movies / "Heat (1995)" / "Heat (1995).mkv")
    outside = tmp_path / "outside"
    write(outside / "secret.mkv", b"not yours")
    write(outside / "etc" / "Leak (2001).mkv", b"not yours either")
    os.symlink(outside / "secret.mkv", movies / "Outside File (2020).mkv")
    os.symlink(outside / "etc", movies / "etc")
    os.symlink(movies / "nothing here", movies / "Gone (2018).mkv")
    os.symlink("Heat (1995)/Heat (1995).mkv", movies / "Heat Again (1995).mkv")
    return movies


def scan_movies(tmp_path: Path, movies: Path, discovery: Discovery = Discovery()):
    with Catalog(tmp_path / "catalog.db") as catalog:
        report = scan(catalog, [SourceSpec("Movies", str(movies), "movies")], discovery)
        listed = {rel for (rel,) in catalog.conn.execute("SELECT relpath FROM files")}
    assert report.ok, report.as_dict()
    return report.sources[0], listed


# --- scanning ------------------------------------------------------------------------------------


def test_a_symlink_out_of_the_source_is_neither_listed_nor_walked_and_scan_says_so(tmp_path, hostile):
    source, listed = scan_movies(tmp_path, hostile)
    assert listed == {"Heat (1995)/Heat (1995).mkv", "Heat Again (1995).mkv"}
    assert source.skipped_links == 3  # the file and the folder outside, and the dangling one
    assert source.warnings[0] == "skipped 3 symlinks that lead outside the source or nowhere"


def test_a_known_folder_swapped_for_a_link_out_of_the_source_is_not_walked(tmp_path, hostile):
    past = time.time() - 3600
    for folder in (hostile, hostile / "Heat (1995)"):
        os.utime(folder, (past, past))
    scan_movies(tmp_path, hostile)
    (hostile / "Heat (1995)" / "Heat (1995).mkv").unlink()
    (hostile / "Heat (1995)").rmdir()
    os.symlink(tmp_path / "outside" / "etc", hostile / "Heat (1995)")
    os.utime(hostile, (past, past), follow_symlinks=False)  # its folder's mtime says nothing changed
    source, listed = scan_movies(tmp_path, hostile)
    assert listed == {"Heat Again (1995).mkv"}  # whose link now leads nowhere, but the catalog kept it
    assert source.skipped_links == 1


@pytest.mark.parametrize("policy, expected", [
    ("never", {"Heat (1995)/Heat (1995).mkv"}),
    ("always", {"Heat (1995)/Heat (1995).mkv", "Heat Again (1995).mkv", "Outside File (2020).mkv",
                "etc/Leak (2001).mkv"}),
])
def test_follow_symlinks_never_and_always(tmp_path, hostile, policy, expected):
    source, listed = scan_movies(tmp_path, hostile, Discovery(follow_symlinks=policy))
    assert listed == expected
    assert source.skipped_links == (4 if policy == "never" else 1)  # "always" still skips the dangling one


def test_fifos_devices_and_sockets_named_like_films_are_not_cataloged(tmp_path):
    movies = tmp_path / "nas" / "Movies"
    write(movies / "Heat (1995).mkv")
    os.mkfifo(movies / "Pipe (1995).mkv")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(movies / "Socket (1996).mkv"))
    expected_skips = 2
    if os.geteuid() == 0:
        os.mknod(movies / "Device (1997).mkv", 0o600 | 0o020000, os.makedev(1, 3))  # like /dev/null
        expected_skips = 3
    try:
        source, listed = scan_movies(tmp_path, movies)
    finally:
        listener.close()
    assert listed == {"Heat (1995).mkv"}
    assert source.skipped_not_regular == expected_skips
    assert any(w.startswith(f"skipped {expected_skips} entries named like videos that are not regular files")
               for w in source.warnings)


def test_a_wrong_follow_symlinks_value_names_the_choices(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("discovery:\n  follow_symlinks: sometimes\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "discovery.follow_symlinks must be one of inside, never, always" in str(caught.value)


def test_scan_on_the_command_line_reports_the_skipped_links(home, hostile):
    (home / "TV").mkdir()
    write_config(home, hostile.parent, folders={"movies": ["Movies"], "tv": []})
    (reply,) = run_json("scan")
    assert reply["report"]["sources"][0]["skipped_links"] == 3
    result = run_plexsh("-c", "scan full")  # counted in the folders a scan reads: all of them here
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped 3 symlinks that lead outside the source or nowhere" in result.stdout


# --- the copier on its own ----------------------------------------------------------------------


def run_copier(source: Path, partial: Path, *options: str) -> tuple[int, list[dict]]:
    done = subprocess.run([*copier.command(), *options, "--", str(source), str(partial)],
                          capture_output=True, text=True, timeout=HANG_GUARD)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_the_copier_refuses_a_link_that_leads_outside_its_source(tmp_path, hostile):
    partial = tmp_path / "local" / ".p"
    partial.parent.mkdir()
    code, events = run_copier(hostile / "Outside File (2020).mkv", partial, "--root", str(hostile))
    assert code == 1 and events[-1]["kind"] == "source_refused", events
    assert "outside its source" in events[-1]["message"]
    assert not partial.exists() or partial.read_bytes() == b""
    code, events = run_copier(hostile / "Heat Again (1995).mkv", partial, "--root", str(hostile))
    assert code == 0 and partial.read_bytes() == b"film", events
    code, events = run_copier(hostile / "Heat Again (1995).mkv", tmp_path / "local" / ".q", "--root",
                              str(hostile), "--links", "never")
    assert code == 1 and events[-1]["kind"] == "source_refused", events
    code, events = run_copier(hostile / "Outside File (2020).mkv", tmp_path / "local" / ".r", "--root",
                              str(hostile), "--links", "always")
    assert code == 0 and (tmp_path / "local" / ".r").read_bytes() == b"not yours", events


def test_the_copier_fails_at_once_on_a_fifo_instead_of_blocking_in_open(tmp_path):
    fifo = tmp_path / "Heat (1995).mkv"
    os.mkfifo(fifo)
    code, events = run_copier(fifo, tmp_path / ".p")
    assert code == 1 and events[-1]["kind"] == "source_refused", events
    assert events[-1]["message"] == "the source is not a regular file but a FIFO: only files are copied"


# --- plexsh, scan then get ----------------------------------------------------------------------


@pytest.fixture
def scanned_heat(home, tmp_path):
    """A scanned source holding Heat (1995), and another film outside it."""
    movies = tmp_path / "nas" / "Movies"
    heat = write(movies / "Heat (1995)" / "Heat (1995).mkv", os.urandom(100_000))
    (tmp_path / "nas" / "TV").mkdir()
    write_config(home, tmp_path / "nas", "sync:\n  retry_backoff_base: 0.1\n  retry_backoff_max: 0.2\n",
                 folders={"movies": ["Movies"], "tv": ["TV"]})
    (reply,) = run_json("scan")
    assert reply["ok"], reply
    return heat


def test_a_link_swapped_in_after_the_scan_is_refused_at_once_not_retried(home, scanned_heat, tmp_path):
    secret = write(tmp_path / "outside" / "secret", os.urandom(100_000))
    scanned_heat.unlink()
    os.symlink(secret, scanned_heat)
    (reply,) = run_json('get "Heat"')
    (job,) = reply["jobs"]
    assert not reply["ok"] and job["state"] == "failed" and job["attempts"] == 1, job
    assert job["error_kind"] == "source_refused" and "outside its source" in job["error"]
    assert not (home / "local" / "Movies" / "Heat (1995)" / "Heat (1995).mkv").exists()


def plexsh_processes(home: Path) -> list[int]:
    """Processes started for the plexsh home HOME (plexsh and its children carry PLEXSH_HOME)."""
    found = []
    mark = f"PLEXSH_HOME={home}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if mark in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_a_film_that_became_a_fifo_fails_at_once_and_no_copier_outlives_a_killed_plexsh(home, scanned_heat):
    scanned_heat.unlink()
    os.mkfifo(scanned_heat)
    plexsh = subprocess.Popen([sys.executable, "-m", "plexsh", "-c", 'get "Heat"'], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=plexsh_env(), cwd=REPO)
    try:  # a generous guard, not a timing assertion: start-up alone takes seconds on a busy machine
        out, _ = plexsh.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # the copier hangs in open(): kill plexsh as a user would
        plexsh.send_signal(signal.SIGKILL)
        out, _ = plexsh.communicate()
    deadline = time.monotonic() + 30  # until its copiers are gone (at once when all is well)
    while plexsh_processes(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = plexsh_processes(home)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "a copier outlived plexsh"
    assert plexsh.returncode == 1 and "not a regular file but a FIFO" in out, out


def test_a_source_plexsh_may_not_read_fails_at_once_with_permission_denied(home, scanned_heat):
    if os.geteuid() != 0:
        os.chmod(scanned_heat, 0)
        prefix = []
    else:  # root reads anything: run plexsh as root without the capabilities that bypass file modes
        os.chmod(scanned_heat, 0)
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                  "--inh-caps=-dac_override,-dac_read_search", "--"]
    done = subprocess.run([*prefix, sys.executable, "-m", "plexsh", "--json", "-c", 'get "Heat"'],
                          capture_output=True, text=True, env=plexsh_env(), cwd=REPO, timeout=60)
    (reply,) = [json.loads(line) for line in done.stdout.splitlines()]
    (job,) = reply["jobs"]
    assert done.returncode == 1 and job["state"] == "failed" and job["attempts"] == 1, job
    assert job["error_kind"] == "permission_denied" and job["error"].startswith("permission denied"), job


# --- long names ----------------------------------------------------------------------------------


def name_of(size: int, word: str, tail: str = " (2001).mkv") -> str:
    """A film's file name of exactly SIZE bytes in UTF-8: WORD repeated, then TAIL."""
    room = size - len(tail.encode())
    title = (word * room)[:room]
    while len(title.encode()) > room:
        title = title[:-1]
    title = title.rstrip() + "x" * (room - len(title.rstrip().encode()))
    name = title + tail
    assert len(name.encode()) == size
    return name


def test_names_as_long_as_the_file_system_allows_are_copied(home, tmp_path):
    movies = tmp_path / "nas" / "Movies"
    (tmp_path / "nas" / "TV").mkdir(parents=True)
    names = [name_of(255, "Long Title "), name_of(250, "Amélie à Paris ")]
    contents = {}
    for name in names:
        contents[name] = write(movies / name, os.urandom(50_000)).read_bytes()
    write_config(home, tmp_path / "nas", folders={"movies": ["Movies"], "tv": ["TV"]})
    run_json("scan")
    for name in names:
        (reply,) = run_json(f'get movie "{name[:40].strip()}"')
        assert reply["ok"], reply
        (job,) = reply["jobs"]
        assert job["state"] == "done", job
        copied = Path(job["destination"])
        assert copied.name == name and copied.read_bytes() == contents[name]
        assert [p.name for p in copied.parent.iterdir()] == [name]  # no partial or state left


def test_two_long_names_that_differ_only_at_the_end_land_apart_with_their_extensions(tmp_path):
    movie = Item(1, "movie", "Long", 2001, 0, 2, None, None, None, None, (), 0.0)
    names = [name_of(300, "Long Title ", " version one.mkv"), name_of(300, "Long Title ", " version two.mkv")]
    rows = [FileRow(i, 1, f"/nas/{n}", n, "NAS", 10, None, None, None, None, None, None, None, "mkv", 0, 0.0, None)
            for i, n in enumerate(names)]
    plan = make_plan([(movie, rows)], {"movies": tmp_path / "M", "tv": tmp_path / "T"}, all_versions=True)
    destinations = [e.destination.name for e in plan.entries]
    assert len(set(destinations)) == 2
    assert all(d.endswith(".mkv") and len(d.encode()) <= 255 for d in destinations), destinations


def test_temporary_names_stay_short_whatever_the_final_name():
    final = Path("/l/Movies") / name_of(255, "Long Title ")
    partial = partial_path(final)
    assert partial.parent == final.parent and partial.name.startswith(".")
    assert len((partial.name + ".state.tmp").encode()) < 64
    assert partial_path(final.with_name(name_of(255, "Long Title ", " (2002).mkv"))) != partial
    assert safe_name(final.name) == final.name  # a name that fits is kept whole
