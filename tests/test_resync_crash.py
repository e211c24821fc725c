"""`resync orphans` killed (SIGKILL) before and after each of its steps: every byte of the bad copies, of the good ones
and of the orphan is at its place or in the trash, never lost, the next start finishes it, `undo` takes it back whole."""

from __future__ import annotations

import os

import pytest

from test_journal_crash import (KILLED, POINTS, fresh_home, kill_env, plexsh_in, replies,
                                scanned_template)  # noqa: F401 (scanned_template is a fixture)
from test_resync import E01, E02, E03, SEASON, damage_season_1

from plexsh.journal import trash

ORPHAN, PLANTED = "left by someone.mkv", b"a file plexsh never placed"


def where_bytes_are(home, content: bytes, name: str) -> list[str]:
    """Where CONTENT is found for the episode NAME, from the disk alone: 'placed' at its final path,
    'trash' once per trash entry holding it."""
    spots = []
    final = home / "local" / SEASON / name
    if final.exists() and final.read_bytes() == content:
        spots.append("placed")
    spots += ["trash" for e in trash.entries(home) if e.original.name == name and e.path.read_bytes() == content]
    return spots


@pytest.mark.parametrize("point", POINTS)
def test_a_resync_killed_at_every_step_loses_no_byte_and_the_next_start_finishes_it(scanned_template, nas, point):
    for k in range(1, 7):  # the orphan's trash step, then per bad copy its trash and place steps, the deleted one's place
        home = fresh_home(scanned_template, nas, f"resync-{point}-{k}")
        assert plexsh_in(home, 'get "breaking bad" s1').returncode == 0
        bad = damage_season_1(home)
        (home / "local" / SEASON / ORPHAN).write_bytes(PLANTED)
        good = {name: (nas / SEASON / name).read_bytes() for name in (E01, E02, E03)}

        killed = plexsh_in(home, "resync orphans", **kill_env(point, k))

        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        assert where_bytes_are(home, PLANTED, ORPHAN) in (["placed"], ["trash"]), k
        for name in (E01, E02):  # the bad copy once, at its place or in the trash; the new one at most once
            assert where_bytes_are(home, bad[name], name) in (["placed"], ["trash"]), (k, name)
            assert where_bytes_are(home, good[name], name) in ([], ["placed"]), (k, name)
        assert where_bytes_are(home, good[E03], E03) in ([], ["placed"]), k

        # The next start finishes what was journaled (the copies resume); resync again finds nothing left,
        # or repairs what the kill stopped before it was journaled.
        finished = plexsh_in(home, "wait", "resync", "history 2", "history 3")
        assert finished.returncode == 0, (k, finished.stdout, finished.stderr)
        *_, orphans, repair = replies(finished)
        assert [(a["action"]["verb"], a["action"]["state"]) for a in (orphans, repair)] == [("resync", "done")] * 2, k
        assert where_bytes_are(home, PLANTED, ORPHAN) == ["trash"], k
        for name in (E01, E02, E03):
            assert where_bytes_are(home, good[name], name) == ["placed"], (k, name)
        for name in (E01, E02):
            assert where_bytes_are(home, bad[name], name) == ["trash"], (k, name)
        assert sorted(os.listdir(home / "local" / SEASON)) == sorted([E01, E02, E03]), k

        undone = plexsh_in(home, "undo", "undo")  # the repair first (it came later), then the orphan's removal
        assert undone.returncode == 0, (k, undone.stdout, undone.stderr)
        for name in (E01, E02):
            assert where_bytes_are(home, bad[name], name) == ["placed"], (k, name)
        assert where_bytes_are(home, PLANTED, ORPHAN) == ["placed"], k
        assert not (home / "local" / SEASON / E03).exists(), k
