"""`verify` in the shell: its progress on the status line in files and bytes, and Ctrl-C cancelling it at once (its reader killed, the shell alive)."""

from __future__ import annotations

import sys
import time

import pexpect

from conftest import REPO, plexsh_env, run_plexsh
from test_repl import PROMPT, quits_cleanly, run_line
from test_shell_busy import COLUMNS, ROWS, Screen
from test_verify import got, plexsh_children_of, wait_for


def test_the_status_line_counts_files_and_bytes_and_ctrl_c_cancels_verify_and_kills_its_reader(scanned):
    got('get "Breaking Bad" s1-2')
    env = plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(COLUMNS), LINES=str(ROWS),
                     PLEXSH_TEST_VERIFY_HANG_AFTER=2)  # the reader stops after two files, as on a slow disk
    shell = pexpect.spawn(sys.executable, ["-m", "plexsh"], env=env, cwd=str(REPO), encoding="utf-8",
                          dimensions=(ROWS, COLUMNS), timeout=60)
    screen = Screen()
    shell.logfile_read = screen
    try:
        shell.expect_exact(PROMPT)
        run_line(shell, "verify")
        deadline = time.monotonic() + 60
        while (status := screen.line_with("Ctrl-C cancels")) is None or "2 of 5 files" not in status:
            assert time.monotonic() < deadline, "\n".join(screen.screen.display)
            shell.expect([pexpect.TIMEOUT], timeout=0.2)
        assert "verifying 2 of 5 files, 976.6 KiB of 2.4 MiB" in status, status

        shell.sendcontrol("c")

        shell.expect_exact("verify cancelled")
        shell.expect_exact(PROMPT)
        wait_for(lambda: plexsh_children_of(scanned) == [shell.pid], "the reader to be gone", deadline=10)
        run_line(shell, "jobs")  # the shell still answers
        shell.expect_exact(PROMPT)
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    resumed = run_plexsh("-c", "verify")
    assert "resumed the verify that was stopped: 2 files" in resumed.stdout, resumed.stdout + resumed.stderr
