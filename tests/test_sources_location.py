"""Source locations as a user writes them in the config: one parser (plexsh.location) decides local,
rsync daemon or ssh, for the config, the scanner, the transfers and the probes that wait for a NAS."""

from __future__ import annotations

import json

import pytest

from plexsh.config import ConfigError, load_config
from plexsh.engine.fetch import base_name, rsync_path, split_ssh_source
from plexsh.engine.reach import endpoint
from plexsh.library.remote import join
from plexsh.library.sources import sources_from_config


def specs(tmp_path, *locations: str):
    config = tmp_path / "config.yaml"
    config.write_text(f"sources:\n  movies: {json.dumps(list(locations))}\n", encoding="utf-8")
    return sources_from_config(load_config(config))


def test_ipv6_hosts_in_brackets_are_remote_sources_with_their_port(tmp_path):
    daemon, ssh = specs(tmp_path, "rsync://[fe80::1]:8873/media/Movies/", "me@[2001:db8::2]:/volume1/Films")
    assert (daemon.transport, daemon.root, daemon.name) == ("rsync", "rsync://[fe80::1]:8873/media/Movies", "Movies")
    assert (ssh.transport, ssh.root, ssh.name) == ("ssh", "me@[2001:db8::2]:/volume1/Films", "Films")
    movie = join(daemon.root, "Heat (1995)/Heat [1995].mkv")
    assert endpoint(movie) == ("tcp", "fe80::1", 8873)  # what the engine probes before a retry
    assert rsync_path(movie) == "rsync://[fe80::1]:8873/media/Movies/Heat (1995)/Heat \\[1995\\].mkv"
    assert base_name(movie) == "Heat [1995].mkv"
    episode = join(ssh.root, "a.mkv")
    assert endpoint(episode) == ("tcp", "2001:db8::2", 22)
    assert split_ssh_source(episode) == ("me@[2001:db8::2]", "/volume1/Films/a.mkv")


def test_a_colon_after_a_slash_or_a_windows_drive_is_a_local_folder(tmp_path):
    odd, drive = specs(tmp_path, "./a:b", "C:\\Films")
    assert (odd.transport, odd.root) == ("local", str(tmp_path / "a:b"))
    assert (drive.transport, drive.root) == ("local", str(tmp_path / "C:\\Films"))
    assert endpoint(str(tmp_path / "a:b" / "x.mkv")) == ("path", str(tmp_path / "a:b"))


@pytest.mark.parametrize("location, says", [
    ("nas:", "needs an absolute path after the colon"),
    ("[::1]:Movies", "needs an absolute path after the colon"),
    ("rsync://[::1]:99999/media", "the port must be a number"),
    ("rsync://[::1]", "names no module"),
])
def test_a_remote_location_missing_a_part_is_refused_in_one_line(tmp_path, location, says):
    with pytest.raises(ConfigError) as error:
        specs(tmp_path, location)
    assert "\n" not in error.value.message and says in error.value.message
