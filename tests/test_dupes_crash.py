"""`dupes ... remove` and `dupes ... link`, their undo and their redo, SIGKILLed at every step: nothing is lost, the
next start finishes what was begun, and undo gives back the exact tree (the journal's crash hook, as in
tests/test_journal_crash.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_dupes_verb import planted, tree_of
from test_journal_crash import KILLED, POINTS, kill_env, plexsh_in, replies

VERBS = ("remove", "link")


def files_by_inode(*roots: Path) -> dict[int, list[str]]:
    """Every file's names under ROOTS (the tree and the trash), by inode: a rename keeps the inode, so
    a file is lost when its inode is gone, and twice when it has more names than before."""
    found: dict[int, list[str]] = {}
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                found.setdefault(os.lstat(path).st_ino, []).append(path)
    return found


def nothing_lost(before: dict[int, list[str]], home: Path, root: Path, where) -> None:
    now = files_by_inode(root, home / "trash" / "files")
    for inode, names in before.items():
        assert inode in now, (where, names)  # at its place or in the trash, never gone


def run_and_settle(home: Path, command: str, point: str, k: int, before_inodes, root: Path) -> list[dict]:
    """Run COMMAND killed at step k; check nothing was lost; the next start's replies (recovery first)."""
    killed = plexsh_in(home, command, **kill_env(point, k))
    assert killed.returncode == KILLED, (command, k, killed.stdout, killed.stderr)
    nothing_lost(before_inodes, home, root, (command, point, k))
    started = plexsh_in(home, "history 1")
    assert started.returncode == 0, (command, k, started.stdout, started.stderr)
    return replies(started)


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("point", POINTS)
def test_dupes_killed_at_every_step_of_its_action_undo_and_redo_loses_nothing(tmp_path, verb, point):
    reference = tmp_path / "reference"
    ref_root = planted(reference / "folder")
    assert plexsh_in(reference / "home", f'dupes in "{ref_root}" {verb} yes').returncode == 0
    done = tree_of(ref_root)
    (history,) = replies(plexsh_in(reference / "home", "history 1"))
    steps = len(history["action"]["steps"])
    assert steps == 4  # two copies of one file, a file with two names
    for k in range(1, steps + 1):
        run = tmp_path / f"{point}-{k}"
        home, root = run / "home", planted(run / "folder")
        before, inodes = tree_of(root), files_by_inode(root)
        (history,) = run_and_settle(home, f'dupes in "{root}" {verb} yes', point, k, inodes, root)
        action = history["action"]
        assert action["state"] in ("done", "rolled-back"), (k, action)
        if action["state"] == "rolled-back":
            assert tree_of(root) == before, k
            continue
        assert _same(tree_of(root), done, verb), k
        for command, state in (("undo", "undone"), ("redo", "done")):
            (history,) = run_and_settle(home, command, point, k, inodes, root)
            assert history["action"]["state"] == state, (command, k, history["action"])
            if state == "undone":  # the exact tree: names, sizes, mtimes, bytes and the same files (inodes)
                assert tree_of(root) == before, (command, k)
            else:
                assert _same(tree_of(root), done, verb), (command, k)
            assert not [n for n in tree_of(root) if ".plexsh-link-" in n], (command, k)


def _same(now: dict[str, tuple], reference: dict[str, tuple], verb: str) -> bool:
    """Whether NOW is the reference's done tree: the same names and bytes (inodes and mtimes are this run's own);
    linked names share the kept file's inode, as the reference's do."""
    if sorted(now) != sorted(reference) or any(now[n][2] != reference[n][2] for n in now):
        return False
    if verb == "link":
        groups: dict[int, set[str]] = {}
        for name, (_, _, _, inode) in reference.items():
            groups.setdefault(inode, set()).add(name)
        mine: dict[int, set[str]] = {}
        for name, (_, _, _, inode) in now.items():
            mine.setdefault(inode, set()).add(name)
        return sorted(map(sorted, groups.values())) == sorted(map(sorted, mine.values()))
    return True


GONE_PLEXSH = "4194999:1"  # past any pid_max: a plexsh that is no longer running


@pytest.mark.parametrize("stopped", ["link made beside", "duplicate in the trash"])
def test_a_link_stopped_inside_its_step_is_finished_by_the_next_start(tmp_path, stopped):
    """Inside a link step: the link made under its waiting name, then the duplicate sent to the trash,
    then the link renamed into its place. A stop between those (a power cut: the test hook stops only
    between steps) is read from the disk by the next start and the link finished."""
    from plexsh import journal
    from plexsh.db import open_database
    from plexsh.journal import trash
    from plexsh.journal.steps import clone_or_link, link_temp

    home, root = tmp_path / "home", planted(tmp_path / "folder")
    kept, duplicate = root / "movie.mkv", root / "z" / "movie copy.mkv"
    data, inode = duplicate.read_bytes(), duplicate.stat().st_ino
    _, db = open_database(home / "plexsh.db")
    action = journal.record(db, "dupes", "dupes link yes", [journal.link_step(duplicate, kept)])
    journal.mark_action(db, action.id, "pending", engine=GONE_PLEXSH)
    journal.mark_step(db, action.steps[0], "doing")
    clone_or_link(str(kept), link_temp(str(duplicate)))
    if stopped == "duplicate in the trash":
        trash.send(duplicate, home=home, action_id=action.id)
    db.close()

    started = plexsh_in(home, "history 1")

    assert started.returncode == 0, started.stderr
    (history,) = replies(started)
    assert history["action"]["state"] == "done" and history["action"]["steps"][0]["state"] == "done"
    assert duplicate.read_bytes() == data and not os.path.lexists(link_temp(str(duplicate)))
    assert inode in files_by_inode(home / "trash" / "files")  # the duplicate itself, kept for undo
    assert plexsh_in(home, "undo").returncode == 0
    assert duplicate.stat().st_ino == inode
