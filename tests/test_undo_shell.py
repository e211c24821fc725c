"""undo in the shell, where copies land in the background: a landed copy goes to the trash, copies still on their way are cancelled first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_job_control import EPISODES, SHOW, command, shell, slow_show, stored, wait_for  # noqa: F401  (fixtures)
from test_repl import quits_cleanly


def action_state(home: Path, action_id: int) -> str | None:
    with sqlite3.connect(f"file:{home / 'plexsh.db'}?mode=ro", uri=True, timeout=10) as db:
        row = db.execute("SELECT state FROM actions WHERE id = ?", (action_id,)).fetchone()
    return row[0] if row else None


def test_undo_in_the_shell_trashes_landed_copies_and_cancels_those_still_copying(shell, slow_show):
    home = slow_show
    landed = home / "local" / "TV" / "Breaking Bad" / "Season 01" / "Breaking Bad - S01E01 - Pilot.mkv"
    command(shell, 'get "breaking bad" s1e1', r"queued 1 file of Breaking Bad")
    wait_for("the copy to land and its action to be done", lambda: landed.exists() and action_state(home, 1) == "done")
    command(shell, "undo", r"undid action 1 \(get \"breaking bad\" s1e1\): 1 copy")
    assert not landed.exists()

    command(shell, f'get "{SHOW}" s1 bwlimit 1M', r"queued 4 files of Slow Show")
    wait_for("the first copy to run", lambda: any(row["state"] == "running" for row in stored(home).values()))
    command(shell, "undo", r"undid action 2 \(get \"Slow Show\" s1 bwlimit 1M\)")
    jobs = [row for row in stored(home).values() if SHOW in row["destination"]]
    assert {row["state"] for row in jobs} == {"cancelled"}
    for row in jobs:  # nothing landed, and no partial is left to be resumed by a later get
        assert not Path(row["destination"]).exists() and not Path(row["partial"]).exists()
    assert action_state(home, 2) == "undone"
    assert len(EPISODES) == 4
    quits_cleanly(shell)


def test_the_shell_says_at_its_start_that_it_finished_an_undo_a_killed_plexsh_left(scanned):
    from conftest import run_plexsh
    from test_repl import start_shell

    assert run_plexsh("-c", 'get "breaking bad" s1').returncode == 0
    killed = run_plexsh("-c", "undo", PLEXSH_TEST_KILL_AFTER_STEP=2)
    assert killed.returncode == -9
    shell = start_shell()
    try:
        shell.expect(r'finished undoing action 1 \(get "breaking bad" s1\), left incomplete by a stopped plexsh')
        assert not (scanned / "local").exists()
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
