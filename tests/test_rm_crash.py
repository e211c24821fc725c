"""`rm` killed (SIGKILL) before and after each of its steps: every copy is at its place or in the trash, never
lost and never twice, and the next start finishes the removal, which `undo` then takes back whole."""

from __future__ import annotations

import pytest

from test_journal_crash import (KILLED, POINTS, SEASON_1, fresh_home, kill_env, places, plexsh_in, replies,
                                scanned_template)  # noqa: F401 (scanned_template is a fixture)

RM = 'rm "breaking bad" s1'


def season_sync(home) -> str:
    (shown,) = replies(plexsh_in(home, 'show "breaking bad"'))
    return next(s["sync"] for s in shown["seasons"] if s["season"] == 1)


@pytest.mark.parametrize("point", POINTS)
def test_an_rm_killed_at_every_step_is_finished_by_the_next_start_and_undone_whole(scanned_template, nas, point):
    home = fresh_home(scanned_template, nas, f"rm-{point}")
    assert plexsh_in(home, 'get "breaking bad" s1').returncode == 0
    season = home / "local" / "TV" / "Breaking Bad" / "Season 01"
    for k in range(1, 6):  # three files to the trash, then the season's and the show's folders
        killed = plexsh_in(home, RM, **kill_env(point, k))
        assert killed.returncode == KILLED, (k, killed.stdout, killed.stderr)
        for name, spots in places(home, nas).items():
            assert spots in (["placed"], ["trash"]), (k, name, spots)

        started = plexsh_in(home, "history")
        newest = replies(started)[-1]["actions"][0]
        assert (newest["command"], newest["state"]) == (RM, "done"), (k, newest)
        # Said at every k, the last one included (killed after its last step, only the mark was left).
        assert replies(started)[-1].get("recovered_actions") == [
            f"finished action {newest['id']} ({RM}), left incomplete by a stopped plexsh"], (k, started.stdout)
        assert all(spots == ["trash"] for spots in places(home, nas).values()), k
        assert not season.parent.exists(), k
        assert season_sync(home) == "none", k

        undone = plexsh_in(home, "undo")
        assert undone.returncode == 0, (k, undone.stdout, undone.stderr)
        assert all(spots == ["placed"] for spots in places(home, nas).values()), k
        assert sorted(p.name for p in season.iterdir()) == sorted(SEASON_1), k
        assert season_sync(home) == "synced", k
