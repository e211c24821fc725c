"""The `dupes` verb: groups with their confidence and kept copy, remove and link after the plan (asked in the shell,
`yes` in scripts), undone to the exact tree; the NAS only reported."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from conftest import run_json, run_plexsh
from test_repl import PROMPT, quits_cleanly, run_line, start_shell

from plexsh.dupes.act import make_plan
from plexsh.dupes.groups import Candidate, Group

HOSTILE = "Esc \x1b[31m[bold]red\nline.mkv"


def tree_of(root: Path) -> dict[str, tuple]:
    """Every file under ROOT: (size, mtime_ns, bytes, inode), what undo must give back exactly."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            st = path.lstat()
            found[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns, path.read_bytes(), st.st_ino)
    return found


def planted(root: Path) -> Path:
    """A folder with two exact groups (one with a hostile name, one member with a second name), a
    lonely file, and an empty pair (left out)."""
    (root / "z" / "b").mkdir(parents=True)  # the copies kept are the first by path: those at the top
    (root / "movie.mkv").write_bytes(b"M" * 300_000)
    (root / "z" / "movie copy.mkv").write_bytes(b"M" * 300_000)
    (root / "z" / "b" / HOSTILE).write_bytes(b"M" * 300_000)
    (root / "show.mkv").write_bytes(b"S" * 50_000 + b"tail")
    (root / "z" / "show again.mkv").write_bytes(b"S" * 50_000 + b"tail")
    os.link(root / "z" / "show again.mkv", root / "z" / "b" / "show hard link.mkv")
    (root / "lonely.mkv").write_bytes(b"L" * 1000)
    (root / "empty1").write_bytes(b"")
    (root / "empty2").write_bytes(b"")
    return root


def test_dupes_in_a_folder_shows_each_group_with_its_kept_copy_escaped_names_and_what_removing_frees(home, tmp_path):
    root = planted(tmp_path / "folder")

    result = run_plexsh("-c", f'dupes in "{root}"')

    assert result.returncode == 0, result.stderr
    assert "same bytes (very high)" in result.stdout and "kept:" in result.stdout
    assert "\x1b[31m" not in result.stdout and "Esc \\033[31m[bold]red\\nline.mkv" in result.stdout
    assert "2 groups of duplicates" in result.stdout and "2 empty files left out" in result.stdout
    (reply,) = run_json(f'dupes in "{root}"')
    assert reply["ok"] and reply["reclaimable"] == 600_000 + 50_004
    assert reply["files"] == 8 and reply["empty"] == 2  # the hard-linked pair is one file
    exact = [g for g in reply["groups"] if g["kind"] == "exact"]
    assert sorted(len(g["members"]) for g in exact) == [2, 3]
    (show,) = [g for g in exact if len(g["members"]) == 2]
    ((name, others),) = show["hard_links"].items()  # a member's other names: one file, listed once
    assert sorted([name, *others]) == [str(root / "z" / "b" / "show hard link.mkv"), str(root / "z" / "show again.mkv")]


def test_remove_yes_sends_the_copies_not_kept_to_the_trash_and_undo_restores_the_exact_tree(home, tmp_path):
    root = planted(tmp_path / "folder")
    before = tree_of(root)

    (removed,) = run_json(f'dupes in "{root}" remove yes')

    assert removed["ok"] and removed["action"]
    assert sorted(Path(f["path"]).name for f in removed["plan"]["files"]) == sorted(
        [HOSTILE, "movie copy.mkv", "show again.mkv", "show hard link.mkv"])
    assert removed["plan"]["freed"] == 300_000 * 2 + 50_004  # the hard-linked pair counts once
    assert sorted(tree_of(root)) == ["empty1", "empty2", "lonely.mkv", "movie.mkv", "show.mkv"]
    (again,) = run_json(f'dupes in "{root}"')
    assert [g for g in again["groups"] if g["kind"] == "exact"] == []
    result = run_plexsh("-c", "undo")
    assert result.returncode == 0, result.stderr
    assert tree_of(root) == before  # paths, sizes, mtimes, bytes, and the same files (inodes)


def test_link_yes_makes_each_duplicate_the_kept_file_and_undo_restores_the_exact_tree(home, tmp_path):
    root = planted(tmp_path / "folder")
    before = tree_of(root)

    (linked,) = run_json(f'dupes in "{root}" link yes')

    assert linked["ok"] and linked["plan"]["freed"] == 300_000 * 2 + 50_004
    after = tree_of(root)
    assert sorted(after) == sorted(before)
    assert all(after[name][2] == before[name][2] for name in before)  # every name still has its bytes
    for group in (["movie.mkv", "z/movie copy.mkv", f"z/b/{HOSTILE}"],
                  ["show.mkv", "z/show again.mkv", "z/b/show hard link.mkv"]):
        assert _shared(root, group), group  # one file (a hard link), or clones sharing blocks (reflink)
    (history,) = run_json("history 1")
    assert [s["op"] for s in history["action"]["steps"]] == ["link"] * 4
    result = run_plexsh("-c", "undo")
    assert result.returncode == 0, result.stderr
    assert "4 files back in place of their links" in result.stdout
    assert tree_of(root) == before


def _shared(root: Path, names: list[str]) -> bool:
    """Whether the files are one (hard links) or each a reflink of the first (then their own inodes, same bytes)."""
    inodes = {(root / n).stat().st_ino for n in names}
    steps = run_json("history 1")[0]["action"]["steps"]
    if any(s["note"] == "reflink" for s in steps):
        return len({(root / n).read_bytes() for n in names}) == 1
    return len(inodes) == 1


def test_a_script_without_yes_shows_the_plan_and_changes_nothing(home, tmp_path):
    root = planted(tmp_path / "folder")
    before = tree_of(root)

    for verb in ("remove", "link"):
        result = run_plexsh("-c", f'dupes in "{root}" {verb}')
        assert result.returncode == 0, result.stderr
        assert "the plan: 4 files" in result.stdout
        assert "nothing changed (dry-run); add `yes` to do it" in result.stdout
        (reply,) = run_json(f'dupes in "{root}" {verb}')
        assert reply["dry_run"] and "action" not in reply
    assert run_json(f'dupes in "{root}" remove dry-run')[0]["dry_run"]
    assert tree_of(root) == before
    assert run_json("history")[0]["actions"] == []


def test_in_the_shell_remove_asks_after_the_plan_and_acts_only_on_yes(home, tmp_path):
    root = planted(tmp_path / "folder")
    before = tree_of(root)
    shell = start_shell()
    try:
        run_line(shell, f'dupes in "{root}" remove')
        shell.expect_exact("the plan: 4 files go to the trash")
        shell.expect_exact("Go ahead? [y/N]")
        run_line(shell, "n")
        shell.expect_exact("nothing changed")
        shell.expect_exact(PROMPT)
        assert tree_of(root) == before
        run_line(shell, f'dupes in "{root}" remove')
        shell.expect_exact("Go ahead? [y/N]")
        run_line(shell, "y")
        shell.expect_exact("4 files moved to the trash")
        shell.expect_exact(PROMPT)
        assert not (root / "z" / "movie copy.mkv").exists()
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)


def test_a_folder_that_is_not_there_is_one_line_naming_it(home, tmp_path):
    result = run_plexsh("-c", f'dupes in "{tmp_path / "nowhere"}"')

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'nowhere'}: no such folder"]


def test_dupes_nas_remove_or_link_is_refused_in_one_line_and_touches_nothing(scanned):
    for verb in ("remove", "link"):
        result = run_plexsh("-c", f"dupes nas {verb} yes")
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.splitlines()[0] == f"error: `dupes nas` only reports: plexsh never {verb}s anything on a source"
        assert "Traceback" not in result.stderr
    assert run_json("history")[0]["actions"] == []


def test_exact_copies_on_the_nas_are_reported_from_the_hashes_their_copies_recorded(scanned, nas):
    alien = "Movies2/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv"
    twin = nas / "Movies" / "Alien (1979)" / "Alien (1979) {edition-Directors Cut}.mkv"
    twin.parent.mkdir()
    shutil.copyfile(nas / alien, twin)
    assert run_plexsh("-c", "scan", "-c", "get movie alien all-versions").returncode == 0

    (reply,) = run_json("dupes nas")

    exact = [g for g in reply["groups"] if g["kind"] == "exact"]
    assert [sorted(m["path"] for m in g["members"]) for g in exact] == [sorted([str(nas / alien), str(twin)])]
    assert all(m["where"] == "nas" for m in exact[0]["members"])
    (local,) = run_json("dupes movies")
    assert [len(g["members"]) for g in local["groups"] if g["kind"] == "exact"] == [2]  # their two copies too


def test_removing_a_local_copy_forgets_it_records_a_dupes_access_and_undo_makes_it_local_again(scanned, home):
    assert run_plexsh("-c", "get movie heat all-versions").returncode == 0
    (found,) = run_json("dupes movies")
    (group,) = found["groups"]
    assert group["confidence"] == "high" and group["identity"] == "Heat (1995)"
    gone = [m["path"] for m in group["members"] if m["path"] != group["keep"]]

    (removed,) = run_json("dupes movies remove yes")

    assert [f["path"] for f in removed["plan"]["files"]] == gone
    assert not os.path.exists(gone[0])
    assert run_json("dupes movies")[0]["groups"] == []  # no longer a local copy
    with sqlite3.connect(home / "plexsh.db") as db:
        assert db.execute("SELECT file_path FROM access_records WHERE access_type = 'dupes'").fetchall() == [
            (gone[0],)]
    assert run_plexsh("-c", "undo").returncode == 0
    assert os.path.exists(gone[0])
    assert [g["identity"] for g in run_json("dupes movies")[0]["groups"]] == ["Heat (1995)"]


def candidate(path: Path, data: bytes) -> Candidate:
    path.write_bytes(data)
    return Candidate(str(path), len(data), "h", "folder")


def test_a_copy_whose_bytes_changed_since_the_search_is_left_alone(tmp_path):
    keep, other = candidate(tmp_path / "keep", b"same" * 100), candidate(tmp_path / "other", b"same" * 100)
    group = Group("exact", "very high", "h", [keep, other], keep, "first")
    (tmp_path / "other").write_bytes(b"SAME" * 100)

    plan = make_plan([group], "remove")

    assert plan.moves == []
    assert plan.skipped == [(other.path, f"its bytes are not those of {keep.path} (any more)")]


def test_a_copy_some_group_keeps_is_never_removed_and_medium_groups_wait_to_be_named(tmp_path):
    a, b, c = (candidate(tmp_path / n, n.encode() * 10) for n in "abc")
    high = Group("media", "high", "Heat (1995)", [a, b], a, "better")
    medium = Group("media", "medium", "Heat (1995)", [b, c], b, "better")

    assert [m.path for m in make_plan([high, medium], "remove").moves] == [b.path]
    plan = make_plan([high, medium], "remove", "medium")
    assert [m.path for m in plan.moves] == [c.path]  # b is kept by the medium group: it stays
    assert plan.skipped == [(b.path, "another group keeps it")]
    assert make_plan([high, medium], "link").moves == []  # media groups are never linked
