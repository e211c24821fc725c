"""The `trash` verb: listing, restoring, emptying (asked in the shell, `yes` in scripts), and the trash's size in status and doctor."""

from __future__ import annotations

import base64
import json
import os

from conftest import run_json, run_plexsh
from test_repl import PROMPT, quits_cleanly, run_line, start_shell

from plexsh.journal import trash


def trashed(home, name: str, data: bytes = b"x" * 1000):
    """A real file under the test's library, sent to the trash of HOME."""
    path = home.parent / "library" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return trash.send(path, home=home)


def test_trash_lists_each_entry_with_its_id_escaped_original_path_size_and_age(home):
    item = trashed(home, "Two\nLines \x1b[31m(2001).mkv", b"x" * 2048)

    result = run_plexsh("-c", "trash")

    assert result.returncode == 0, result.stderr
    assert item.id in result.stdout
    assert "Two\\nLines \\033[31m(2001).mkv" in result.stdout and "\x1b[31m" not in result.stdout
    assert "2.0 KiB" in result.stdout or "2 KiB" in result.stdout
    assert "1 in the trash" in result.stdout


def test_trash_in_json_keeps_the_original_path_exact_even_when_it_is_not_utf8(home):
    item = trashed(home, "Caf\udce9 (2004).mkv", b"x" * 10)

    [reply] = run_json("trash")

    [entry] = reply["entries"]
    assert entry["id"] == item.id and entry["size"] == 10 and reply["bytes"] == 10
    assert base64.b64decode(entry["original_bytes"]) == os.fsencode(str(item.original))


def test_trash_restore_puts_the_file_back_and_refuses_where_something_is_at_its_place(home):
    first, second = trashed(home, "Heat (1995).mkv", b"heat"), trashed(home, "Alien (1979).mkv", b"alien")
    second.original.write_bytes(b"a new alien")

    result = run_plexsh("-c", f"trash restore {first.id} {second.id}")

    assert result.returncode == 1
    assert first.original.read_bytes() == b"heat"
    assert second.original.read_bytes() == b"a new alien"  # never overwritten
    assert "1 of 2 not restored: something is at the original place" in result.stderr
    assert "Traceback" not in result.stderr
    assert [e.id for e in trash.entries(home)] == [second.id]


def test_trash_restore_all_puts_everything_back(home):
    items = [trashed(home, f"Season 01/Show - S01E0{n}.mkv", b"e%d" % n) for n in (1, 2)]
    items[0].original.parent.rmdir()  # the season folder went with them

    result = run_plexsh("-c", "trash restore all")

    assert result.returncode == 0, result.stderr
    assert [i.original.read_bytes() for i in items] == [b"e1", b"e2"]
    assert trash.entries(home) == []


def test_trash_restore_of_an_id_not_in_the_trash_is_one_clear_line(home):
    result = run_plexsh("-c", "trash restore zzzzzz")

    assert result.returncode == 1
    assert "nothing in the trash has the id zzzzzz" in result.stderr and "Traceback" not in result.stderr


def test_trash_empty_in_a_script_deletes_nothing_without_yes(home):
    item = trashed(home, "Heat (1995).mkv")

    result = run_plexsh("-c", "trash empty")

    assert result.returncode == 1
    assert "deletes 1 entry (1000 B) for good: add `yes` to confirm" in result.stderr
    assert item.path.exists()
    done = run_json("trash empty yes")
    assert done[0]["deleted"] == 1 and done[0]["bytes"] == 1000
    assert not item.path.exists() and trash.entries(home) == []


def test_trash_empty_older_than_keeps_what_is_more_recent(home):
    old, new = trashed(home, "Old (1950).mkv"), trashed(home, "New (2020).mkv")
    info = old.path.parent.parent / "info" / f"{old.id}.json"
    record = json.loads(info.read_text())
    record["deleted_at"] -= 31 * 86400
    info.write_text(json.dumps(record))

    result = run_plexsh("-c", "trash empty older-than 30d yes")

    assert result.returncode == 0, result.stderr
    assert "deleted 1 entry for good" in result.stdout
    assert [e.id for e in trash.entries(home)] == [new.id]


def test_trash_empty_in_the_shell_asks_and_deletes_only_on_yes(home):
    item = trashed(home, "Heat (1995).mkv")
    shell = start_shell()
    try:
        run_line(shell, "trash empty")
        shell.expect_exact("Delete 1 entry (1000 B) for good? This cannot be undone. [y/N]")
        run_line(shell, "n")
        shell.expect_exact("nothing deleted")
        shell.expect_exact(PROMPT)
        assert item.path.exists()
        run_line(shell, "trash empty")
        shell.expect_exact("for good?")
        run_line(shell, "y")
        shell.expect_exact("deleted 1 entry for good")
        shell.expect_exact(PROMPT)
        assert not item.path.exists()
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)


def test_status_and_doctor_show_the_trash_size(home):
    trashed(home, "Heat (1995).mkv", b"x" * 3000)
    trashed(home, "Alien (1979).mkv", b"x" * 1096)

    status, doctor = run_json("status", "doctor")

    assert status["trash"] == {"files": 2, "bytes": 4096}
    [check] = [c for c in doctor["checks"] if c["check"] == "trash"]
    assert check["ok"] and check["detail"].startswith("2 entries, 4.0 KiB")
    assert "trash: 2 entries, 4.0 KiB" in run_plexsh("-c", "status").stdout


def test_trash_restore_completes_the_ids_in_the_trash_with_where_each_was(scanned):
    from plexsh.render import Renderer
    from plexsh.session import Session
    from plexsh.shell.complete import Candidates

    assert run_plexsh("-c", 'get "Breaking Bad" s1e1; rm "Breaking Bad" s1e1').returncode == 0
    [entry] = trash.entries(scanned)
    session = Session(Renderer("plain"))
    try:
        candidates = Candidates(session)
        assert candidates.for_text("trash restore ") == [(entry.id, 0, str(entry.original)), ("all", 0, "")]
        assert candidates.for_text(f"trash restore {entry.id[:2]}") == [(entry.id, 2, str(entry.original))]
        other = next(c for c in "0123456789abcdefghijklmnopqrstuvwxyz" if c != entry.id[0])
        assert candidates.for_text(f"trash restore {other}") == []
    finally:
        session.close()
