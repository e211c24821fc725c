"""Wrong settings and hostile input on the real command line: one line saying what is wrong, the right exit status."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest

from conftest import REPO, plexsh_env, run_plexsh, write_config

TRACEBACK = "Traceback (most recent call last)"


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def assert_one_error(result, status: int, *words: str) -> str:
    """The run failed with `status` and said why in one `error:` line holding every word; no traceback."""
    assert TRACEBACK not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    (line,) = error_lines(result)
    for word in words:
        assert word in line, line
    return line


# --- the config file itself ------------------------------------------------------------------------


def test_a_config_that_is_a_device_is_refused_without_reading_it(home):
    result = run_plexsh("--config", "/dev/zero", "-c", "help", timeout=30)
    assert_one_error(result, 1, "/dev/zero", "not a regular file")


def test_a_config_that_is_a_fifo_is_refused_without_waiting_for_a_writer(home, tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    result = run_plexsh("--config", str(fifo), "-c", "help", timeout=30)
    assert_one_error(result, 1, str(fifo), "not a regular file")


def test_a_config_that_is_a_folder_is_refused(home, tmp_path):
    result = run_plexsh("--config", str(tmp_path), "-c", "help")
    assert_one_error(result, 1, str(tmp_path), "folder")


def test_a_config_file_over_a_mebibyte_is_refused(home, tmp_path):
    huge = tmp_path / "config.yaml"
    huge.write_text("# padding\n" * 110_000, encoding="utf-8")  # valid YAML, 1.1 MB
    result = run_plexsh("--config", str(huge), "-c", "help")
    assert_one_error(result, 1, str(huge), "too large")


def test_a_config_whose_aliases_nest_billions_of_items_gets_a_short_error(home):
    # 1 KiB of YAML: each level an anchored list of nine aliases to the level before (9^9 items).
    levels = ["  scan_depth:", "    - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"    - &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    config = home / "bomb.yaml"
    config.write_text("discovery:\n" + "\n".join(levels) + "\n", encoding="utf-8")
    result = run_plexsh("--config", str(config), "-c", "help", timeout=30)
    line = assert_one_error(result, 1, f"{config} line 3: discovery.scan_depth must be a whole number, got [[")
    assert len(line) < 300


def test_an_unknown_profile_on_the_command_line_fails_before_anything_runs(configured):
    result = run_plexsh("--profile", "nope", "-c", "help")
    assert_one_error(result, 1, "unknown profile 'nope'")
    assert result.stdout == ""


def test_an_unknown_profile_under_json_is_one_json_object(configured):
    result = run_plexsh("--json", "--profile", "nope", "-c", "help")
    assert result.returncode == 1 and TRACEBACK not in result.stderr
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert reply["ok"] is False and reply["command"] == "config" and "unknown profile 'nope'" in reply["error"]


# --- numbers in commands -------------------------------------------------------------------------


HUGE = "99999999999999999999999"


@pytest.mark.parametrize("command", [
    f"ls all year {HUGE}",
    f"ls all year>={HUGE}",
    f"ls all size<{HUGE}G",
    f"ls all size<{'9' * 400}",
    f"wait {'9' * 5000}",
    f"ls all page {HUGE}",
    f"wait {HUGE}",
    f"cancel {HUGE}",
    f"get heat bwlimit {HUGE}T",
])
def test_a_number_too_large_is_a_syntax_error_pointing_at_it(scanned, command):
    result = run_plexsh("-c", command)
    line = assert_one_error(result, 2, "too large")
    column = int(line.split("column ")[1].split(":")[0])
    assert command[column - 1:].startswith("999"), line
    assert result.stderr.splitlines()[2].index("^") == column - 1


@pytest.mark.parametrize("rows", ["\u00b2", "9" * 5000])
def test_a_page_size_that_is_no_plain_number_is_refused_in_one_line(home, rows):
    result = run_plexsh("-c", f"set page-size {rows}")
    line = assert_one_error(result, 1, "page-size takes a whole number of rows")
    assert len(line) < 120


def test_waiting_for_a_transfer_that_does_not_exist_names_it(scanned):
    result = run_plexsh("-c", "wait 12345")
    assert_one_error(result, 1, "no job 12345")


# --- paths a user typed --------------------------------------------------------------------------


def test_log_export_to_a_folder_names_the_folder(scanned, tmp_path):
    result = run_plexsh("-c", f'log export json "{tmp_path}"')
    assert_one_error(result, 1, str(tmp_path), "folder")


def test_log_export_into_a_missing_folder_names_it(scanned, tmp_path):
    target = tmp_path / "no such folder" / "metrics.json"
    result = run_plexsh("-c", f'log export json "{target}"')
    assert_one_error(result, 1, str(target), "does not exist")
    assert not target.parent.exists()


def test_log_export_to_a_full_disk_says_so(scanned):
    result = run_plexsh("-c", "log export json /dev/full")
    assert_one_error(result, 1, "/dev/full", "No space left")


def test_a_nul_byte_in_a_script_is_a_syntax_error(scanned, tmp_path):
    script = tmp_path / "nul.plexsh"
    script.write_bytes(b'ls movies\nget heat to "a\x00b"\n')
    result = run_plexsh(str(script))
    assert_one_error(result, 2, "line 2", "NUL")
    assert result.stdout == ""  # a syntax error anywhere runs nothing


def test_a_nul_byte_on_stdin_is_a_syntax_error(scanned):
    result = run_plexsh(input='log export json "x\x00y"\n')
    assert_one_error(result, 2, "NUL")


def run_plexsh_bytes(*args: str, input: bytes, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plexsh", *args], input=input, capture_output=True, timeout=60,
                          env=plexsh_env(**env), cwd=REPO)


@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_stdin_that_is_not_utf8_runs_without_a_traceback_whatever_the_locale(scanned, encoding):
    extra = {"PYTHONIOENCODING": encoding} if encoding else {}
    result = run_plexsh_bytes(input=b"ls movies\nfind caf\xe9\n", **extra)
    stderr = result.stderr.decode("utf-8", "replace")
    assert TRACEBACK not in stderr and "internal error" not in stderr, stderr
    assert b"The Matrix" in result.stdout


def test_a_script_that_is_not_utf8_says_where(scanned, tmp_path):
    script = tmp_path / "latin1.plexsh"
    script.write_bytes(b"ls movies\n\nfind caf\xe9\n")
    result = run_plexsh(str(script))
    assert_one_error(result, 1, f"{script} is not UTF-8 text: line 3 has the byte 0xe9")


# --- many sources --------------------------------------------------------------------------------

# 5,000 sources work but take 30-50 s to probe here (a fork each), too long for a test. What broke
# them was every probe's pipe open at once: select() stops at descriptor 1024, the system at its
# open-files limit. The same failure shows with 120 sources under a limit of 64 open files.
MANY = 120
OPEN_FILES = 64


def run_with_few_descriptors(*args: str) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))

    return subprocess.run([sys.executable, "-m", "plexsh", *args], capture_output=True, text=True, timeout=120,
                          env=plexsh_env(), cwd=REPO, preexec_fn=limit)


@pytest.fixture
def many_sources(home, tmp_path):
    nas = tmp_path / "many"
    for n in range(MANY):
        (nas / f"Movies{n:03}").mkdir(parents=True)
    write_config(home, nas, folders={"movies": [f"Movies{n:03}" for n in range(MANY)], "tv": []})
    return nas


@pytest.mark.parametrize("verb, answered", [("sources", "reachable"), ("scan", "ok")])
def test_sources_and_scan_answer_for_more_sources_than_open_files_allowed(many_sources, verb, answered):
    result = run_with_few_descriptors("--json", "-c", verb)
    assert TRACEBACK not in result.stderr and "internal error" not in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    sources = reply["sources"] if verb == "sources" else reply["report"]["sources"]
    assert len(sources) == MANY and all(s[answered] for s in sources)


def test_doctor_checks_more_sources_than_open_files_allowed(many_sources):
    result = run_with_few_descriptors("--json", "-c", "doctor")
    assert TRACEBACK not in result.stderr and "internal error" not in result.stdout, result.stdout + result.stderr
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    checks = json.dumps(reply)
    assert "Movies119" in checks and "too many open files" not in checks.lower()


# --- numbers in the config -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [".inf", ".nan", "-1", "1e400"])
def test_a_scan_timeout_that_is_not_a_sane_number_names_file_and_line(home, value):
    config = write_config(home, home / "nas", f"discovery:\n  scan_timeout: {value}\n")
    result = run_plexsh("-c", "config")
    assert_one_error(result, 1, f"{config} line 8", "discovery.scan_timeout must be a number")


# --- the plexsh home -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["ls", "jobs"])
def test_a_catalog_that_is_not_a_database_is_named_with_a_way_out(home, command):
    (home / "plexsh.db").write_bytes(os.urandom(4096))
    result = run_plexsh("-c", command)
    line = assert_one_error(result, 1, f"cannot open the catalog {home / 'plexsh.db'}", "not a database")
    assert "move" in result.stderr.split(line)[1]


@pytest.mark.parametrize("command", ["ls", "jobs"])
def test_a_plexsh_home_that_is_a_file_is_named(tmp_path, command):
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = run_plexsh("-c", command, PLEXSH_HOME=home)
    assert_one_error(result, 1, f"cannot create the plexsh folder {home}: a file is in the way")


def test_config_init_where_a_file_is_in_the_way_names_it(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = run_plexsh("-c", "config init", PLEXSH_HOME=home)
    assert_one_error(result, 1, f"cannot write {home / 'config.yaml'}: {home} is in the way")
