"""The undo and the redo of an `rm`, killed (SIGKILL) before and after every step: the next start finishes them, each
copy is at its place or in the trash (once), and the local marks agree."""

from __future__ import annotations

import pytest

from test_journal_crash import (GET, POINTS, fresh_home, kill_undo_and_redo_at_every_step, plexsh_in,
                                scanned_template)  # noqa: F401  (a fixture)

RM = 'rm "breaking bad" s1'


@pytest.mark.parametrize("point", POINTS)
def test_the_undo_and_redo_of_an_rm_killed_at_every_step_are_finished_by_the_next_start(scanned_template, nas, point):
    home = fresh_home(scanned_template, nas, f"rm-undo-{point}")
    assert plexsh_in(home, GET).returncode == 0
    assert plexsh_in(home, RM).returncode == 0
    steps = kill_undo_and_redo_at_every_step(home, nas, point, 2, undone=("placed", "synced"), done=("trash", "none"))
    assert steps >= 4  # a trash step per copy, and the season's folder
