"""resync in the shell: its copies run in the background like get's, the bad copies go to the trash as they land, and undo takes it back."""

from __future__ import annotations

from test_job_control import command, wait_for
from test_repl import quits_cleanly, start_shell
from test_resync import E01, E02, E03, SEASON, damage_season_1, got, trashed
from test_undo_shell import action_state


def test_resync_in_the_shell_queues_its_copies_in_the_background_and_undo_puts_the_bad_ones_back(scanned, nas):
    got('get "Breaking Bad" s1')
    bad = damage_season_1(scanned)
    local = scanned / "local" / SEASON
    good = {name: (nas / SEASON / name).read_bytes() for name in (E01, E02, E03)}
    shell = start_shell()
    try:
        command(shell, "resync", r"queued 3 files to fetch again \(1\.4 MiB\): jobs 4, 5, 6")
        wait_for("the resync's copies to land", lambda: action_state(scanned, 2) == "done", timeout=240)
        assert {name: (local / name).read_bytes() for name in good} == good
        assert trashed(scanned) == {E01: bad[E01], E02: bad[E02]}

        command(shell, "undo", r"undid action 2 \(resync\): 3 copies \(1\.4 MiB\) to the trash, 2 files back")
        assert (local / E01).read_bytes() == bad[E01] and (local / E02).read_bytes() == bad[E02]
        assert not (local / E03).exists()
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
