"""Config loading: defaults, validation messages that name file, line and key, profiles, the starter file."""

from __future__ import annotations

from pathlib import Path

import pytest

from plexsh.config import (
    DEFAULT_IGNORE_PATTERNS,
    DEFAULT_VIDEO_EXTENSIONS,
    Config,
    known_keys,
    load_config,
    parse_size,
    starter_config_text,
    write_starter_config,
)
from plexsh.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, profile: str | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, profile)
    return str(caught.value)


def test_a_missing_file_gives_the_defaults_with_no_sources(tmp_path):
    config = load_config(tmp_path / "nope.yaml")
    assert config.sources == {}
    assert config.path is None
    assert config.discovery.video_extensions == DEFAULT_VIDEO_EXTENSIONS
    assert ".m2ts" in config.discovery.video_extensions
    assert "behind the scenes" in config.discovery.ignore_patterns
    assert config.discovery.scan_depth == 5 and config.discovery.scan_timeout == 5
    assert config.sync.parallel_workers == 1 and config.sync.retry_backoff == "exponential"
    assert config.logging.max_size == 10 * 2**20
    assert config.destinations["movies"] == Path("~/Media/Movies").expanduser()


def test_no_path_means_the_home_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEXSH_HOME", str(tmp_path))
    (tmp_path / "config.yaml").write_text("sources: {movies: [/srv/Movies]}\n")
    assert load_config().sources == {"movies": ("/srv/Movies",)}


def test_a_full_config_is_read(tmp_path):
    path = write(tmp_path, """\
sources:
  movies: [/mnt/media/Movies, /mnt/media/Movies2]
  tv: /mnt/media/TV
destinations:
  movies: ~/Media/Movies
  tv: relative/TV
discovery:
  video_extensions: [mkv, ".MP4"]
  ignore_patterns: [sample]
  scan_depth: 3
  scan_timeout: 2.5
sync:
  mode: incremental
  checksum_validation: false
  retry_attempts: 2
  retry_backoff: linear
  retry_backoff_base: 3
  retry_backoff_max: 60
  stall_timeout: 10
  bandwidth_limit: 5M
  parallel_workers: 2
logging: {max_size: 1MB, backup_count: 2}
security: {path_redaction: true, ssh_key_path: ~/.ssh/id_ed25519}
""")
    config = load_config(path)
    assert config.sources == {"movies": ("/mnt/media/Movies", "/mnt/media/Movies2"), "tv": ("/mnt/media/TV",)}
    assert config.destinations["movies"] == Path.home() / "Media/Movies"
    assert config.destinations["tv"] == Path("relative/TV")
    assert config.discovery.video_extensions == (".mkv", ".mp4")
    assert config.discovery.scan_timeout == 2.5
    assert config.sync.bandwidth_limit == 5 * 2**20
    assert config.sync.checksum_validation is False
    assert config.logging.max_size == 2**20  # 1MB: binary, as sizes are printed
    assert config.security.ssh_key_path == Path.home() / ".ssh/id_ed25519"
    assert config.path == path


def test_relative_sources_are_relative_to_the_config_file_and_remote_ones_are_kept(tmp_path):
    path = write(tmp_path, "sources:\n  movies: [Movies, 'rsync://nas/Movies', 'me@nas:/vol/TV']\n")
    assert load_config(path).sources["movies"] == (str(tmp_path / "Movies"), "rsync://nas/Movies", "me@nas:/vol/TV")


def test_a_wrong_type_names_file_line_key_and_value(tmp_path):
    path = write(tmp_path, "sources:\n  movies: []\n\n\n\nsync:\n  parallel_workers: two\n")
    assert error_of(path) == f"{path} line 7: sync.parallel_workers must be a whole number, got 'two'"


@pytest.mark.parametrize("text, expected", [
    ("sync:\n  checksum_validation: maybe\n", "line 2: sync.checksum_validation must be true or false, got 'maybe'"),
    ("sync:\n  retry_backoff: random\n", "sync.retry_backoff must be one of exponential, linear, constant"),
    ("sync:\n  bandwidth_limit: fast\n", "line 2: sync.bandwidth_limit must be a size"),
    ("discovery:\n  scan_depth: 0\n", "discovery.scan_depth must be a whole number of at least 1, got 0"),
    ("discovery:\n  scan_timeout: -1\n", "discovery.scan_timeout must be a number above 0"),
    ("discovery:\n  scan_depth: true\n", "discovery.scan_depth must be a whole number, got True"),
    ("sources:\n  movies: [1, 2]\n", "line 2: sources.movies must be a list of texts"),
    ("sources: [/a, /b]\n", "line 1: sources must be a mapping"),
    ("sources:\n  movies: ['rsync://nas:\u00b2/media']\n", "line 2: sources.movies: 'rsync://nas:²/media': the port"),
    ("- just\n- a list\n", "line 1: the config must be a mapping"),
])
def test_bad_values(tmp_path, text, expected):
    assert expected in error_of(write(tmp_path, text))


SECONDS_SETTINGS = [("discovery", "scan_timeout"), ("sync", "retry_backoff_base"), ("sync", "retry_backoff_max"),
                    ("sync", "stall_timeout")]


@pytest.mark.parametrize("section, key", SECONDS_SETTINGS)
@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "-1", "1.0e+300"])
def test_a_number_of_seconds_is_finite_not_negative_and_at_most_a_day(tmp_path, section, key, value):
    path = write(tmp_path, f"# mine\n{section}:\n  {key}: {value}\n")
    message = error_of(path)
    assert message.startswith(f"{path} line 3: {section}.{key} must be a number "), message
    assert "at most 86400" in message


@pytest.mark.parametrize("section, key", SECONDS_SETTINGS)
def test_a_day_of_seconds_is_accepted(tmp_path, section, key):
    config = load_config(write(tmp_path, f"{section}:\n  {key}: 86400\n"))
    assert getattr(getattr(config, section), key) == 86400.0


@pytest.mark.parametrize("key", ["sync.bandwidth_limit", "logging.max_size"])
@pytest.mark.parametrize("value", [".inf", ".nan", "99999999999999999999999", "99999999T"])
def test_a_size_that_is_not_a_sane_number_names_file_and_line(tmp_path, key, value):
    section, field_ = key.split(".")
    path = write(tmp_path, f"{section}:\n  {field_}: {value}\n")
    assert error_of(path).startswith(f"{path} line 2: {key}")


@pytest.mark.parametrize("text, expected", [
    ("sync:\n  retry_attempts: 99999999999999999999999\n", "sync.retry_attempts must be a whole number of at most"),
    ("logging:\n  backup_count: 1000000\n", "logging.backup_count must be a whole number of at most 1000"),
])
def test_a_whole_number_too_large_is_refused(tmp_path, text, expected):
    assert expected in error_of(write(tmp_path, text))


@pytest.mark.parametrize("value", ["2024-13-45", "9" * 5000])
def test_a_value_yaml_cannot_build_names_file_and_line(tmp_path, value):
    path = write(tmp_path, f"sync:\n  mode: {value}\n")
    assert error_of(path).startswith(f"{path} line 2: cannot read this value (")


def test_a_size_of_thousands_of_digits_is_too_large(tmp_path):
    path = write(tmp_path, f"sync:\n  bandwidth_limit: '{'9' * 5000}'\n")
    message = error_of(path)
    assert message.startswith(f"{path} line 2: sync.bandwidth_limit: ") and "too large" in message
    assert len(message) < 200


def test_a_config_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(b"sync:\n  mode: full\n# caf\xe9\n")
    assert error_of(path) == f"{path} line 3: the config is not UTF-8 text"


def test_an_unknown_key_names_the_key_file_and_line_and_suggests(tmp_path):
    path = write(tmp_path, "sync:\n  retry_attempts: 3\n  paralel_workers: 2\n")
    message = error_of(path)
    assert message.startswith(f"{path} line 3: unknown key 'sync.paralel_workers'")
    assert "did you mean 'parallel_workers'?" in message


def test_an_unknown_section_and_an_unknown_kind(tmp_path):
    assert "line 1: unknown key 'syncing'" in error_of(write(tmp_path, "syncing: {}\n"))
    assert "line 2: unknown key 'sources.music'" in error_of(write(tmp_path, "sources:\n  music: [/m]\n"))


def test_a_duplicate_key_is_an_error(tmp_path):
    path = write(tmp_path, "sync:\n  mode: full\n  mode: incremental\n")
    assert "line 3: duplicate key 'sync.mode'" in error_of(path)


def test_broken_yaml_names_the_line(tmp_path):
    message = error_of(write(tmp_path, "sync:\n  mode: [incremental\n"))
    assert message.startswith(f"{tmp_path / 'config.yaml'} line ") and "not valid YAML" in message


def test_an_empty_file_is_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "# nothing yet\n")).sources == {}


PROFILES = """\
sources:
  movies: [/nas/Movies]
  tv: [/nas/TV]
sync:
  parallel_workers: 2
  retry_attempts: 9
profiles:
  home:
    sources:
      movies: [/home-nas/Movies]
    sync:
      parallel_workers: 4
  travel:
    destinations:
      movies: /media/usb/Movies
"""


def test_a_profile_replaces_sources_and_merges_other_sections(tmp_path):
    path = write(tmp_path, PROFILES)
    base = load_config(path)
    assert base.sources["movies"] == ("/nas/Movies",) and base.profile is None
    assert sorted(base.profiles) == ["home", "travel"]
    home = load_config(path, "home")
    assert home.profile == "home"
    assert home.sources == {"movies": ("/home-nas/Movies",)}
    assert home.sync.parallel_workers == 4 and home.sync.retry_attempts == 9
    travel = load_config(path, "travel")
    assert travel.sources == base.sources
    assert travel.destinations["movies"] == Path("/media/usb/Movies")
    assert travel.destinations["tv"] == base.destinations["tv"]


def test_an_unknown_profile_lists_the_known_ones(tmp_path):
    message = error_of(write(tmp_path, PROFILES), "office")
    assert "unknown profile 'office'" in message and "known profiles: home, travel" in message


def test_a_profile_is_validated_like_the_top_level(tmp_path):
    path = write(tmp_path, "profiles:\n  home:\n    sync:\n      parallel_workers: lots\n")
    assert f"{path} line 4: profiles.home.sync.parallel_workers must be a whole number, got 'lots'" == error_of(path)
    path = write(tmp_path, "profiles:\n  home:\n    profiles: {}\n")
    assert "line 3: unknown key 'profiles.home.profiles'" in error_of(path)


def test_to_dict_is_plain_json(tmp_path):
    import json

    data = load_config(write(tmp_path, PROFILES), "home").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["profile"] == "home" and data["profiles"] == ["home", "travel"]
    assert data["sources"] == {"movies": ["/home-nas/Movies"]}
    assert data["sync"]["parallel_workers"] == 4


def test_the_starter_config_is_valid_and_holds_the_defaults(tmp_path):
    path = write(tmp_path, starter_config_text())
    config = load_config(path)
    defaults = Config()
    assert config.discovery == defaults.discovery
    assert config.sync == defaults.sync and config.logging == defaults.logging
    assert config.security == defaults.security and config.destinations == defaults.destinations
    assert config.sources == {"movies": (), "tv": ()}


def test_write_starter_config_never_overwrites(tmp_path):
    path = tmp_path / "deep" / "config.yaml"
    assert write_starter_config(path) == path
    assert load_config(path).sync.retry_attempts == 5
    path.write_text("sync: {retry_attempts: 1}\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_starter_config(path)
    assert load_config(path).sync.retry_attempts == 1


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("700", 700), ("1k", 1024), ("1KB", 1024), ("1KiB", 1024), ("5M", 5 * 2**20),
    ("5 mb", 5 * 2**20), ("4GB", 4 * 2**30), ("4GiB", 4 * 2**30), ("1.5G", 3 * 2**29), ("2T", 2 * 2**40),
    (1234, 1234),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "five", "5 parsecs", "-3", "1.2.3G", True])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError):
        parse_size(bad)


def test_known_keys_cover_the_schema():
    keys = known_keys()
    assert "sync.parallel_workers" in keys and "discovery.scan_timeout" in keys and "sources.tv" in keys
    assert DEFAULT_IGNORE_PATTERNS[0] == "sample"
