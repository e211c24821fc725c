"""Shared fixtures: a temporary plexsh home, a small exact NAS tree, and running the real `plexsh` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A small NAS with exact contents, so tests can assert what a person would see.
# Breaking Bad is split across TV (seasons 1-2) and TV2 (season 3, scene names); Heat is in both
# Movies and Movies2; the clutter (sample, trailer, extras, hidden, partial, .nfo) must be ignored.
NAS_FILES = {
    "Movies/The Matrix (1999)/The Matrix (1999) - 1080p.mkv": 2_000_000,
    "Movies/The Matrix (1999)/The Matrix (1999) - 2160p.mkv": 9_000_000,
    "Movies/The Matrix (1999)/The Matrix (1999)-sample.mkv": 1_000,
    "Movies/The Matrix (1999)/Extras/Making Of.mkv": 5_000,
    "Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv": 4_000_000,
    "Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017)-trailer.mp4": 1_000,
    "Movies/Heat (1995)/Heat (1995).mkv": 3_000_000,
    "Movies/Amélie (2001)/Amélie (2001).mkv": 1_500_000,
    "Movies/Amélie (2001)/movie.nfo": 100,
    "Movies/.hidden/Secret (2000).mkv": 1_000,
    "Movies/Unfinished (2020)/Unfinished (2020).mkv.part": 1_000,
    "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv": 1_200_000,
    "Movies2/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv": 2_500_000,
    "Movies2/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv": 8_000_000,
    "TV/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv": 500_000,
    "TV/Breaking Bad/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv": 500_000,
    "TV/Breaking Bad/Season 01/Breaking Bad - S01E03 - And the Bag's in the River.mkv": 500_000,
    "TV/Breaking Bad/Season 02/Breaking Bad - S02E01 - Seven Thirty-Seven.mkv": 500_000,
    "TV/Breaking Bad/Season 02/Breaking Bad - S02E02 - Grilled.mkv": 500_000,
    "TV2/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv": 700_000,
    "TV2/Breaking.Bad.S03E02.1080p.WEB-DL.x264-GRP.mkv": 700_000,
    "TV2/Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv": 1_400_000,
    "TV/Doctor Who (2005)/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv": 600_000,
    "TV/Doctor Who (2005)/Season 01/Doctor Who (2005) - S01E01 - Rose.mkv": 600_000,
    "TV/The Office (US)/Season 02/The Office (US) - S02E01 - The Dundies.mkv": 300_000,
}


def write_tree(root: Path, files: dict[str, int]) -> None:
    """Sparse files with a distinct first line each, so no two are identical by accident."""
    for rel, size in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            out.write(rel.encode()[:size])
            out.truncate(size)


TWO_EACH = {"movies": ["Movies", "Movies2"], "tv": ["TV", "TV2"]}
ONE_EACH = {"movies": ["Movies"], "tv": ["TV"]}


def write_config(home: Path, nas: Path | str, extra: str = "", *, local: Path | None = None,
                 folders: dict[str, list[str]] = TWO_EACH) -> Path:
    """HOME/config.yaml: the FOLDERS of NAS (a folder, or a remote location) as sources, LOCAL
    (HOME/local unless given) as destinations, and EXTRA appended."""
    local = local or home / "local"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.yaml"
    config.write_text(
        "sources:\n"
        + "".join(f"  {kind}: {json.dumps([f'{nas}/{name}' for name in names])}\n" for kind, names in folders.items())
        + "destinations:\n"
        f"  movies: {json.dumps(str(local / 'Movies'))}\n"
        f"  tv: {json.dumps(str(local / 'TV'))}\n" + extra, encoding="utf-8")
    return config


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty plexsh home, set as PLEXSH_HOME for this process and the plexsh it starts."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("PLEXSH_HOME", str(path))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("PLEXSH_DEBUG", raising=False)
    return path


@pytest.fixture
def nas(tmp_path) -> Path:
    root = tmp_path / "nas"
    write_tree(root, NAS_FILES)
    return root


@pytest.fixture
def configured(home, nas) -> Path:
    """A home whose config points at the small NAS (not scanned yet)."""
    write_config(home, nas)
    return home


def plexsh_env(**extra) -> dict:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_plexsh(*args: str, input: str | None = None, timeout: float = 60, **env) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it (python -m plexsh with the test's PLEXSH_HOME)."""
    return subprocess.run([sys.executable, "-m", "plexsh", *args], input=input, capture_output=True, text=True,
                          timeout=timeout, env=plexsh_env(**env), cwd=REPO)


def on_terminal(*args: str, **env) -> str:
    """What plexsh prints on a real pseudo-terminal (where it draws in colour unless told not to);
    it must exit 0."""
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "plexsh", *args], env=plexsh_env(TERM="xterm-256color", **env),
                          cwd=str(REPO), dimensions=(50, 200), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    out = child.before.decode("utf-8")
    assert child.exitstatus == 0, out
    return out


def run_json(*commands: str, **kwargs) -> list[dict]:
    """Run commands with --json and return the JSON objects, one per command."""
    result = run_plexsh("--json", *[a for c in commands for a in ("-c", c)], **kwargs)
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def scanned(configured) -> Path:
    result = run_plexsh("-c", "scan")
    assert result.returncode == 0, result.stderr
    return configured


def cannot_run(message: str) -> None:
    """Skip a test whose setting cannot be built here; under PLEXSH_REQUIRE_NAS=1 (CI) fail it instead,
    so CI can never pass without running it."""
    if os.environ.get("PLEXSH_REQUIRE_NAS") == "1":
        pytest.fail(message + " (PLEXSH_REQUIRE_NAS=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def tmpfs(tmp_path):
    """`tmpfs(size)` mounts a fresh tmpfs of SIZE (as mount(8) reads it: "1m") under the test's folder
    and returns it; every one is unmounted afterwards. Mounting needs root (tests using it are
    marked `root`)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        cannot_run("a tmpfs needs root and mount(8)")
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"tmpfs-{len(mounted) + 1}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            cannot_run(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def nas_bench(tmp_path):
    """An up NAS bench (tests/nasbench.py) serving a copy of NAS_FILES three ways, removed afterwards
    whatever the test did. Where it cannot run the test is skipped, or fails under PLEXSH_REQUIRE_NAS=1
    (CI), so CI can never pass without it."""
    from nasbench import BenchUnavailable, NasBench, unavailable_reason

    def unavailable(reason: str):
        cannot_run(f"NAS bench needs {reason}")

    reason = unavailable_reason()
    if reason:
        unavailable(reason)
    media = tmp_path / "media"
    write_tree(media, NAS_FILES)
    bench = NasBench(media)
    try:
        bench.up()
    except BenchUnavailable as exc:
        unavailable(str(exc))
    try:
        yield bench
    finally:
        problems = bench.down()
        assert not problems, f"NAS bench left behind: {problems}"


def pytest_collection_modifyitems(config, items):
    """Marks by what a test needs, so `pytest -m "not nas"` (or "not root", "not slow") picks a quick
    local run: `nas` (and `root`) for the NAS bench, `root` for a tmpfs. CI selects nothing out."""
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if "nas_bench" in needs:
            item.add_marker(pytest.mark.nas)
            item.add_marker(pytest.mark.root)
        if "tmpfs" in needs:
            item.add_marker(pytest.mark.root)
