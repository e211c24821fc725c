"""The YAML config: schema, validation with file-and-line messages, profiles and a starter file."""

from __future__ import annotations

import difflib
import math
import os
import re
import reprlib
import stat
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from plexsh.engine.fetch import DEFAULT_SSH_CIPHERS
from plexsh.errors import ConfigError
from plexsh.home import default_config_path
from plexsh.location import check_remote, is_remote
from plexsh.sizes import MAX_SIZE, parse_size  # the one size parser; re-exported for the config's users

__all__ = [
    "Analytics",
    "Config",
    "Discovery",
    "Logging",
    "Security",
    "Sync",
    "load_config",
    "parse_size",
    "starter_config_text",
    "write_starter_config",
]

KINDS = ("movies", "tv")

DEFAULT_VIDEO_EXTENSIONS = (
    ".mkv", ".mp4", ".avi", ".mov", ".m4v", ".ts", ".wmv",
    ".mpg", ".mpeg", ".webm", ".flv", ".m2ts",
)
DEFAULT_IGNORE_PATTERNS = (
    "sample", "trailer", "extras", "featurettes", "behind the scenes",
    "deleted scenes", "interviews", "shorts",
)

# --- the effective config ------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    video_extensions: tuple[str, ...] = DEFAULT_VIDEO_EXTENSIONS
    ignore_patterns: tuple[str, ...] = DEFAULT_IGNORE_PATTERNS
    scan_depth: int = 5
    scan_timeout: float = 5.0
    # Symlinks below a source: "inside" follows one only when its target lies inside the same
    # source (a share must not make plexsh list or copy any file the user can read), "never"
    # skips them all, "always" follows them anywhere.
    follow_symlinks: str = "inside"


@dataclass(frozen=True)
class Sync:
    mode: str = "incremental"
    checksum_validation: bool = True
    retry_attempts: int = 5
    retry_backoff: str = "exponential"
    retry_backoff_base: float = 2.0
    retry_backoff_max: float = 300.0
    stall_timeout: float = 30.0
    bandwidth_limit: int = 0
    parallel_workers: int = 1


@dataclass(frozen=True)
class Logging:
    max_size: int = 10 << 20
    backup_count: int = 5


@dataclass(frozen=True)
class Security:
    path_redaction: bool = False
    ssh_key_path: Path | None = None
    ssh_ciphers: str | None = DEFAULT_SSH_CIPHERS   # ssh's Ciphers option for transfers; None: ssh's own


@dataclass(frozen=True)
class Analytics:
    """Usage analytics (plexsh/usage): whether accesses are recorded, how long records are kept, the
    score's half-life and when an unused local copy is suggested for cleanup (days)."""

    enabled: bool = True
    retention_days: int = 365
    half_life_days: float = 30.0
    cleanup_after_days: int = 60


def _default_destinations() -> dict[str, Path]:
    return {"movies": Path("~/Media/Movies").expanduser(), "tv": Path("~/Media/TV").expanduser()}


@dataclass(frozen=True)
class Config:
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    destinations: Mapping[str, Path] = field(default_factory=_default_destinations)
    discovery: Discovery = Discovery()
    sync: Sync = Sync()
    logging: Logging = Logging()
    security: Security = Security()
    analytics: Analytics = Analytics()
    player: str | None = None  # the command `play` opens a file with; None: the first of mpv, vlc, xdg-open/open
    organize: tuple = ()  # organize's rules (plexsh.organize.rules.Rule), in the order they are tried
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    profile: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The effective config as plain JSON-able values (paths as strings, sizes in bytes)."""

        def plain(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, (tuple, list)):
                return [plain(v) for v in value]
            if isinstance(value, Mapping):
                return {k: plain(v) for k, v in value.items()}
            return value

        return {
            "path": plain(self.path),
            "profile": self.profile,
            "sources": plain(self.sources),
            "destinations": plain(self.destinations),
            "discovery": plain(asdict(self.discovery)),
            "sync": plain(asdict(self.sync)),
            "logging": plain(asdict(self.logging)),
            "security": plain(asdict(self.security)),
            "analytics": plain(asdict(self.analytics)),
            "player": self.player,
            "organize": [{"name": r.name, "template": r.template.text, "priority": r.priority} for r in self.organize],
            "profiles": sorted(self.profiles),
        }


# --- validation ----------------------------------------------------------------------------


class _Invalid(Exception):
    """A value does not fit its field; carries the phrase saying what was expected, or a whole
    `message` (and the list `index` of the item at fault) where that says it better."""

    def __init__(self, expected: str, message: str | None = None, index: int | None = None):
        self.expected, self.message, self.index = expected, message, index


def _whole_number(minimum: int, maximum: int = MAX_SIZE) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid("a whole number")
        if not minimum <= value <= maximum:
            raise _Invalid(f"a whole number of at least {minimum}" if value < minimum
                           else f"a whole number of at most {maximum}")
        return value

    return check


# The longest wait in seconds a setting may ask for: the waits end up in poll() and trio's
# clock, which refuse absurd ones, and nothing plexsh waits for is worth more than a day.
MAX_SECONDS = 86_400


def _seconds(minimum: float, *, above: bool = False) -> Callable[[Any], float]:
    """A number of seconds: finite (YAML's .inf and .nan are floats too), from `minimum` to a day."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("a number")
        if not math.isfinite(value) or not minimum <= value <= MAX_SECONDS or (above and value == minimum):
            raise _Invalid(f"a number {'above' if above else 'of at least'} {minimum:g} and at most {MAX_SECONDS}")
        return float(value)

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise _Invalid("one of " + ", ".join(choices))
        return value

    return check


def _size(value: Any) -> int:
    try:
        return parse_size(value)
    except (ValueError, TypeError) as error:
        if "too large" in str(error):
            raise _Invalid("", str(error)) from None
        raise _Invalid("a size in bytes or like 700M, 4G, 1.5GiB (K, M, G, T are powers of 1024)") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty text")
    return value


def _text_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise _Invalid("a list of texts")
    return tuple(items)


def _extensions(value: Any) -> tuple[str, ...]:
    return tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in _text_list(value))


def _path(value: Any) -> Path:
    return Path(_text(value)).expanduser()


def _optional_path(value: Any) -> Path | None:
    return None if value is None else _path(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _player(value: Any) -> str | None:
    """A command line run with the file appended (`mpv --fs`), split as a shell would; null: the default."""
    if value is None:
        return None
    text = _text(value)
    try:
        import shlex

        shlex.split(text)
    except ValueError as error:
        raise _Invalid("", f"cannot read this command line: {error}") from None
    return text


def _source_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    locations = []
    for index, location in enumerate(_text_list(value)):
        if is_remote(location):
            try:
                location = check_remote(location)
            except ValueError as error:
                raise _Invalid("a folder or a remote location", str(error), index) from None
        else:
            location = os.path.expanduser(location)
        locations.append(location)
    return tuple(locations)


# section -> field -> checker; the dataclass defaults above are the defaults.
_SECTIONS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "sources": {kind: _source_list for kind in KINDS},
    "destinations": {kind: _path for kind in KINDS},
    "discovery": {
        "video_extensions": _extensions,
        "ignore_patterns": _text_list,
        "scan_depth": _whole_number(1),
        "scan_timeout": _seconds(0, above=True),
        "follow_symlinks": _one_of("inside", "never", "always"),
    },
    "sync": {
        "mode": _one_of("incremental", "full"),
        "checksum_validation": _boolean,
        "retry_attempts": _whole_number(0),
        "retry_backoff": _one_of("exponential", "linear", "constant"),
        "retry_backoff_base": _seconds(0, above=True),
        "retry_backoff_max": _seconds(0),
        "stall_timeout": _seconds(0, above=True),
        "bandwidth_limit": _size,
        "parallel_workers": _whole_number(1),
    },
    # Rotation renames every backup in turn: a count in the millions would stall each rotation.
    "logging": {"max_size": _size, "backup_count": _whole_number(0, 1000)},
    "security": {"path_redaction": _boolean, "ssh_key_path": _optional_path, "ssh_ciphers": _optional_text},
    "analytics": {"enabled": _boolean, "retention_days": _whole_number(1, 100_000),
                  "half_life_days": _seconds(0, above=True), "cleanup_after_days": _whole_number(1, 100_000)},
}
# Keys that hold one value rather than a section.
_SCALARS: dict[str, Callable[[Any], Any]] = {"player": _player}
# Sections read from their YAML nodes by their own module (each error at the line of the value at fault).
_NODES: dict[str, str] = {"organize": "plexsh.organize.rules"}
_TOP_LEVEL = (*_SECTIONS, *_SCALARS, *_NODES, "profiles")


_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxstring, _SHOWN.maxother = 2, 4, 4, 60, 60


def _shown(value: Any) -> str:
    """A value as an error message quotes it: cut short, since YAML aliases can nest a 1 KiB file into
    a list of billions of items that a plain repr() would spend forever writing out.

    >>> _shown([[1, 2, 3, 4, 5]] * 9)
    '[[1, 2, 3, 4, ...], [1, 2, 3, 4, ...], [1, 2, 3, 4, ...], [1, 2, 3, 4, ...], ...]'
    """
    return _SHOWN.repr(value)


class _Reader:
    """Walks composed YAML nodes, converting values and raising errors that name file and line."""

    def __init__(self, path: Path):
        self.path = path
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.path} line {node.start_mark.line + 1}: {message}", hint)

    def value(self, node: yaml.Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise self.fail(node, f"cannot read this value ({error})") from None
        except (ValueError, OverflowError) as error:  # a date like 2024-13-45, an integer of 5,000 digits
            raise self.fail(node, f"cannot read this value ({str(error)[:80]})") from None

    def mapping(self, node: yaml.Node, where: str, known: tuple[str, ...] | None):
        """Yield (key, key node, value node); unknown and duplicate keys are errors."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{where or 'the config'} must be a mapping of keys to values, "
                                  f"got {_shown(self.value(node))}")
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.fail(key_node, f"key {_shown(key)}{f' in {where}' if where else ''} must be a name")
            dotted = f"{where}.{key}" if where else key
            if known is not None and key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(known)
                raise self.fail(key_node, f"unknown key {dotted!r}", hint)
            if key in seen:
                raise self.fail(key_node, f"duplicate key {dotted!r}")
            seen.add(key)
            yield key, key_node, value_node

    def document(self, node: yaml.Node, where: str = "", allow_profiles: bool = True) -> dict:
        """Validated values of one document (or profile): {section: {field: value}}."""
        top = _TOP_LEVEL if allow_profiles else (*_SECTIONS, *_SCALARS, *_NODES)
        values: dict[str, Any] = {}
        for section, _, section_node in self.mapping(node, where, top):
            dotted = f"{where}.{section}" if where else section
            if section == "profiles":
                values["profiles"] = {
                    name: self.document(profile_node, f"{dotted}.{name}", allow_profiles=False)
                    for name, _, profile_node in self.mapping(section_node, dotted, None)
                }
                continue
            if section in _NODES:
                import importlib

                values[section] = importlib.import_module(_NODES[section]).read_rules(self, section_node, dotted)
                continue
            if section in _SCALARS:
                raw = self.value(section_node)
                try:
                    values[section] = _SCALARS[section](raw)
                except _Invalid as bad:
                    raise self.fail(section_node, f"{dotted} must be {bad.expected}, got {_shown(raw)}"
                                    if bad.message is None else f"{dotted}: {bad.message}") from None
                continue
            checks = _SECTIONS[section]
            values[section] = {}
            for key, _, value_node in self.mapping(section_node, dotted, tuple(checks)):
                raw = self.value(value_node)
                try:
                    values[section][key] = checks[key](raw)
                except _Invalid as bad:
                    if bad.message is None:
                        raise self.fail(value_node, f"{dotted}.{key} must be {bad.expected}, got {_shown(raw)}")
                    if bad.index is not None and isinstance(value_node, yaml.SequenceNode):
                        value_node = value_node.value[bad.index]  # the line of the item at fault
                    raise self.fail(value_node, f"{dotted}.{key}: {bad.message}")
        return values


def _relative_to(base: Path | None, location: str) -> str:
    if base is None or is_remote(location) or os.path.isabs(location):
        return location
    return os.path.normpath(os.path.join(base, location))


def _build(values: dict, path: Path | None, profile: str | None, profiles: dict) -> Config:
    base = Config()
    config_dir = path.parent if path else None
    sources = {
        kind: tuple(_relative_to(config_dir, loc) for loc in locations)
        for kind, locations in values.get("sources", {}).items()
    }
    destinations = {**base.destinations, **values.get("destinations", {})}
    return Config(
        sources=sources,
        destinations=destinations,
        discovery=replace(base.discovery, **values.get("discovery", {})),
        sync=replace(base.sync, **values.get("sync", {})),
        logging=replace(base.logging, **values.get("logging", {})),
        security=replace(base.security, **values.get("security", {})),
        analytics=replace(base.analytics, **values.get("analytics", {})),
        player=values.get("player"),
        organize=values.get("organize", ()),
        profiles=profiles,
        path=path,
        profile=profile,
    )


def _overlay(values: dict, override: dict) -> dict:
    """A profile's sources and destinations replace the base ones; other sections merge by key."""
    merged = {section: fields_ if section in _SCALARS or section in _NODES else dict(fields_)
              for section, fields_ in values.items()}
    for section, fields_ in override.items():
        if section in _SCALARS or section in _NODES:
            merged[section] = fields_
        elif section in ("sources", "destinations"):
            merged[section] = dict(fields_)
        else:
            merged.setdefault(section, {}).update(fields_)
    return merged


def load_config(path: Path | str | None = None, profile: str | None = None) -> Config:
    """The effective config from `path` (default: plexsh.home.default_config_path()).

    A missing file gives the defaults with no sources; `profile` overlays a named profile.
    """
    path = Path(path).expanduser() if path is not None else default_config_path()
    values: dict = {}
    text = _config_text(path)
    if text is not None:
        try:
            node = yaml.compose(text)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}{line}: not valid YAML: {error.problem or error}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: cannot read the config: {error}") from None
        values = _Reader(path).document(node)
    profiles = values.pop("profiles", {})
    if profile is not None:
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            raise ConfigError(f"unknown profile {profile!r} in {path}", f"known profiles: {known}")
        values = _overlay(values, profiles[profile])
    config = _build(values, path if text is not None else None, profile, profiles)
    from plexsh.library.overlap import refuse_overlaps

    refuse_overlaps(config.destinations.values(), [s for found in config.sources.values() for s in found],
                    where=path)
    return config


MAX_CONFIG_BYTES = 1 << 20


def _config_text(path: Path) -> str | None:
    """The config file's text, or None when there is no file; ConfigError for anything that is not a
    readable regular UTF-8 file of at most MAX_CONFIG_BYTES.

    Opened without waiting (a FIFO would block until a writer came), checked on the open file, and
    read no further than the limit: `--config /dev/zero` must not fill the memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(f"{path}: the config is a folder, not a file",
                              "name the config file itself, like config.yaml")
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path}: the config is not a regular file (a device, FIFO or socket)",
                              "name a YAML file")
        data = b""
        while len(data) <= MAX_CONFIG_BYTES and (chunk := os.read(fd, MAX_CONFIG_BYTES + 1 - len(data))):
            data += chunk
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: the config is too large (over {MAX_CONFIG_BYTES >> 20} MiB)",
                          "a plexsh config is a few kilobytes of YAML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError(f"{path} line {line}: the config is not UTF-8 text") from None


def starter_config_text() -> str:
    """A commented starter config; every value shown is the default."""
    d, s, lg, sec, an = Discovery(), Sync(), Logging(), Security(), Analytics()
    exts = ", ".join(f'"{e}"' for e in d.video_extensions)
    ignores = ", ".join(f'"{p}"' for p in d.ignore_patterns)
    return f"""\
# plexsh config. Every key is optional; the values shown are the defaults.

# Where the library lives, per kind: local folders or mounted NAS shares, an rsync daemon's
# rsync://host[:port]/module/path, or [user@]host:/path over ssh (key: security.ssh_key_path).
sources:
  movies: []        # e.g. [/mnt/media/Movies, "rsync://nas/media/Movies2"]
  tv: []            # e.g. [/mnt/media/TV, "admin@nas:/volume1/TV2"]

# Where copies go.
destinations:
  movies: ~/Media/Movies
  tv: ~/Media/TV

discovery:
  video_extensions: [{exts}]
  # Whole words in any folder or file name below a source; a leading word is a title
  # ("Trailer Park Boys"), so it only counts when it is the whole name.
  ignore_patterns: [{ignores}]
  scan_depth: {d.scan_depth}             # folder levels below a source
  scan_timeout: {d.scan_timeout:g}           # seconds without progress before a source is reported as hanging
  follow_symlinks: {d.follow_symlinks}     # inside (links to a place in the same source), never or always

sync:
  mode: {s.mode}
  checksum_validation: {str(s.checksum_validation).lower()}
  retry_attempts: {s.retry_attempts}
  retry_backoff: {s.retry_backoff}   # exponential, linear or constant
  retry_backoff_base: {s.retry_backoff_base:g}
  retry_backoff_max: {s.retry_backoff_max:g}
  stall_timeout: {s.stall_timeout:g}
  bandwidth_limit: {s.bandwidth_limit}        # bytes/s, or like 5M; 0 is unlimited (sizes: K M G T are
                             # powers of 1024, with or without B or iB: 4G = 4GB = 4GiB, as ls -h prints)
  parallel_workers: {s.parallel_workers}

logging:
  max_size: 10M       # 10 MiB
  backup_count: {lg.backup_count}

security:
  path_redaction: false
  ssh_key_path: null
  ssh_ciphers: "{sec.ssh_ciphers}"   # ssh's Ciphers for transfers: AES-GCM first; null: ssh's own choice

# Usage analytics: plays, reads seen by `usage scan`, looks (show/info) and actions, for `usage` and `recommend`.
analytics:
  enabled: {str(an.enabled).lower()}
  retention_days: {an.retention_days}       # records older than this are deleted
  half_life_days: {an.half_life_days:g}        # a play counts half as much in the score after this many days
  cleanup_after_days: {an.cleanup_after_days}    # untouched this long, a watched season or unplayed copy is suggested for cleanup

# The command `play` opens a local copy with (the file is added at the end); null tries mpv, vlc,
# then xdg-open (open on macOS).
player: null            # e.g. "mpv --fs"

# Where `organize` moves local copies: rules tried by priority (highest first, then as written), the
# first that matches gives the template; none matching: Plex's naming under the destinations. A rule
# matches on kind, resolution, size, year, source (a source's name or folder) and path (a glob); its
# template's fields are in docs/organize.md; root (default: the destination of its kind) is where it goes.
# organize:
#   rules:
#     - name: 4K films apart
#       kind: movie
#       resolution: ">=2160p"
#       root: ~/Media/Movies 4K
#       template: "{{title}} ({{year}})/{{title}} ({{year}}){{ - edition}} [{{resolution}}].{{ext}}"
#       priority: 10

# Named overrides, chosen with --profile NAME. A profile's sources and destinations
# replace the ones above; other sections are merged key by key.
# profiles:
#   home:
#     sources:
#       movies: [/mnt/nas/Movies]
#       tv: [/mnt/nas/TV]
"""


def write_starter_config(path: Path | str | None = None) -> Path:
    """Write the starter config to `path` (default location when None); never overwrites."""
    path = Path(path).expanduser() if path is not None else default_config_path()
    if path.exists():
        raise ConfigError(f"{path} already exists", "edit it, or move it away first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:
            out.write(starter_config_text())
    except FileExistsError as error:  # a file where a folder of the path should be, or a race
        raise ConfigError(f"cannot write {path}: {error.filename} is in the way") from None
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def known_keys() -> list[str]:
    """Every dotted key the schema accepts, for completion and help."""
    return [f"{section}.{key}" for section, checks in _SECTIONS.items() for key in checks] + list(_SCALARS)
