"""While a command runs the shell stays alive: the toolbar keeps moving, transfers go on undisturbed, Ctrl-C cancels the command.

The slow command is real: a scan of a source on an rsync daemon that has stopped answering
(SIGSTOP), which holds the scan for `scan_timeout` seconds. A real pseudo-terminal runs the shell
and a terminal emulator (pyte) keeps its screen, since prompt_toolkit redraws only what changed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pexpect
import pytest

from conftest import REPO, plexsh_env, run_json, run_plexsh, write_tree
from rsyncd import rsync_daemon
from test_repl import PROMPT, quits_cleanly, run_line

BIG = "Movies/Big Movie (2020)/Big Movie (2020).mkv"
LABEL = "Big Movie (2020).mkv"
ROWS, COLUMNS = 40, 160


class Screen:
    """What the terminal shows: everything the shell printed, fed through a VT100 emulator."""

    def __init__(self):
        import pyte

        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.Stream(self.screen)

    def write(self, text: str) -> None:
        self.stream.feed(text)

    def flush(self) -> None:
        pass

    def line_with(self, text: str) -> str | None:
        return next((line.rstrip() for line in self.screen.display if text in line), None)


def start_watched_shell() -> tuple[pexpect.spawn, Screen]:
    env = plexsh_env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    child = pexpect.spawn(sys.executable, ["-m", "plexsh"], env=env, cwd=str(REPO), encoding="utf-8",
                          dimensions=(ROWS, COLUMNS), timeout=60)
    screen = Screen()
    child.logfile_read = screen
    child.expect_exact(PROMPT)
    return child, screen


def watch(child, screen: Screen, until: str, seen: list[str], timeout: float = 300) -> None:
    """Read the shell's output until `until` appears, noting each status line and toolbar it drew meanwhile."""
    deadline = time.monotonic() + timeout
    while child.expect([until, pexpect.TIMEOUT], timeout=0.5) == 1:
        seen.extend(line for line in (screen.line_with(" s · "), screen.line_with("⇣")) if line)
        assert time.monotonic() < deadline, f"{until!r} never came; the screen:\n" + "\n".join(screen.screen.display)


@pytest.fixture
def hung_source(home, tmp_path):
    """A local Movies folder with one big film, and a TV source on an rsync daemon that stops
    answering (SIGSTOP) once the catalog is scanned: a scan then waits `scan_timeout` (40 s) for it."""
    nas = tmp_path / "nas"
    write_tree(nas, {BIG: 24 << 20})
    work = tmp_path / "rsyncd"
    work.mkdir()
    with rsync_daemon(work) as daemon:
        write_tree(daemon.folder, {"TV/Fargo/Season 01/Fargo - S01E01.mkv": 1000})
        (home / "config.yaml").write_text(
            "sources:\n"
            f"  movies: {json.dumps([str(nas / 'Movies')])}\n"
            f"  tv: {json.dumps([daemon.url('TV')])}\n"
            "destinations:\n"
            f"  movies: {json.dumps(str(home / 'local' / 'Movies'))}\n"
            f"  tv: {json.dumps(str(home / 'local' / 'TV'))}\n"
            "discovery:\n  scan_timeout: 40\n"
            "sync:\n  stall_timeout: 5\n", encoding="utf-8")
        scanned = run_plexsh("-c", "scan")
        assert scanned.returncode == 0, scanned.stderr
        os.killpg(daemon.process.pid, signal.SIGSTOP)
        yield daemon


def children_of(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process descended from `pid`."""
    found, parents = [], {pid}
    changed = True
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            table[int(entry.name)] = (int(stat.rpartition(")")[2].split()[1]), cmdline)
    while changed:
        changed = False
        for child, (parent, cmdline) in table.items():
            if parent in parents and child not in parents:
                parents.add(child)
                found.append((child, cmdline))
                changed = True
    return found


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.1)


def the_copy_was_never_disturbed() -> None:
    """The job finished verified on its first attempt, and its events never mention a stall."""
    from plexsh.engine.jobs import JobStore
    from plexsh.home import catalog_path

    (reply,) = run_json("jobs")
    (job,) = reply["jobs"]
    assert job["state"] == "done" and job["attempts"] == 1 and job["sha256"], job
    with JobStore(catalog_path(), recover=False) as store:
        events = store.events()
    assert not [e for e in events if "stall" in json.dumps(e)], events


@pytest.mark.slow
def test_a_copy_goes_on_undisturbed_through_a_40_second_scan_while_the_toolbar_keeps_moving(hung_source):
    shell, screen = start_watched_shell()
    try:
        run_line(shell, 'get "Big Movie" bwlimit 512K')  # 24 MiB at 512 KiB/s: about 48 s
        shell.expect_exact("queued 1 file")
        seen: list[str] = []
        run_line(shell, "scan")
        watch(shell, screen, "could not be scanned", seen)  # the TV source, after 40 s of silence
        shell.expect_exact(PROMPT)
        percents = {m.group(1) for line in seen if (m := re.search(re.escape(LABEL) + r" (\d+)%", line))}
        assert len(percents) >= 5, seen  # the copy's progress moved on the toolbar all along
        assert any("scanning" in line and "1/2 sources done" in line for line in seen), seen
        watch(shell, screen, f"✓ job 1 done: {re.escape(LABEL)}", [])
        run_line(shell, "quit")
        shell.expect(pexpect.EOF)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    the_copy_was_never_disturbed()


def test_ctrl_c_cancels_a_running_scan_and_its_children_while_a_copy_goes_on(hung_source):
    shell, screen = start_watched_shell()
    try:
        run_line(shell, 'get "Big Movie" bwlimit 2M')  # about 12 s
        shell.expect_exact("queued 1 file")
        run_line(shell, "scan")
        watch(shell, screen, "1/2 sources done", [])  # Movies is done; the TV source does not answer
        listing = lambda: any("--list-only" in cmd for _, cmd in children_of(shell.pid))  # noqa: E731
        wait_until(listing, "rsync listing the TV source")
        shell.sendcontrol("c")
        shell.expect_exact("scan cancelled")
        shell.expect_exact(PROMPT)
        wait_until(lambda: not listing(), "the listing stopped")
        watch(shell, screen, f"✓ job 1 done: {re.escape(LABEL)}", [])
        run_line(shell, "find big")  # the shell goes on
        shell.expect_exact("Big Movie")
        shell.expect_exact(PROMPT)
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    the_copy_was_never_disturbed()


def test_the_status_line_shows_a_scans_progress_per_source_its_clock_moves_and_typing_waits(hung_source):
    shell, screen = start_watched_shell()
    try:
        run_line(shell, "scan")
        seen: list[str] = []
        watch(shell, screen, "1/2 sources done", seen)  # Movies is done; the TV source does not answer
        clock = set()
        while len(clock) < 3:  # the status line is redrawn while the scan waits
            shell.expect([pexpect.TIMEOUT], timeout=0.5)
            status = screen.line_with("Ctrl-C cancels")
            clock.add(re.search(r"(\d+) s · Ctrl-C cancels", status).group(1))
        assert "scanning TV 0 folders 0 files · 1/2 sources done" in status, status
        assert screen.line_with("1 movies · 1 shows"), "\n".join(screen.screen.display)  # the toolbar under it
        shell.send("find bi")  # typed while the scan runs: kept for the next prompt
        shell.sendcontrol("c")
        shell.expect_exact("scan cancelled")
        shell.expect_exact(PROMPT)
        shell.send("g\r")
        shell.expect_exact("Big Movie")
        shell.expect_exact(PROMPT)
    finally:
        if shell.isalive():
            shell.terminate(force=True)


@contextmanager
def shell_waiting_on_a_scan():
    """A shell whose `scan` waits on the source that does not answer (Movies already done)."""
    shell, screen = start_watched_shell()
    try:
        run_line(shell, "scan")
        watch(shell, screen, "1/2 sources done", [])
        yield shell
    finally:
        if shell.isalive():
            shell.terminate(force=True)


def test_an_interrupt_signal_cancels_the_running_command_and_never_ends_the_shell(hung_source):
    with shell_waiting_on_a_scan() as shell:
        os.kill(shell.pid, signal.SIGINT)  # what a cooked terminal sends for Ctrl-C
        shell.expect_exact("scan cancelled")
        shell.expect_exact(PROMPT)
        os.kill(shell.pid, signal.SIGINT)  # at the prompt: nothing to cancel, the shell stays
        run_line(shell, "find big")
        shell.expect_exact("Big Movie")
        shell.expect_exact(PROMPT)
        quits_cleanly(shell)


def test_a_line_typed_and_entered_while_a_command_runs_runs_after_it(hung_source):
    with shell_waiting_on_a_scan() as shell:
        shell.send("find big\r")  # typed and entered while the scan waits: it must not be lost
        shell.sendcontrol("c")
        shell.expect_exact("scan cancelled")
        shell.expect_exact("Big Movie")  # ran by itself once the scan ended
        shell.expect_exact(PROMPT)
