"""Hostile names and refusals on remote sources: pattern characters, bytes that are not UTF-8, control
characters, 250-byte names and a NAS that says no, over rsync:// and ssh on the NAS bench."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
import trio

from conftest import run_json, run_plexsh, write_config
from enginekit import Entry, running
from plexsh.config import Config, Discovery, Sync
from plexsh.engine import fetch
from plexsh.engine.plan import partial_path
from plexsh.library.remote import join, walk_remote
from plexsh.library.sources import SourceSpec
from rsyncd import rsync_daemon

HANG_GUARD = 60.0  # not a timing assertion: only keeps a broken backend from hanging the suite
# Names that match each other as rsync patterns, all the same size, so only the bytes tell them apart.
PATTERN_NAMES = ["A [12].mkv", "A 1.mkv", "A *.mkv", "A ?.mkv", "A \\b.mkv", "A \\[1].mkv", "A ]x.mkv",
                 "A \\*.mkv", "A 2.mkv"]
# A name a shell would run something for: over ssh, verify sha256 runs a command on the NAS.
SHELL_NAME = "It's $(touch pwned) `touch pwned` \"A\" ~ [1].mkv"
# Names an old Samba share or a careless script leaves on a NAS: not UTF-8, control characters.
RAW_NAMES = [b"Caf\xe9 (2004).mkv", b"New\nLine (2005).mkv", b"Tab\tbed (2006).mkv", b"Bell\x07 (2007).mkv"]


def put(folder: Path, name: str | bytes, size: int = 4096) -> bytes:
    """A file whose bytes are its own (derived from its path), SIZE long."""
    raw = os.fsencode(name)
    data = (hashlib.sha256(os.fsencode(folder) + b"/" + raw).digest() * (size // 32 + 1))[:size]
    folder.mkdir(parents=True, exist_ok=True)
    with open(os.path.join(os.fsencode(folder), raw), "wb") as out:
        out.write(data)
    return data


def events_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_fetch(bench, source: str, partial: Path, *options: str) -> list[dict]:
    """The rsync backend for one file, as the engine runs it (ssh with the bench's key)."""
    ssh = ["--ssh-key", str(bench.ssh_key), "--known-hosts", str(partial.parent / "known_hosts")] if bench else []
    done = subprocess.run([*fetch.command(), *ssh, *options, "--", source, str(partial)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=HANG_GUARD)
    return events_of(done.stdout)


def base_of(bench, path: str) -> str:
    return {"rsync": bench.rsync_url, "ssh": bench.ssh_source}[path]


@pytest.mark.slow
@pytest.mark.parametrize("path", ["rsync", "ssh"])
def test_files_whose_names_match_each_other_as_patterns_each_arrive_with_their_own_bytes(nas_bench, tmp_path,
                                                                                          path):
    originals = {name: put(nas_bench.media_dir / "Twins [x]", name) for name in [*PATTERN_NAMES, SHELL_NAME]}
    for name in originals:  # what the folder's name matches as a pattern, with other bytes
        put(nas_bench.media_dir / "Twins x", name)
    base = join(base_of(nas_bench, path), "Twins [x]")
    for name, data in originals.items():
        partial = tmp_path / "partial"
        for verify in ([], ["--source-check"]):  # verify sha256 checks the source where it lies
            partial.unlink(missing_ok=True)
            done = run_fetch(nas_bench, join(base, name), partial, *verify)[-1]
            assert done["event"] == "done", (name, done)
            assert partial.read_bytes() == data, f"{name!r} arrived holding another file's bytes"
            assert done["sha256"] == hashlib.sha256(data).hexdigest()  # over ssh: as the NAS computed it
    assert not list(nas_bench.media_dir.rglob("pwned")) and not (Path.home() / "pwned").exists()


@pytest.mark.parametrize("path", ["rsync", "ssh"])
def test_names_that_are_not_utf8_or_hold_control_characters_are_listed_and_fetched_byte_exact(nas_bench, tmp_path,
                                                                                               path):
    folder = nas_bench.media_dir / "Odd [1]"  # a source folder whose name is a pattern too
    originals = {raw: put(folder, os.fsdecode(raw)) for raw in RAW_NAMES}
    put(folder, "Plain (2001).mkv")
    put(nas_bench.media_dir / "Odd 1", "Decoy (2000).mkv")  # what that pattern matches
    spec = SourceSpec("Odd", join(base_of(nas_bench, path), "Odd [1]"), "movies",
                      ssh_key=str(nas_bench.ssh_key) if path == "ssh" else None)
    said = []
    os.environ.setdefault("PLEXSH_HOME", str(tmp_path / "home"))
    walk_remote(spec, Discovery(scan_timeout=30), [], True, said.append)
    assert said[-1][0] == "done", said[-1]
    listed = {row[0] for message in said if message[0] == "batch" for _, _, _, rows in message[2] for row in rows}
    assert listed == {os.fsdecode(raw) for raw in RAW_NAMES} | {"Plain (2001).mkv"}
    for raw, data in originals.items():
        partial = tmp_path / "partial"
        partial.unlink(missing_ok=True)
        done = run_fetch(nas_bench, join(spec.root, os.fsdecode(raw)), partial, "--source-check")[-1]
        assert done["event"] == "done", (raw, done)
        assert partial.read_bytes() == data, f"{raw!r} arrived with other bytes"


def test_a_250_byte_name_arrives_over_rsync(nas_bench, tmp_path):
    name = "Long " + "x" * 241 + ".mkv"
    assert len(name.encode()) == 250
    data = put(nas_bench.media_dir / "Long", name, 300_000)
    destination = tmp_path / "local" / "Long" / name
    sync = Sync(retry_attempts=0, stall_timeout=10.0)

    async def get() -> tuple:
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            (job_id,) = sup.enqueue([Entry(join(nas_bench.rsync_url, f"Long/{name}"), destination,
                                           partial_path(destination), len(data))], verify="sha256")
            return await sup.wait([job_id])

    (view,) = trio.run(get)
    assert view.state == "done", view.error
    assert destination.read_bytes() == data
    assert sorted(p.name for p in destination.parent.iterdir()) == [name]  # nothing left beside it


async def test_a_copy_whose_size_differs_from_the_catalog_is_refused_and_never_gets_its_final_name(tmp_path):
    with rsync_daemon(tmp_path) as nas:
        data = put(nas.folder, "Heat (1995).mkv", 100_000)
        destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
        sync = Sync(retry_attempts=3, retry_backoff_base=0.05, stall_timeout=10.0)
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            # The catalog listed 100,001 bytes for this path; the NAS serves 100,000.
            (job_id,) = sup.enqueue([Entry(nas.url("Heat (1995).mkv"), destination, partial_path(destination),
                                           len(data) + 1)])
            (view,) = await sup.wait([job_id])
    assert view.state == "failed" and view.attempts == 1, (view.state, view.attempts, view.error)
    assert "100000 bytes" in view.error and "100001" in view.error and "scan" in view.error, view.error
    assert not destination.exists()


@pytest.mark.parametrize("refusal", ["unreadable file", "unreadable folder", "host refused"])
async def test_a_source_the_nas_refuses_fails_at_once_with_the_nas_s_reason(tmp_path, refusal):
    with rsync_daemon(tmp_path) as nas:
        put(nas.folder / "Shut", "Heat (1995).mkv", 1000)
        if refusal == "unreadable file":
            os.chmod(nas.folder / "Shut" / "Heat (1995).mkv", 0)
        elif refusal == "unreadable folder":
            os.chmod(nas.folder / "Shut", 0)
        # Served as nobody, chrooted into the module (so the private folders above it do not matter).
        nas.stop()
        nobody = 65534
        module = "hosts allow = 192.0.2.1\n" if refusal == "host refused" else ""
        nas.config.write_text(nas.config.read_text().replace(f"uid = {os.getuid()}", f"uid = {nobody}")
                              .replace(f"gid = {os.getgid()}", f"gid = {nobody}")
                              .replace("use chroot = no", "use chroot = yes") + module, encoding="utf-8")
        nas.start()
        destination = tmp_path / "local" / "Heat (1995)" / "Heat (1995).mkv"
        sync = Sync(retry_attempts=5, retry_backoff_base=0.05, retry_backoff_max=0.1, stall_timeout=10.0)
        async with running(tmp_path, Config(sync=sync), HANG_GUARD, chunk_size="64K") as sup:
            (job_id,) = sup.enqueue([Entry(nas.url("Shut/Heat (1995).mkv"), destination,
                                           partial_path(destination), 1000)])
            (view,) = await sup.wait([job_id])
    assert view.state == "failed" and view.attempts == 1, (view.state, view.attempts, view.error)
    reason = "access denied" if refusal == "host refused" else "Permission denied"
    assert reason in view.error and "gave up" not in view.error, view.error
    assert not destination.exists()


def test_scan_and_get_bring_a_film_whose_name_is_not_utf8(nas_bench, tmp_path):
    """End to end: needs the catalog to store names that are not UTF-8 (issue 16, the catalog's part)."""
    raw = b"Caf\xe9 (2004).mkv"
    data = put(nas_bench.media_dir / "Movies" / "Caf\xe9 (2004)", os.fsdecode(raw), 20_000)
    home = tmp_path / "home"
    write_config(home, nas_bench.rsync_url, folders={"movies": ["Movies"], "tv": ["TV"]})
    scanned = run_plexsh("-c", "scan", PLEXSH_HOME=str(home))
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    got = run_plexsh("-c", 'get "Caf" verify sha256', PLEXSH_HOME=str(home), timeout=120)
    assert got.returncode == 0, got.stdout + got.stderr
    copies = [p for p in (home / "local" / "Movies").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in copies] == [data]


def test_a_name_rsync_cannot_ask_for_alone_fails_clearly_and_never_brings_another_file(tmp_path):
    """A backslash before `[` can only be asked for as `?`, which here matches a second file too."""
    with rsync_daemon(tmp_path) as nas:
        put(nas.folder, "A \\[1].mkv")
        put(nas.folder, "A x[1].mkv")
        partial = tmp_path / "partial"
        error = run_fetch(None, nas.url("A \\[1].mkv"), partial)[-1]
    assert error["event"] == "error" and error["kind"] == "fatal", error
    assert "matches more than one file on the NAS" in error["message"]
    assert partial.read_bytes() == b""
