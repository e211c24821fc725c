"""`play` in the interactive shell (a real pseudo-terminal): the prompt comes back while the player runs."""

import json
import shlex
import sys

from conftest import run_plexsh, write_config
from test_repl import PROMPT, quits_cleanly, run_line, start_shell
from test_usage import WAITING_PLAYER, wait_for


def test_the_shell_answers_while_the_player_plays_and_quits_without_ending_it(home, nas, tmp_path):
    script, go, marker = tmp_path / "waiting.py", tmp_path / "go", tmp_path / "watched"
    script.write_text(WAITING_PLAYER)
    write_config(home, nas, f"player: {json.dumps(shlex.join([sys.executable, str(script), str(go), str(marker)]))}\n")
    assert run_plexsh("-c", "scan", "-c", "get heat").returncode == 0
    shell = start_shell()
    try:
        run_line(shell, "play heat")
        shell.expect("▶ Heat")
        shell.expect_exact(PROMPT)
        run_line(shell, "usage heat")  # the player is still running: the shell is not waiting for it
        shell.expect("Heat \\(1995\\) · 1 play")
        shell.expect_exact(PROMPT)
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    go.touch()
    assert wait_for(marker) == "1200000"
