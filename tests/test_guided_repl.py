"""The guided selection in the real shell, in a pseudo-terminal whose screen pyte keeps: walk, go back, pick at random, quit, and get."""

import sys
import time

import pexpect
import pyte
import pytest

from conftest import REPO, plexsh_env

ROWS, COLUMNS = 30, 110
DEADLINE = 30.0  # seconds a screen may take to show what is waited for, on a busy machine


class Terminal:
    """The shell in a pseudo-terminal; what it draws lands on a pyte screen, as a terminal would show it."""

    def __init__(self):
        env = plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(COLUMNS), LINES=str(ROWS))
        self.child = pexpect.spawn(sys.executable, ["-m", "plexsh"], env=env, cwd=str(REPO),
                                   dimensions=(ROWS, COLUMNS), timeout=DEADLINE)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *texts: str) -> str:
        """Read until every one of `texts` is on the screen at once; the screen's text."""
        end = time.monotonic() + DEADLINE
        while not all(t in self.text() for t in texts):
            if time.monotonic() > end:
                raise AssertionError(f"not on the screen: {texts}\n{self.text()}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.2))
            except pexpect.TIMEOUT:
                pass
        return self.text()

    def send(self, keys: str) -> None:
        self.child.send(keys)


@pytest.fixture
def terminal(scanned):
    term = Terminal()
    term.wait_for("plexsh ›")
    yield term
    if term.child.isalive():
        term.child.terminate(force=True)


def walk_to_season_one(term: Terminal) -> None:
    term.send("get\r")
    term.wait_for("what to get", "1  movies · 6", "2  tv shows · 3")
    term.send("t")
    term.wait_for("get › tv shows", "⬜ 1  Breaking Bad · 3 seasons · 9 episodes")
    term.send("1\r")
    term.wait_for("get › tv shows › Breaking Bad", "3  [ ] Season 3 · episodes 1-4")
    term.send("1\r")
    term.wait_for("get › tv shows › Breaking Bad › Season 1", "[ ] S01E01 · Pilot")


def test_walking_to_episodes_and_back_then_quitting_runs_nothing(terminal, scanned):
    walk_to_season_one(terminal)
    terminal.send("1,3\r")
    terminal.wait_for("[x] S01E01 · Pilot", "[ ] S01E02", "[x] S01E03", "2 episodes chosen")
    terminal.send("b")
    terminal.wait_for("[~] Season 1 · episodes 1-3 · 2 of 3 chosen")
    terminal.send("~")
    terminal.wait_for("a random pick (not local first)")
    terminal.send("q")
    screen = terminal.wait_for("guided selection left: nothing was run", "plexsh ›")
    assert "queued" not in screen
    assert not (scanned / "local").exists()


def test_choosing_episodes_across_seasons_prints_the_line_runs_it_and_the_files_arrive(terminal, scanned):
    walk_to_season_one(terminal)
    terminal.send("1,3\r")
    terminal.wait_for("2 episodes chosen")
    terminal.send("b")
    terminal.send("2\r")
    terminal.wait_for("get › tv shows › Breaking Bad › Season 2")
    terminal.send(" ")  # Space takes the highlighted episode
    terminal.wait_for("3 episodes chosen")
    terminal.send("\r")
    terminal.wait_for('plexsh › get "Breaking Bad" s1 e1,3 s2e1', "queued 3 files of Breaking Bad")
    terminal.wait_for("done: Breaking Bad - S01E01 - Pilot.mkv", "done: Breaking Bad - S02E01",
                      "done: Breaking Bad - S01E03")
    season = scanned / "local" / "TV" / "Breaking Bad"
    arrived = sorted(p.name for p in season.rglob("*.mkv"))
    assert arrived == ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E03 - And the Bag's in the River.mkv",
                       "Breaking Bad - S02E01 - Seven Thirty-Seven.mkv"]
    terminal.send("\x1b[A")  # the line is in the history, as if typed
    terminal.wait_for('plexsh › get "Breaking Bad" s1 e1,3 s2e1\n')
    terminal.send("\x15get\r")  # and the next guided selection marks what arrived
    terminal.send("t")
    terminal.wait_for("⚠  1  Breaking Bad · 3 seasons", "⬜ 2  Doctor Who (2005)")
    terminal.send("\r")
    terminal.wait_for("⚠  1  [ ] Season 1 · episodes 1-3", "⚠  2  [ ] Season 2", "⬜ 3  [ ] Season 3")
    terminal.send("1\r")
    terminal.wait_for("✅ 1  [ ] S01E01 · Pilot", "⬜ 2  [ ] S01E02", "✅ 3  [ ] S01E03")
    terminal.send("q")
    terminal.wait_for("guided selection left: nothing was run")


def test_u_runs_undo_as_a_typed_line_and_comes_back_where_it_was(terminal):
    walk_to_season_one(terminal)
    terminal.send("u")
    # `undo` goes the way typed lines go; whatever it answers, the screen comes back with one line of it.
    screen = terminal.wait_for("get › tv shows › Breaking Bad › Season 1", "\nundo: ")
    assert "Traceback" not in screen
    terminal.send("\x03")  # Ctrl-C leaves, as q does
    terminal.wait_for("guided selection left: nothing was run")
