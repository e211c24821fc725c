"""`resync` killed (SIGKILL) before and after each of its steps: every byte of the bad copies and of the good ones is
at its place or in the trash, never lost, and the next start finishes the repair, which `undo` takes back whole."""

from __future__ import annotations

import os

import pytest

from test_journal_crash import (KILLED, POINTS, fresh_home, kill_env, plexsh_in, replies,
                                scanned_template)  # noqa: F401 (scanned_template is a fixture)
from test_resync import E01, E02, E03, SEASON, damage_season_1

from plexsh.journal import trash


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
    for k in range(1, 6):  # per bad copy its trash step and its place step, and the deleted one's place step
        home = fresh_home(scanned_template, nas, f"resync-{point}-{k}")
        assert plexsh_in(home, 'get "breaking bad" s1').returncode == 0
        bad = damage_season_1(home)
        good = {name: (nas / SEASON / name).read_bytes() for name in (E01, E02, E03)}

        killed = plexsh_in(home, "resync", **kill_env(point, k))

        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        for name in (E01, E02):  # the bad copy once, at its place or in the trash; the new one at most once
            assert where_bytes_are(home, bad[name], name) in (["placed"], ["trash"]), (k, name)
            assert where_bytes_are(home, good[name], name) in ([], ["placed"]), (k, name)
        assert where_bytes_are(home, good[E03], E03) in ([], ["placed"]), k

        finished = plexsh_in(home, "wait", "history 2")  # the next start: recovery, then the copies resume
        assert finished.returncode == 0, (k, finished.stdout, finished.stderr)
        action = replies(finished)[-1]["action"]
        assert (action["verb"], action["state"]) == ("resync", "done"), (k, action)
        for name in (E01, E02, E03):
            assert where_bytes_are(home, good[name], name) == ["placed"], (k, name)
        for name in (E01, E02):
            assert where_bytes_are(home, bad[name], name) == ["trash"], (k, name)
        assert [p for p in os.listdir(home / "local" / SEASON) if p not in (E01, E02, E03)] == [], k

        undone = plexsh_in(home, "undo")
        assert undone.returncode == 0, (k, undone.stdout, undone.stderr)
        for name in (E01, E02):
            assert where_bytes_are(home, bad[name], name) == ["placed"], (k, name)
        assert not (home / "local" / SEASON / E03).exists(), k
