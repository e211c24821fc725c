"""The same NAS three ways (rsync://, ssh, the sshfs mount): one catalog, and `get` brings identical bytes over each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NAS_FILES, ONE_EACH, run_json, run_plexsh, write_config


def configure(home: Path, base: Path | str, key: Path | None = None) -> None:
    security = f"security:\n  ssh_key_path: {json.dumps(str(key))}\n" if key else ""
    write_config(home, base, security, folders=ONE_EACH)


def catalog(home: Path) -> list[tuple]:
    (ls,) = run_json("ls all", PLEXSH_HOME=str(home))
    return sorted((i["title"], i["year"], i["kind"], i["size"]) for i in ls["items"])


@pytest.mark.parametrize("path", ["rsync", "ssh", "mount"])
def test_each_access_path_scans_the_same_catalog_and_gets_identical_bytes(nas_bench, tmp_path, path):
    bench = nas_bench
    base = {"rsync": bench.rsync_url, "ssh": bench.ssh_source, "mount": str(bench.mount)}[path]
    home = tmp_path / "home"
    configure(home, base, bench.ssh_key if path == "ssh" else None)
    reference = tmp_path / "reference"
    configure(reference, bench.media_dir)
    for where in (home, reference):
        scanned = run_plexsh("-c", "scan", PLEXSH_HOME=str(where))
        assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert catalog(home) == catalog(reference) != []
    got = run_plexsh("-c", 'get "Breaking Bad" s1', "-c", 'get "Heat" verify sha256', PLEXSH_HOME=str(home),
                     timeout=120)
    assert got.returncode == 0, got.stdout + got.stderr
    # What each path's verification proved: by default no second read of the source; asked for
    # `verify sha256`, the NAS checks the source where it lies.
    (status,) = run_json("status", PLEXSH_HOME=str(home))
    proved = {t["file"]: (t["verify"], t["guarantee"]) for t in status["transfers"]}
    default, asked = {"rsync": ("rsync-checksum+local-sha256", "rsync-checksum+local-sha256+source-sha1"),
                      "ssh": ("rsync-checksum+local-sha256", "rsync-checksum+source-sha256"),
                      "mount": ("sha256-of-source-as-read", "sha256-of-source-as-read")}[path]
    assert proved.pop("Heat (1995).mkv") == ("sha256", asked)
    assert set(proved.values()) == {("checksum", default)}
    local = home / "local"
    season = sorted((local / "TV" / "Breaking Bad" / "Season 01").iterdir())
    assert [p.name for p in season] == sorted(Path(rel).name for rel in NAS_FILES
                                              if rel.startswith("TV/Breaking Bad/Season 01/"))
    for copy in season:
        assert copy.read_bytes() == (bench.media_dir / "TV" / "Breaking Bad" / "Season 01" / copy.name).read_bytes()
    heat = local / "Movies" / "Heat (1995)" / "Heat (1995).mkv"
    assert heat.read_bytes() == (bench.media_dir / "Movies" / "Heat (1995)" / "Heat (1995).mkv").read_bytes()
