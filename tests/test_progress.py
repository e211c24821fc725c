"""Progress of `plexsh -c 'get ...'`: rich bars in a real terminal, one plain line per event through a pipe."""

from __future__ import annotations

import json
import sys

import pexpect
import pytest

from conftest import REPO, plexsh_env, run_plexsh

MATRIX = "Movies/The Matrix (1999)/The Matrix (1999) - 2160p.mkv"  # 9,000,000 bytes: the best version
EPISODES = ["Breaking Bad - S01E01 - Pilot.mkv", "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
            "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


def test_a_terminal_shows_a_bar_with_the_file_and_its_bytes(scanned, nas):
    # 3 MiB/s over 8.6 MiB keeps the bar up for a few redraws.
    env = plexsh_env(TERM="xterm-256color", COLUMNS="120", LINES="40")
    child = pexpect.spawn(sys.executable, ["-m", "plexsh", "-c", 'get "The Matrix" bwlimit 3M'], env=env,
                          cwd=str(REPO), encoding="utf-8", dimensions=(40, 120), timeout=60)
    try:
        child.expect_exact("The Matrix (1999) - 2160p.mkv")
        child.expect(r"\d+%")  # the bar's percentage, then its bytes done of the total
        child.expect(r"\d+\.\d/8\.6 MiB")
        child.expect_exact("copied The Matrix (1999) - 2160p.mkv")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    copied = scanned / "local" / "Movies" / "The Matrix (1999)" / "The Matrix (1999) - 2160p.mkv"
    assert copied.read_bytes() == (nas / MATRIX).read_bytes()


def test_several_files_add_a_line_for_the_whole_run(scanned):
    env = plexsh_env(TERM="xterm-256color", COLUMNS="120", LINES="40")
    child = pexpect.spawn(sys.executable, ["-m", "plexsh", "-c", 'get "Breaking Bad" s1 bwlimit 500K'], env=env,
                          cwd=str(REPO), encoding="utf-8", dimensions=(40, 120), timeout=60)
    try:
        child.expect(r"[0-3] of 3 files")  # under the file's bar: files done of the run's, its bytes
        child.expect(r"\d+\.\d/1\.4 MiB")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_a_pipe_gets_one_line_when_each_file_starts_and_ends(scanned, nas):
    result = run_plexsh("-c", 'get "Breaking Bad" s1 bwlimit 2M')
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout and "\x1b" not in result.stdout  # no redraws, no colour
    lines = result.stdout.splitlines()
    for name in EPISODES:
        assert lines.count(f"copying {name} (488.3 KiB)") == 1
        assert lines.count(f"done {name} (488.3 KiB)") == 1
        assert lines.index(f"copying {name} (488.3 KiB)") < lines.index(f"done {name} (488.3 KiB)")
        assert f"copied {name} (488.3 KiB) to " in result.stdout  # the reply follows the events
    season = scanned / "local" / "TV" / "Breaking Bad" / "Season 01"
    for name in EPISODES:
        assert (season / name).read_bytes() == (nas / "TV" / "Breaking Bad" / "Season 01" / name).read_bytes()


def test_json_output_has_no_progress_lines(scanned):
    result = run_plexsh("--json", "-c", 'get "Breaking Bad" s1 e1-2')
    assert result.returncode == 0, result.stderr
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]  # one JSON object, nothing else
    assert [job["state"] for job in reply["jobs"]] == ["done", "done"]


def view(state, attempts=1, error=None):
    from plexsh.engine.supervisor import JobView

    return JobView(7, "Heat (1995).mkv", "/nas/Heat (1995).mkv", "/local/Heat (1995).mkv", state, "normal", 1,
                   0, 3_000_000, 0.0, None, None, attempts, 0, error, None, None)


@pytest.mark.parametrize("before, after, line", [
    ("queued", view("running"), "copying Heat (1995).mkv (2.9 MiB)"),
    ("queued", view("running", attempts=2), "copying Heat (1995).mkv (2.9 MiB, attempt 2)"),
    ("running", view("queued", error="read error"), "retrying Heat (1995).mkv: read error"),
    ("running", view("stalled", error="no progress for 30 s"), "retrying Heat (1995).mkv: no progress for 30 s"),
    ("verifying", view("failed", error="sha256 mismatch"), "failed Heat (1995).mkv: sha256 mismatch"),
    ("verifying", view("done"), "done Heat (1995).mkv (2.9 MiB)"),
    ("running", view("cancelled"), "cancelled Heat (1995).mkv"),
    ("paused", view("running"), None),  # resumed: the copy goes on, no new event
    ("running", view("verifying"), None),
    (None, view("queued"), None),
])
def test_plain_line_for_each_state_change(before, after, line):
    from plexsh.render import job_line

    assert job_line(before, after) == line


def test_a_scan_on_a_terminal_shows_a_live_status_line_with_its_counts_and_a_pipe_gets_none(home, nas, tmp_path):
    """The NAS daemon is stopped: it accepts the connection and never answers, so the scan waits
    scan_timeout for it while the local folders are already counted, and the status line says so."""
    import os
    import signal

    from conftest import write_config
    from rsyncd import rsync_daemon

    (tmp_path / "daemon").mkdir()
    with rsync_daemon(tmp_path / "daemon") as daemon:
        write_config(home, nas, "discovery:\n  scan_timeout: 3\n",
                     folders={"movies": ["Movies", "Movies2"]})
        config = home / "config.yaml"
        config.write_text(config.read_text().replace('"]', f'", "{daemon.url()}"]', 1))
        os.killpg(daemon.process.pid, signal.SIGSTOP)
        try:
            child = pexpect.spawn(sys.executable, ["-m", "plexsh", "-c", "scan"], cwd=str(REPO), timeout=60,
                                  env=plexsh_env(TERM="xterm-256color"), dimensions=(40, 160))
            child.expect(pexpect.EOF)
            child.close()
            piped = run_plexsh("-c", "scan full")
        finally:
            os.killpg(daemon.process.pid, signal.SIGCONT)
    shown = child.before.decode()
    assert child.exitstatus == 1, shown  # the stopped daemon is reported as hanging
    status = [line for line in shown.replace("\r", "\n").split("\n") if "scanning" in line]
    # While the daemon keeps the scan waiting, the line says which source it waits for and that the
    # two local ones are done.
    assert any("scanning media 0 folders 0 files · 2/3 sources done" in line for line in status), shown
    assert "media (not answering after 3 s" in shown, shown
    assert piped.returncode == 1 and "scanning" not in piped.stdout + piped.stderr, piped
