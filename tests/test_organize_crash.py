"""`organize` killed (SIGKILL) at every step, and its undo and redo too: the next start finishes it, every file is
at its before or its after place (a copy across file systems may be at both until its original's trash step),
never lost, and the local record agrees. The kill is the journal's test hook (tests/test_journal_crash.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_plexsh, write_config
from test_journal_crash import KILLED, POINTS, kill_env, replies
from test_organize import plant_copies

LAYOUT = {  # messy place -> NAS file
    "Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv",
    "TV/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv": "TV2/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv",
    "Movies/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv":
        "Movies2/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv",
}


def configure(home: Path, nas: Path, far: Path) -> None:
    """Plex's naming, except Alien: to a root on another file system (a copy step and a trash step)."""
    write_config(home, nas, f'organize:\n  rules:\n    - path: "Alien*"\n      root: "{far}"\n'
                            '      template: "{title} ({year})/{title} ({year}){ - edition}.{ext}"\n')


def afters(home: Path, far: Path) -> dict[str, Path]:
    local = home / "local"
    return {"Movies/heat/Heat (1995).mkv": local / "Movies/Heat (1995)/Heat (1995).mkv",
            "TV/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv":
                local / "TV/Breaking Bad/Season 03/Breaking Bad - S03E01.mkv",
            "Movies/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv":
                far / "Alien (1979)" / "Alien (1979) - Director's Cut.mkv"}


def spots(home: Path, nas: Path, far: Path) -> dict[str, list[str]]:
    """Where each copy's bytes are, from the disk alone: before, after (every copy found has the NAS's bytes)."""
    found = {}
    for rel, after in afters(home, far).items():
        source = (nas / LAYOUT[rel]).read_bytes()
        where = []
        for name, path in (("before", home / "local" / rel), ("after", after)):
            if path.exists():
                assert path.read_bytes() == source, path
                where.append(name)
        found[rel] = where
    return found


def stray(home: Path, far: Path) -> list[str]:
    return [str(p) for root in (home / "local", far) for p in root.rglob(".plexsh-*")]


def next_start(home: Path) -> tuple:
    """The next plexsh (recovery first): its output, the action's state and the sync marks of the films."""
    started = run_plexsh("--json", "-c", "history 1", "-c", "show movie heat", "-c", "show movie alien",
                         PLEXSH_HOME=str(home))
    assert started.returncode == 0, (started.stdout, started.stderr)
    history, *shown = replies(started)
    return started.stdout, history["action"]["state"], {s["item"]["title"]: s["item"]["sync"] for s in shown}


SYNCED = {"Heat": "synced", "Alien": "synced"}


@pytest.mark.slow  # a few dozen plexsh runs
@pytest.mark.parametrize("point", POINTS)
def test_organize_killed_at_every_step_and_its_undo_and_redo_lose_nothing(tmp_path, nas, point, tmpfs):
    far_parent = tmpfs("256m")  # another file system, with a trash of its own at its top
    try:
        template = tmp_path / "template"
        configure(template, nas, far_parent / "template")
        assert run_plexsh("-c", "scan", PLEXSH_HOME=str(template)).returncode == 0
        count = tmp_path / "count"
        shutil.copytree(template, count)
        configure(count, nas, far_parent / "count")
        plant_copies(count, nas, LAYOUT)
        assert run_plexsh("-c", "organize all yes", PLEXSH_HOME=str(count)).returncode == 0
        (history,) = replies(run_plexsh("--json", "-c", "history 1", PLEXSH_HOME=str(count)))
        total = len(history["action"]["steps"])
        assert [s["op"] for s in history["action"]["steps"]].count("copy") == 1
        for k in range(1, total + 1):
            home, far = tmp_path / f"run-{k}", far_parent / f"run-{k}"
            shutil.copytree(template, home)
            configure(home, nas, far)
            plant_copies(home, nas, LAYOUT)
            killed = run_plexsh("-c", "organize all yes", PLEXSH_HOME=str(home), **kill_env(point, k))
            assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
            for rel, where in spots(home, nas, far).items():
                assert where in (["before"], ["after"], ["before", "after"] if "Alien" in rel else ["after"]), \
                    (k, rel, where)
            _, state, synced = next_start(home)
            assert state == "done" and synced == SYNCED, k
            assert all(where == ["after"] for where in spots(home, nas, far).values()), k
            assert stray(home, far) == [], k
            for verb, state, place in (("undo", "undone", "before"), ("redo", "done", "after")):
                killed = run_plexsh("-c", verb, PLEXSH_HOME=str(home), **kill_env(point, k))
                assert killed.returncode == KILLED, (verb, k, killed.stdout, killed.stderr)
                said, now, synced = next_start(home)
                assert f"finished {verb}ing action 1" in said, (verb, k, said)
                assert now == state and synced == SYNCED, (verb, k, now, synced)
                assert all(where == [place] for where in spots(home, nas, far).values()), (verb, k)
            shutil.rmtree(home)
            shutil.rmtree(far, ignore_errors=True)
    finally:
        shutil.rmtree(far_parent, ignore_errors=True)
