"""The undo and the redo of an `rm`, killed (SIGKILL) before and after every step: the next start finishes them, each
copy is at its place or in the trash (once), and the local marks agree."""

from __future__ import annotations

import pytest

from test_journal_crash import (GET, KILLED, POINTS, SHOW, fresh_home, kill_env, places, plexsh_in, replies,
                                scanned_template, season_1_sync, stray_files)  # noqa: F401  (a fixture)

RM = 'rm "breaking bad" s1'


@pytest.mark.parametrize("point", POINTS)
def test_the_undo_and_redo_of_an_rm_killed_at_every_step_are_finished_by_the_next_start(scanned_template, nas, point):
    home = fresh_home(scanned_template, nas, f"rm-undo-{point}")
    assert plexsh_in(home, GET).returncode == 0
    assert plexsh_in(home, RM).returncode == 0
    (history,) = replies(plexsh_in(home, "history 2"))
    total = len(history["action"]["steps"])
    assert total >= 4  # a trash step per copy, and the season's folder
    for k in range(1, total + 1):
        killed = plexsh_in(home, "undo", **kill_env(point, k))
        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        for name, spots in places(home, nas).items():
            assert spots in (["placed"], ["trash"]), ("undo", k, name, spots)
        started = plexsh_in(home, "history 2", SHOW)
        assert "finished undoing action 2" in started.stdout, (k, started.stdout, started.stderr)
        shown, show = replies(started)
        assert shown["action"]["state"] == "undone", (k, shown)
        assert all(spots == ["placed"] for spots in places(home, nas).values()), k
        assert season_1_sync(show) == "synced", k  # local copies again

        killed = plexsh_in(home, "redo", **kill_env(point, k))
        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        for name, spots in places(home, nas).items():
            assert spots in (["placed"], ["trash"]), ("redo", k, name, spots)
        started = plexsh_in(home, "history 2", SHOW)
        assert "finished redoing action 2" in started.stdout, (k, started.stdout, started.stderr)
        shown, show = replies(started)
        assert shown["action"]["state"] == "done", (k, shown)
        assert all(spots == ["trash"] for spots in places(home, nas).values()), k
        assert season_1_sync(show) == "none", k
        assert stray_files(home) == [], k
