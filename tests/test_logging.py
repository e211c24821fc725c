"""The log file as a user finds it: rotation from the config, transfer events, redaction, --verbose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_plexsh, write_config

TINY_LOG = "logging:\n  max_size: 2K\n  backup_count: 2\n"
REDACT = "security:\n  path_redaction: true\n"
# A transfer that fails gives up at once, so a test does not wait through the retry backoff.
NO_RETRIES = "sync:\n  retry_attempts: 0\n"


def log_files(home: Path) -> dict[str, str]:
    """Every file in the log folder, by name, with its text."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((home / "logs").iterdir())}


def all_log_text(home: Path) -> str:
    return "\n".join(log_files(home).values())


def plexsh_ok(*args: str, **env) -> None:
    result = run_plexsh(*args, **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_log_rotates_at_the_configured_size_and_keeps_the_configured_backups(home, nas):
    write_config(home, nas, TINY_LOG + REDACT)
    plexsh_ok("-c", "scan", "-c", 'get "breaking bad"', "-c", 'get "the matrix"', "-c", "get heat")
    files = log_files(home)
    assert set(files) == {"plexsh.log", "plexsh.log.1", "plexsh.log.2"}
    assert all(0 < len(text.encode()) <= 2048 for text in files.values())
    assert not any(str(nas) in text for text in files.values())
    assert "Heat" in files["plexsh.log"]


def test_a_profile_brings_its_own_log_settings(home, nas):
    write_config(home, nas, TINY_LOG + "profiles:\n  lean: {logging: {backup_count: 1}}\n")
    plexsh_ok("--profile", "lean", "-c", "scan", "-c", 'get "breaking bad"', "-c", 'get "the matrix"')
    assert set(log_files(home)) == {"plexsh.log", "plexsh.log.1"}


def test_transfer_events_are_logged_with_their_source_when_not_redacting(home, nas):
    write_config(home, nas)
    plexsh_ok("-c", "scan", "-c", 'get "the matrix"')
    text = all_log_text(home)
    matrix = str(nas / "Movies" / "The Matrix (1999)" / "The Matrix (1999) - 2160p.mkv")
    for event in ("queued", "attempt_started", "verified", "attempt_ended"):
        assert f"INFO plexsh.transfers: job 1 {event}" in text
    assert "job 1 attempt_ended attempt=1 bytes=9000000 reason=done" in text
    assert f'source="{matrix}"' in text


def test_a_failed_transfer_is_a_warning_and_a_failed_command_is_logged(home, nas):
    write_config(home, nas, NO_RETRIES)
    plexsh_ok("-c", "scan")
    (nas / "Movies" / "Heat (1995)" / "Heat (1995).mkv").unlink()
    (nas / "Movies2" / "Heat.1995.720p.BluRay.x264-GRP.mkv").unlink()
    result = run_plexsh("-c", "get heat")
    assert result.returncode == 1
    text = all_log_text(home)
    assert "WARNING plexsh.transfers: job 1 attempt_ended attempt=1" in text
    assert "INFO plexsh: failed: get heat: " in text


@pytest.mark.parametrize("redaction", [True, False])
def test_path_redaction_hides_nas_paths_in_the_log_and_the_export(home, nas, redaction):
    write_config(home, nas, NO_RETRIES + f"security:\n  path_redaction: {str(redaction).lower()}\n")
    plexsh_ok("-c", "scan", "-c", 'get "the matrix"')
    # A failed transfer too: its events carry an error message and the last_error ends up exported.
    (nas / "Movies" / "Amélie (2001)" / "Amélie (2001).mkv").unlink()
    assert run_plexsh("-c", "get amelie").returncode == 1
    export = home / "export.json"
    plexsh_ok("-c", f"log export json {export}")
    exported = json.loads(export.read_text(encoding="utf-8"))
    logged = all_log_text(home)

    assert "The Matrix (1999)" in logged
    assert "Amélie (2001)" in logged
    matrix_job = next(job for job in exported["jobs"] if job["label"] == "The Matrix (1999) - 2160p.mkv")
    if redaction:
        assert str(nas) not in logged
        assert str(nas) not in export.read_text(encoding="utf-8")
        assert matrix_job["source"] == "The Matrix (1999) - 2160p.mkv"
        # Destinations are on the user's own disk: they stay.
        assert matrix_job["destination"].startswith(str(home / "local" / "Movies"))
    else:
        assert str(nas) in logged
        assert matrix_job["source"] == str(nas / "Movies" / "The Matrix (1999)" / "The Matrix (1999) - 2160p.mkv")


def test_redaction_also_covers_the_json_export_on_stdout(home, nas):
    write_config(home, nas, REDACT)
    plexsh_ok("-c", "scan", "-c", "get heat")
    result = run_plexsh("--json", "-c", "log export json")
    assert result.returncode == 0, result.stderr
    assert str(nas) not in result.stdout
    assert "Heat" in result.stdout


def test_verbose_and_plexsh_debug_add_debug_lines(home, nas):
    write_config(home, nas)
    plexsh_ok("-c", "sources")
    assert " DEBUG " not in all_log_text(home)
    plexsh_ok("--verbose", "-c", "sources")
    assert " DEBUG plexsh: run: sources" in all_log_text(home)
    (home / "logs" / "plexsh.log").unlink()
    plexsh_ok("-c", "ls movies", PLEXSH_DEBUG=1)
    assert " DEBUG plexsh: run: ls movies" in all_log_text(home)


def test_a_broken_config_still_leaves_a_log_with_the_default_sizes(home, nas):
    write_config(home, nas, "logging:\n  max_size: banana\n")
    result = run_plexsh("-c", "scan")
    assert result.returncode == 1
    assert "logging.max_size" in result.stderr
    text = all_log_text(home)
    assert "INFO plexsh: failed: scan: " in text
    assert "logging.max_size" in text
    assert set(log_files(home)) == {"plexsh.log"}
