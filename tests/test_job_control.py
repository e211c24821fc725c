"""Job control of a running copy in the shell, in a real pseudo-terminal: pause, resume, cancel, queue move/rm."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import run_plexsh, write_tree
from enginekit import proc_state
from test_repl import PROMPT, run_line, start_shell

SHOW = "Slow Show"
# Large enough that, at the test's bandwidth limit, each file takes seconds: time to act on it.
EPISODES = {f"TV/{SHOW}/Season 01/{SHOW} - S01E0{n} - Part {n}.mkv": 6_000_000 for n in range(1, 5)}


@pytest.fixture
def slow_show(configured, nas) -> Path:
    write_tree(nas, EPISODES)
    result = run_plexsh("-c", "scan")
    assert result.returncode == 0, result.stderr
    return configured


@pytest.fixture
def shell(slow_show):
    child = start_shell()
    yield child
    if child.isalive():
        child.terminate(force=True)


def stored(home: Path) -> dict[int, sqlite3.Row]:
    """The job store as the engine wrote it (the pid of a running copy is only there)."""
    with sqlite3.connect(f"file:{home / 'plexsh.db'}?mode=ro", uri=True, timeout=10) as db:
        db.row_factory = sqlite3.Row
        return {row["id"]: row for row in db.execute("SELECT * FROM jobs")}


def wait_for(what: str, check, timeout: float = 30):
    """Poll until check() gives something true; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except FileNotFoundError:
        return 0


def command(child, line: str, expect: str) -> str:
    """Run a line, wait for `expect` (a regex) and the prompt; the text from the match to the prompt."""
    run_line(child, line)
    child.expect(expect)
    found = child.match.group(0)
    child.expect_exact(PROMPT)
    return found + child.before


def job_percent(child, job: int, state: str) -> int:
    """Run `jobs` and read job's done column, asserting its state."""
    row = command(child, "jobs", rf"\b{job}\s+{state}\s+{SHOW} - S01E0{job} - Part {job}\.mkv\s+\d+%")
    return int(re.search(r"(\d+)%", row).group(1))


@pytest.mark.slow
def test_pause_resume_cancel_and_reorder_a_running_get(shell, slow_show, nas):
    home = slow_show
    command(shell, f'get "{SHOW}" s1 bwlimit 1M', r"queued 4 files of Slow Show .*jobs 1, 2, 3, 4")
    first = wait_for("job 1 to run", lambda: (row := stored(home).get(1)) and row["state"] == "running"
                     and row["pid"] and size(row["partial"]) > 0 and row)
    pid, partial = first["pid"], first["partial"]

    # pause: the child is stopped, the job says paused, and its bytes stay where they were
    command(shell, "pause 1", "paused: job 1")
    wait_for("the copier to stop", lambda: proc_state(pid) == "T")
    held = size(partial)
    before = job_percent(shell, 1, "paused")
    time.sleep(1)  # at 1 MiB/s a running copy would move on by a quarter of a file meanwhile
    assert job_percent(shell, 1, "paused") == before
    assert size(partial) == held and proc_state(pid) == "T"
    assert stored(home)[2]["state"] == "queued"  # a paused job keeps its worker: nothing else started

    # while it is held: queue lists the waiting jobs; move one to the top and remove another
    listing = command(shell, "queue", r"(?s)\b2\s+queued.*\b3\s+queued.*\b4\s+queued")
    assert "Part 2.mkv" in listing and "Part 4.mkv" in listing
    command(shell, "queue move 4 top", "job 4 moved to top")
    command(shell, "queue", r"(?s)\b4\s+queued\s+Slow Show - S01E04.*\b2\s+queued\s+Slow Show - S01E02")
    command(shell, "queue rm 3", "job 3 removed")
    listing = command(shell, "queue", r"(?s)\b4\s+queued.*\b2\s+queued")
    assert "Part 3.mkv" not in listing
    assert 3 not in stored(home)

    # resume: the same child goes on from there
    command(shell, "resume 1", "resumed: job 1")
    wait_for("the copy to move on", lambda: size(partial) > held)
    assert proc_state(pid) != "T"
    job_percent(shell, 1, "running")

    # cancel: the copy ends, nothing under the final name; the partial stays for a later get
    command(shell, "cancel 1", "cancelled: job 1")
    ended = wait_for("job 1 to be cancelled", lambda: (row := stored(home)[1])["state"] == "cancelled" and row)
    assert not Path(ended["destination"]).exists()
    source = nas / "TV" / SHOW / "Season 01" / f"{SHOW} - S01E01 - Part 1.mkv"
    assert source.read_bytes().startswith(Path(partial).read_bytes())  # a clean prefix a later get resumes from
    job_percent(shell, 1, "cancelled")

    # the job moved to the top starts next
    wait_for("the next job to start", lambda: stored(home)[4]["started"] or stored(home)[2]["started"])
    assert stored(home)[4]["started"] and not stored(home)[2]["started"]

    # the rest finish, byte-identical to the sources
    wait_for("jobs 2 and 4 to finish", lambda: all(stored(home)[j]["state"] == "done" for j in (2, 4)), 60)
    season = home / "local" / "TV" / SHOW / "Season 01"
    for n in (2, 4):
        name = f"{SHOW} - S01E0{n} - Part {n}.mkv"
        assert (season / name).read_bytes() == (nas / "TV" / SHOW / "Season 01" / name).read_bytes()
    assert sorted(p.name for p in season.iterdir()) == sorted([
        Path(partial).name, f"{SHOW} - S01E02 - Part 2.mkv", f"{SHOW} - S01E04 - Part 4.mkv"])
    command(shell, "jobs", r"(?s)\b2\s+done.*\b4\s+done")
