"""The interactive shell in a real pseudo-terminal: typing, Tab completion, errors, history and leaving."""

import io
import sys

import pexpect
import pytest

from conftest import REPO, plexsh_env

PROMPT = " › "  # the prompt is "plexsh › " with colour codes between the two parts


@pytest.fixture
def shell(scanned):
    """A running plexsh shell on the scanned test NAS, 120x40 terminal."""
    child = start_shell()
    yield child
    if child.isalive():
        child.terminate(force=True)


def start_shell(columns: int = 120):
    env = plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(columns), LINES="40")
    child = pexpect.spawn(sys.executable, ["-m", "plexsh"], env=env, cwd=str(REPO), encoding="utf-8",
                          dimensions=(40, columns), timeout=20)
    child.expect_exact(PROMPT)
    return child


def run_line(child, line: str) -> None:
    child.send(line + "\r")


def quits_cleanly(shell) -> None:
    """`quit` ends the shell with status 0."""
    run_line(shell, "quit")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0


def test_a_command_answers_and_the_prompt_comes_back(shell):
    run_line(shell, "ls movies")
    shell.expect("Blade Runner 2049")
    shell.expect("The Matrix")
    shell.expect_exact(PROMPT)
    quits_cleanly(shell)


def test_tab_completes_a_verb_then_a_fuzzy_title_then_a_season(shell):
    shell.send("sho")
    shell.expect_exact("command")  # the completion menu is up, offering the verb
    shell.send("\t")
    shell.expect_exact("show")
    shell.send(" brekin")
    shell.expect_exact("Breaking Bad")  # the completion menu offers it, though misspelled
    shell.send("\t")
    shell.send(" s")
    shell.expect_exact("4 episodes")  # the menu offers the seasons it has: s3 holds episodes 1-4
    shell.send("\t")
    shell.send("\r")
    shell.expect("S01E01")
    shell.expect("Pilot")
    shell.expect_exact(PROMPT)


def test_syntax_error_points_with_a_caret_and_the_shell_goes_on(shell):
    run_line(shell, "ls movies quality 1080")
    shell.expect("column 19")
    shell.expect(r"\^")
    shell.expect_exact(PROMPT)
    run_line(shell, "find matrx")
    shell.expect("The Matrix")
    shell.expect_exact(PROMPT)


def test_ctrl_d_leaves_and_history_is_kept_for_the_next_session(shell):
    run_line(shell, "find heat")
    shell.expect("Heat")
    shell.expect_exact(PROMPT)
    shell.sendcontrol("d")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0

    again = start_shell()
    try:
        again.sendcontrol("r")
        again.send("heat")
        again.expect(r"find (\x1b\[[0-9;]*m)?heat")  # the match is highlighted
        again.send("\r")  # accept the search result
        again.send("\r")  # run it
        again.expect("1995")
        again.expect_exact(PROMPT)
    finally:
        again.terminate(force=True)


def test_get_runs_in_the_background_and_quitting_asks_then_resumes(shell):
    run_line(shell, 'get "The Matrix" bwlimit 200K')
    shell.expect("queued 1 file of The Matrix")
    shell.expect_exact(PROMPT)
    run_line(shell, "jobs")  # the shell answers while the copy runs
    shell.expect(r"running\s+The Matrix \(1999\) - 2160p\.mkv")
    shell.expect_exact(PROMPT)
    run_line(shell, "quit")
    shell.expect_exact("quit anyway?")
    shell.send("n\r")  # no: the shell goes on
    shell.expect_exact(PROMPT)
    run_line(shell, "quit")
    shell.expect_exact("quit anyway?")
    shell.send("y\r")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0

    again = start_shell()
    try:
        run_line(again, "jobs")  # picked up again on the next start, from where it was
        again.expect(r"(running|queued)\s+The Matrix \(1999\) - 2160p\.mkv")
        again.expect_exact(PROMPT)
        run_line(again, "cancel all")
        again.expect("cancelled: job 1")
        again.expect_exact(PROMPT)
    finally:
        again.terminate(force=True)


def test_toolbar_line_shows_running_and_waiting_transfers():
    from types import SimpleNamespace

    from plexsh.engine.supervisor import JobView
    from plexsh.shell.repl import _jobs_line

    def view(job_id, state, done, rate=None, eta=None):
        return JobView(job_id, f"Episode {job_id}.mkv", "/src", "/dst", state, "normal", job_id, done, 100 * 2**20,
                       done / (100 * 2**20) * 100, rate, eta, 1, 0, None, None, None)

    engine = SimpleNamespace(active=lambda: [view(1, "running", 25 * 2**20, 2**20, 75), view(2, "queued", 0)])
    line = _jobs_line(SimpleNamespace(engine=engine))
    assert "⇣ Episode 1.mkv 25% 1.0 MiB/s ETA 1 min" in line
    assert "1 waiting" in line and "175.0 MiB to go" in line
    idle = SimpleNamespace(active=lambda: [])  # only finished jobs left
    assert _jobs_line(SimpleNamespace(engine=idle)) is None


@pytest.fixture
def hostile_shell(home, tmp_path):
    """A running shell over a scanned NAS of hostile names (tests/test_hostile_output.py), everything it
    printed kept in child.logfile_read; 250 columns, so no path is folded."""
    from conftest import run_plexsh
    from test_hostile_output import write_hostile_library

    write_hostile_library(home, tmp_path / "nas")
    assert run_plexsh("-c", "scan").returncode == 0
    child = start_shell(columns=250)
    child.logfile_read = io.StringIO()
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_hostile_names_show_literally_and_escaped_and_the_shell_keeps_running(hostile_shell):
    shell = hostile_shell
    run_line(shell, "info markup")
    shell.expect_exact("Markup [/x] (2001)/Markup [/x] (2001).mkv")
    shell.expect_exact(PROMPT)
    run_line(shell, "info heist")
    shell.expect_exact("Heist [rarbg] (2002)/Heist [rarbg] (2002).mkv")
    shell.expect_exact(PROMPT)
    run_line(shell, "info title")
    shell.expect_exact(r"Title\033]0;pwned\a (2005)/Title\033]0;pwned\a (2005).mkv")
    shell.expect_exact(PROMPT)
    run_line(shell, "ls movies")
    shell.expect_exact(r"Csi\302\23331m")
    shell.expect_exact(PROMPT)
    run_line(shell, "get heist")
    shell.expect_exact("done: Heist [rarbg] (2002).mkv")  # the finished job's line above the prompt
    quits_cleanly(shell)
    seen = shell.logfile_read.getvalue()
    for raw in ("\x1b]0;pwned", "\x07 (2005)", "Clear\x1b", "\x9b", "\x7f", "MarkupError"):
        assert raw not in seen


def test_tab_completes_a_title_holding_a_new_line_to_a_command_that_runs(hostile_shell):
    shell = hostile_shell
    shell.send("show new")
    shell.expect_exact(r'"New\nLine"')  # the menu offers it escaped, on one line
    shell.send("\t")
    shell.send("\r")
    shell.expect_exact(r"New\nLine · 1 season")
    shell.expect_exact(r"Pi\033")
    shell.expect_exact(PROMPT)
    run_line(shell, "ls tv")
    shell.expect_exact(r"New\nLine")
    shell.expect_exact(PROMPT)


def test_toolbar_shows_a_transfer_of_a_hostile_name_escaped():
    from types import SimpleNamespace

    from plexsh.engine.supervisor import JobView
    from plexsh.shell.repl import _jobs_line

    label = "Ti\x1b]0;pwned\x07 [/x]\n.mkv"
    running = JobView(1, label, "/src", "/dst", "running", "normal", 1, 0, 2**20, 0.0, None, None, 1, 0, None, None,
                      None)
    line = _jobs_line(SimpleNamespace(engine=SimpleNamespace(active=lambda: [running])))
    assert r"⇣ Ti\033]0;pwned\a [/x]\n.mkv 0%" in line
