"""plexsh killed (SIGKILL) after every step of a get, of its undo and of its redo: the next start finishes or rolls
back, every file is at its before or its after place, never lost, never twice, and the journal agrees.

The kill comes from the journal's test hook: PLEXSH_TEST_KILL_BEFORE_STEP=k stops plexsh once the k-th step
is marked doing and before its file operation, PLEXSH_TEST_KILL_AFTER_STEP=k right after the operation and
before the journal says it is done (the point where only the disk knows).
"""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from conftest import run_plexsh, write_config

GET = 'get "breaking bad" s1'
SEASON_1 = {"Breaking Bad - S01E01 - Pilot.mkv": "TV/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv",
            "Breaking Bad - S01E02 - Cat's in the Bag.mkv":
                "TV/Breaking Bad/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv",
            "Breaking Bad - S01E03 - And the Bag's in the River.mkv":
                "TV/Breaking Bad/Season 01/Breaking Bad - S01E03 - And the Bag's in the River.mkv"}
KILLED = -signal.SIGKILL
POINTS = ("BEFORE", "AFTER")


def plexsh_in(home: Path, *commands: str, **env):
    return run_plexsh("--json", *[a for c in commands for a in ("-c", c)], PLEXSH_HOME=str(home), **env)


def replies(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


SHOW = 'show "breaking bad"'


def season_1_sync(show: dict) -> str:
    """The sync mark `show` gives season 1: what the local copies' record says of it."""
    return next(season["sync"] for season in show["seasons"] if season["season"] == 1)


def kill_env(point: str, k: int) -> dict:
    return {f"PLEXSH_TEST_KILL_{point}_STEP": k}


@pytest.fixture
def scanned_template(tmp_path, nas) -> Path:
    """A scanned home to copy for each run (a scan per kill point would double the test's time)."""
    home = tmp_path / "template"
    write_config(home, nas)
    assert plexsh_in(home, "scan").returncode == 0
    return home


def fresh_home(template: Path, nas: Path, name: str) -> Path:
    home = template.parent / name
    shutil.copytree(template, home)
    write_config(home, nas)  # its destinations inside this home
    return home


def places(home: Path, nas: Path) -> dict[str, list[str]]:
    """Where each episode's copy is, read from the disk alone (no plexsh started, so nothing recovered yet):
    'placed' at its final path, 'trash' per entry in the trash; every copy found has the source's bytes."""
    found = {}
    trash_files = home / "trash" / "files"
    for name, rel in SEASON_1.items():
        source = (nas / "TV" / "Breaking Bad" / "Season 01" / name).read_bytes()
        spots = []
        final = home / "local" / rel
        if final.exists():
            assert final.read_bytes() == source, f"{final} is not the source's bytes"
            spots.append("placed")
        for entry in trash_files.glob(f"*-{name}") if trash_files.exists() else ():
            assert entry.read_bytes() == source, f"{entry} is not the source's bytes"
            spots.append("trash")
        found[name] = spots
    return found


def stray_files(home: Path) -> list[str]:
    """Files under the destinations that are no episode's final copy (partials, their state files)."""
    root = home / "local"
    finals = {root / rel for rel in SEASON_1.values()}
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and p not in finals) if root.exists() else []


def get_steps(template: Path, nas: Path) -> int:
    """How many steps the get takes this time (its folders and its copies), from a run not killed."""
    home = fresh_home(template, nas, "count")
    assert plexsh_in(home, GET).returncode == 0
    (history,) = replies(plexsh_in(home, "history 1"))
    return len(history["action"]["steps"])


@pytest.mark.parametrize("point", POINTS)
def test_a_get_killed_at_every_step_is_finished_or_rolled_back_by_the_next_start(scanned_template, nas, point):
    total = get_steps(scanned_template, nas)
    assert total == 7  # 4 folders (local, TV, the show, the season) and 3 copies
    for k in range(1, total + 1):
        home = fresh_home(scanned_template, nas, f"get-{point}-{k}")
        killed = plexsh_in(home, GET, **kill_env(point, k))
        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        for name, spots in places(home, nas).items():
            assert spots in ([], ["placed"]), (k, name, spots)  # before or after, never twice
        # The next start: recovery first, then the copies still queued run to the end.
        waited = plexsh_in(home, "wait", "history 1")
        assert waited.returncode == 0, (k, waited.stdout, waited.stderr)
        history = replies(waited)[-1]["action"]
        final = places(home, nas)
        if history["state"] == "rolled-back":  # stopped before it queued its copies: nothing of it is left
            assert all(spots == [] for spots in final.values()), (k, final)
            assert not (home / "local").exists(), k
            assert all(s["state"] in ("undone", "planned") for s in history["steps"]), (k, history)
            assert "rolled back action 1" in waited.stdout, k
        else:
            assert history["state"] == "done", (k, history)
            assert all(spots == ["placed"] for spots in final.values()), (k, final)
            assert all(s["state"] == "done" for s in history["steps"]), (k, history)
        assert stray_files(home) == [], k


def kill_undo_and_redo_at_every_step(home, nas, point: str, action: int, *, undone: tuple[str, str],
                                     done: tuple[str, str], after_undo=lambda: True) -> int:
    """Undo then redo ACTION, each SIGKILLed at step k for every k; each time the next start must finish
    it. `undone` and `done` are (where every copy is, season 1's mark) after each; returns the steps."""
    (history,) = replies(plexsh_in(home, f"history {action}"))
    total = len(history["action"]["steps"])
    for k in range(1, total + 1):
        for verb, state, (spot, sync) in (("undo", "undone", undone), ("redo", "done", done)):
            killed = plexsh_in(home, verb, **kill_env(point, k))
            assert killed.returncode == KILLED, (verb, k, killed.stdout, killed.stderr)
            for name, spots in places(home, nas).items():
                assert spots in (["placed"], ["trash"]), (verb, k, name, spots)
            started = plexsh_in(home, f"history {action}", SHOW)
            assert f"finished {verb}ing action {action}" in started.stdout, (verb, k, started.stdout, started.stderr)
            shown, show = replies(started)
            assert shown["action"]["state"] == state, (verb, k, shown)
            assert all(spots == [spot] for spots in places(home, nas).values()), (verb, k)
            assert season_1_sync(show) == sync, (verb, k)  # the local record agrees with the disk
            assert verb == "redo" or after_undo(), k
        assert stray_files(home) == [], k
    return total


@pytest.mark.parametrize("point", POINTS)
def test_an_undo_and_a_redo_killed_at_every_step_are_finished_by_the_next_start(scanned_template, nas, point):
    home = fresh_home(scanned_template, nas, f"undo-{point}")
    assert plexsh_in(home, GET).returncode == 0
    kill_undo_and_redo_at_every_step(home, nas, point, 1, undone=("trash", "none"), done=("placed", "synced"),
                                     after_undo=lambda: not (home / "local").exists())  # its folders went too


THEIRS = b"someone else's file, not placed by plexsh"


@pytest.mark.parametrize("point", POINTS)
def test_a_get_replacing_a_file_killed_at_every_step_loses_neither_file(scanned_template, nas, point):
    name = next(iter(SEASON_1))
    for k in (1, 2):  # the replaced file to the trash, then the copy into its place
        home = fresh_home(scanned_template, nas, f"replace-{point}-{k}")
        final = home / "local" / SEASON_1[name]
        final.parent.mkdir(parents=True)
        final.write_bytes(THEIRS)
        killed = plexsh_in(home, 'get "breaking bad" s1e1 replace', **kill_env(point, k))
        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        trashed = list((home / "trash" / "files").glob(f"*-{name}")) if (home / "trash").exists() else []
        theirs = [p for p in [final, *trashed] if p.exists() and p.read_bytes() == THEIRS]
        assert len(theirs) == 1, (k, theirs)  # at its place or in the trash, once
        waited = plexsh_in(home, "wait", "history 1", "trash")
        assert waited.returncode == 0, (k, waited.stdout, waited.stderr)
        _, history, trash = replies(waited)
        assert history["action"]["state"] == "done" and [s["state"] for s in history["action"]["steps"]] == ["done"] * 2
        assert len(final.read_bytes()) == 500_000
        (entry,) = trash["entries"]
        assert entry["original"] == str(final) and entry["size"] == len(THEIRS)
        assert stray_files(home) == [], k
        assert plexsh_in(home, "undo").returncode == 0
        assert final.read_bytes() == THEIRS, k
