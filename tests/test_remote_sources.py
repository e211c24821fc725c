"""Remote sources: rsync:// listed by one rsync stream into the catalog, checked by doctor, fetched by get,
against a real rsync daemon; ssh locations as far as they go without an sshd."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import NAS_FILES, run_json, run_plexsh, write_config, write_tree
from plexsh.config import load_config
from plexsh.location import check_remote
from plexsh.errors import ConfigError
from plexsh.library.remote import listing_command
from plexsh.library.sources import sources_from_config
from rsyncd import rsync_daemon

SOURCES = {"movies": ["Movies", "Movies2"], "tv": ["TV", "TV2"]}
# Names rsync escapes or that the walker's rules must skip, beside the conftest NAS.
ODD_FILES = {
    "Movies/Back\\#012slash (2003)/Back\\#012slash (2003).mkv": 1_000,
    "Movies/Crème Brûlée (2004)/Crème Brûlée (2004).mkv": 2_000,
    "Movies/New\nLine (2005)/New\nLine (2005).mkv": 3_000,
    "Movies/Heat (1995)/.Heat (1995).mkv": 10,
    "Movies/Deep (2006)/a/b/c/d/e/f/Deep (2006).mkv": 10,
}


def age(root: Path, seconds: float = 3600) -> None:
    """Backdate every folder, as a library that has sat on a NAS for a while (a folder changed in
    the last two seconds is re-listed on the next scan whatever its mtime says)."""
    past = time.time() - seconds
    for folder, _, _ in os.walk(root):
        os.utime(folder, (past, past))


@pytest.fixture
def nas_daemon(tmp_path):
    write_tree(tmp_path / "nas", {**NAS_FILES, **ODD_FILES})
    age(tmp_path / "nas")
    with rsync_daemon(tmp_path) as daemon:
        yield daemon


def write_remote_config(home: Path, daemon, local: dict[str, list[str]] | None = None, extra: str = "") -> None:
    """Sources as rsync:// URLs of the daemon; `local` names folders of the NAS given as plain paths."""
    local = local or {}
    lines = ["sources:"]
    for kind, names in SOURCES.items():
        locations = [str(daemon.folder / n) if n in local.get(kind, ()) else daemon.url(n) for n in names]
        lines.append(f"  {kind}: {json.dumps(locations)}")
    lines += ["destinations:", f"  movies: {json.dumps(str(home / 'local' / 'Movies'))}",
              f"  tv: {json.dumps(str(home / 'local' / 'TV'))}"]
    (home / "config.yaml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")


def catalog_view(home: Path) -> dict:
    """What a person sees of the catalog: titles with their files' relative paths, sizes, seasons, episodes."""
    with sqlite3.connect(home / "plexsh.db") as db:
        items = sorted(db.execute("SELECT kind, title, year, files, seasons, episodes, size FROM items"))
        files = sorted(db.execute(
            "SELECT f.source, f.relpath, f.size, f.season, f.episodes, i.title, i.year "
            "FROM files f JOIN items i ON i.id = f.item_id"))
    return {"items": items, "files": files}


def scan_report(home: Path, *args: str) -> dict:
    (reply,) = run_json("scan " + " ".join(args), PLEXSH_HOME=home)
    return reply


def test_a_remote_scan_catalogs_what_a_local_scan_of_the_same_tree_does(nas_daemon, home, tmp_path):
    local_home = tmp_path / "local-home"
    local_home.mkdir()
    write_config(local_home, nas_daemon.folder)
    assert run_plexsh("-c", "scan", PLEXSH_HOME=local_home).returncode == 0
    # A link is listed by rsync as a link (`l...`) and skipped (a local walk would follow it).
    os.symlink("Heat (1995).mkv", nas_daemon.folder / "Movies/Heat (1995)/Heat Link (1995).mkv")

    write_remote_config(home, nas_daemon)
    result = run_plexsh("-c", "scan")
    assert result.returncode == 0, result.stdout + result.stderr
    remote, local = catalog_view(home), catalog_view(local_home)
    assert remote == local
    titles = {(kind, title) for kind, title, *_ in remote["items"]}
    assert {("movie", "Heat"), ("movie", "Crème Brûlée"), ("show", "Breaking Bad")} <= titles
    relpaths = {f[1] for f in remote["files"]}
    assert "Back\\#012slash (2003)/Back\\#012slash (2003).mkv" in relpaths and "New\nLine (2005)/New\nLine (2005).mkv" in relpaths
    assert not any("sample" in r or "trailer" in r or "Extras" in r or ".part" in r or "/." in r or "Deep" in r
                   for r in relpaths)

    with sqlite3.connect(home / "plexsh.db") as db:  # a remote file's path is what rsync fetches
        (path,) = db.execute("SELECT path FROM files WHERE relpath = 'Heat (1995)/Heat (1995).mkv'").fetchone()
    assert path == nas_daemon.url("Movies/Heat (1995)/Heat (1995).mkv")


def test_a_rescan_parses_only_what_changed(nas_daemon, home):
    write_remote_config(home, nas_daemon)
    first = scan_report(home)
    assert first["ok"] and first["report"]["totals"]["added"] == len(catalog_view(home)["files"])

    again = scan_report(home)
    totals = again["report"]["totals"]
    assert again["ok"] and totals["listed_dirs"] == 0 and totals["added"] == totals["removed"] == 0
    assert totals["unchanged_dirs"] > 0
    assert run_plexsh("-c", "scan").stdout.count("nothing changed since the last scan") == 1

    write_tree(nas_daemon.folder, {"Movies/Ronin (1998)/Ronin (1998).mkv": 4_000})
    (nas_daemon.folder / "TV/Breaking Bad/Season 02/Breaking Bad - S02E02 - Grilled.mkv").unlink()
    changed = scan_report(home)["report"]
    by_source = {s["name"]: s for s in changed["sources"]}
    assert (by_source["Movies"]["added"], by_source["TV"]["removed"]) == (1, 1)
    # the new folder and the two folders whose mtime moved, nothing else
    assert changed["totals"]["listed_dirs"] == 3
    (found,) = run_json("find Ronin", PLEXSH_HOME=home)
    assert found["ok"] and "Ronin" in json.dumps(found)


def test_an_unreachable_nas_is_named_with_rsyncs_reason_and_the_others_are_scanned(nas_daemon, home):
    write_remote_config(home, nas_daemon, local={"tv": ["TV", "TV2"]})
    assert scan_report(home)["ok"]
    before = catalog_view(home)
    nas_daemon.stop()

    result = run_plexsh("--json", "-c", "scan")
    assert result.returncode == 1
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    by_source = {s["name"]: s for s in reply["report"]["sources"]}
    for name in ("Movies", "Movies2"):
        assert not by_source[name]["ok"]
        assert by_source[name]["reason"].startswith("unreachable (rsync exit 10 (error in socket I/O)")
        assert "Connection refused" in by_source[name]["reason"]
    assert by_source["TV"]["ok"] and by_source["TV2"]["ok"]
    assert catalog_view(home) == before  # a NAS that is away is not a NAS that was emptied
    plain = run_plexsh("-c", "scan")
    assert plain.returncode == 1 and "Movies (unreachable (rsync exit 10" in plain.stdout + plain.stderr


def test_doctor_and_sources_say_which_remote_sources_answer(nas_daemon, home):
    write_remote_config(home, nas_daemon, local={"tv": ["TV2"]})
    (doctor,) = run_json("doctor", PLEXSH_HOME=home)
    checks = {c["check"]: c for c in doctor["checks"]}
    assert checks["source Movies"]["ok"] and checks["source Movies"]["detail"].endswith("(rsync): reachable")
    assert checks["source TV2"]["ok"] and checks["source TV2"]["detail"].endswith(": readable")
    (listing,) = run_json("sources", PLEXSH_HOME=home)
    assert {s["name"]: (s["transport"], s["reachable"]) for s in listing["sources"]} == {
        "Movies": ("rsync", True), "Movies2": ("rsync", True), "TV": ("rsync", True), "TV2": ("local", True)}

    nas_daemon.stop()
    result = run_plexsh("--json", "-c", "doctor")
    assert result.returncode == 1
    (doctor,) = [json.loads(line) for line in result.stdout.splitlines()]
    checks = {c["check"]: c for c in doctor["checks"]}
    movies = checks["source Movies"]
    assert not movies["ok"] and "unreachable (rsync exit 10" in movies["detail"] and movies["fix"]
    assert checks["source TV2"]["ok"]
    (listing,) = run_json("sources", PLEXSH_HOME=home)
    assert {s["name"]: s["reachable"] for s in listing["sources"]}["Movies"] is False

    nas_daemon.start()
    (doctor,) = run_json("doctor", PLEXSH_HOME=home)
    assert {c["check"]: c["ok"] for c in doctor["checks"]}["source Movies"]


def test_get_from_an_rsync_source_puts_a_byte_identical_file_in_place(nas_daemon, home):
    write_remote_config(home, nas_daemon)
    assert scan_report(home)["ok"]
    (reply,) = run_json('get "Heat"', PLEXSH_HOME=home)
    assert reply["ok"], reply
    (job,) = reply["jobs"]
    assert job["state"] == "done" and job["source"].startswith(nas_daemon.url())
    original = nas_daemon.folder / job["source"][len(nas_daemon.url()):]
    landed = Path(job["destination"])
    assert landed.is_relative_to(home / "local" / "Movies")
    assert landed.read_bytes() == original.read_bytes() and job["bytes_done"] == original.stat().st_size
    assert sorted(p.name for p in landed.parent.iterdir()) == [landed.name]  # no partial left behind


# --- locations in the config, and ssh without an sshd ------------------------------------------


@pytest.mark.parametrize("location, tidy", [
    ("rsync://nas/media", "rsync://nas/media"),
    ("rsync://nas/media/", "rsync://nas/media"),
    ("rsync://me@nas:8873/media/Movies/", "rsync://me@nas:8873/media/Movies"),
    ("me@nas:/volume1/TV/", "me@nas:/volume1/TV"),
    ("nas:/srv/media/TV", "nas:/srv/media/TV"),
    ("nas:/", "nas:/"),
])
def test_remote_locations_are_accepted_and_tidied(location, tidy):
    assert check_remote(location) == tidy


@pytest.mark.parametrize("location, says", [
    ("rsync://", "names no host"),
    ("rsync:///media", "names no host"),
    ("rsync://nas", "names no module"),
    ("rsync://nas/", "names no module"),
    ("rsync://nas:http/media", "the port must be a number"),
    ("rsync://nas:0/media", "the port must be a number"),
    ("nas:Movies", "needs an absolute path after the colon"),
    ("me@nas:", "needs an absolute path after the colon"),
])
def test_malformed_remote_sources_fail_with_one_line_naming_file_line_and_form(tmp_path, location, says):
    config = tmp_path / "config.yaml"
    config.write_text(f"sources:\n  movies:\n    - /mnt/Movies\n    - {json.dumps(location)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config)
    message = error.value.message
    assert "\n" not in message and says in message
    assert message.startswith(f"{config} line 4: sources.movies: {location!r}")


def test_a_malformed_source_stops_the_command_line_with_its_reason(home):
    (home / "config.yaml").write_text('sources:\n  movies: ["rsync://nas"]\n', encoding="utf-8")
    result = run_plexsh("-c", "sources")
    assert result.returncode != 0
    assert "line 2: sources.movies: 'rsync://nas' names no module: rsync://host[:port]/module/path" in (
        result.stdout + result.stderr)


def test_ssh_sources_list_with_the_configured_key_and_fail_by_name_without_a_server(tmp_path, home):
    key = tmp_path / "id_test"
    (home / "config.yaml").write_text(
        "sources:\n"
        "  movies: [me@127.0.0.1:/volume1/Movies/, ./odd:name]\n"
        f"security: {{ssh_key_path: {json.dumps(str(key))}}}\n", encoding="utf-8")
    specs = sources_from_config(load_config(home / "config.yaml"))
    assert [(s.name, s.transport, s.root) for s in specs] == [
        ("Movies", "ssh", "me@127.0.0.1:/volume1/Movies"), ("odd:name", "local", str(home / "odd:name"))]
    argv = listing_command(specs[0], 4, recursive=True)
    assert argv[0] == "rsync" and "--list-only" in argv and "-r" in argv and argv[-1] == "me@127.0.0.1:/volume1/Movies/"
    ssh = argv[argv.index("-e") + 1]  # fetch.rsync_command's ssh, with the configured key
    assert ssh.startswith("ssh -o BatchMode=yes") and "ConnectTimeout=4" in ssh and f"-i {key}" in ssh.replace("'", "")
    assert f"UserKnownHostsFile={home / 'known_hosts'}" in ssh.replace("'", "")  # the transfers' file

    # No sshd answers on this machine's port 22 (and BatchMode never asks for a password): the
    # scan and doctor name the source with rsync's and ssh's words instead of hanging.
    (reply,) = run_json("scan Movies", PLEXSH_HOME=home)
    (movies,) = reply["report"]["sources"]
    assert not movies["ok"] and "rsync exit" in movies["reason"]
    (doctor,) = run_json("doctor", PLEXSH_HOME=home)
    check = {c["check"]: c for c in doctor["checks"]}["source Movies"]
    assert not check["ok"] and "(ssh): " in check["detail"] and "rsync exit" in check["detail"]
