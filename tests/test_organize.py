"""`organize`: a messy tree of local copies moved into Plex's layout (or the config's rules) as one action, and
`undo` putting back the exact tree; conflicts, `replace`, scripts that only show, and moves across file systems."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import run_json, run_plexsh, write_config

from plexsh.journal import trash

# Where each copy lies before (relative to HOME/local) and the NAS file it is a copy of.
MESSY = {
    "TV/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv": "TV2/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv",
    "Movies/Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv": "TV2/Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv",
    "TV/Doctor Who/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv":
        "TV/Doctor Who (2005)/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv",
    "Movies/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv":
        "Movies2/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv",
    "Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv",
    "Movies/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv":
        "Movies2/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv",
}
# Where Plex's naming puts each (same keys).
PLEX = {
    "TV/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv": "TV/Breaking Bad/Season 03/Breaking Bad - S03E01.mkv",
    "Movies/Breaking.Bad.S03E03E04.1080p.WEB-DL.x264-GRP.mkv": "TV/Breaking Bad/Season 03/Breaking Bad - S03E03-E04.mkv",
    "TV/Doctor Who/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv":
        "TV/Doctor Who/Season 00/Doctor Who - S00E01 - The Christmas Invasion.mkv",
    "Movies/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv": "Movies/Alien (1979)/Alien (1979) - Director's Cut.mkv",
    "Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv",
    "Movies/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv": "Movies/Dune Part Two (2024)/Dune Part Two (2024).mkv",
}


def plant_copies(home: Path, nas: Path, layout: dict[str, str], local: Path | None = None) -> None:
    """Copies of NAS files at LAYOUT's messy places, recorded as plexsh's local copies (as a get records them)."""
    from plexsh.db import open_database
    from plexsh.library.local import LocalFiles

    local = local or home / "local"
    _, db = open_database(home / "plexsh.db")
    try:
        for rel, source in layout.items():
            path = local / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(nas / source, path)
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000 + len(rel)))
            LocalFiles(db).record(None, str(nas / source), str(path), path.stat().st_size)
    finally:
        db.close()


def usage_records(home: Path) -> list[dict]:
    from plexsh.db import open_database
    from plexsh.usage.records import records

    _, db = open_database(home / "plexsh.db")
    try:
        return records(db)
    finally:
        db.close()


def tree(root: Path) -> dict[str, tuple]:
    """Every file and folder under ROOT: files with size and mtime, folders as such."""
    found = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        found[str(path.relative_to(root))] = ("dir",) if path.is_dir() else (st.st_size, st.st_mtime_ns)
    return found


def organized(home: Path, *commands: str, **env):
    result = run_plexsh(*[a for c in commands for a in ("-c", c)], **env)
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result


def test_organize_moves_a_messy_tree_into_plex_naming_and_undo_restores_the_exact_tree(scanned, nas):
    local = scanned / "local"
    plant_copies(scanned, nas, MESSY)
    before = tree(local)

    result = organized(scanned, "organize all yes")

    assert "moved 6 files; `undo` puts them back" in result.stdout
    for messy, plex in PLEX.items():
        assert not (local / messy).exists(), messy
        assert (local / plex).read_bytes() == (nas / MESSY[messy]).read_bytes(), plex
    assert not (local / "Movies" / "heat").exists() and not (local / "TV" / "Doctor Who" / "Specials").exists()
    [show, dune] = run_json('show "doctor who"', 'show movie "dune part two"')
    assert {s["season"]: s["sync"] for s in show["seasons"]} == {0: "synced", 1: "none"}  # the record followed
    assert dune["item"]["sync"] == "synced"
    moved = [r for r in usage_records(scanned) if r["access_type"] == "organize"]
    assert sorted(r["file_path"] for r in moved) == sorted(str(local / p) for p in PLEX.values())
    assert {r["metadata"]["action"] for r in moved} == {1}

    undone = run_plexsh("-c", "undo")

    assert undone.returncode == 0, undone.stderr
    assert tree(local) == before  # paths, sizes, mtimes; the folders organize made gone, those it emptied back
    [show] = run_json('show "doctor who"')
    assert {s["season"]: s["sync"] for s in show["seasons"]} == {0: "synced", 1: "none"}


def test_the_plan_shows_from_and_to_and_totals_and_a_script_without_yes_moves_nothing(scanned, nas):
    local = scanned / "local"
    plant_copies(scanned, nas, MESSY)
    before = tree(local)

    shown = organized(scanned, 'organize "breaking bad"')
    [reply] = run_json("organize all")

    assert "S03E03E04.1080p.WEB-DL.x264-GRP.mkv  →  Breaking Bad/Season 03/Breaking Bad - S03E03-E04.mkv" in shown.stdout
    assert "2 to move" in shown.stdout
    assert "nothing moved: a script applies the plan only with `yes` (organize ... yes)" in shown.stdout
    assert reply["totals"]["moves"] == 6 and reply["action"] is None
    assert sorted((e["from"], e["to"]) for e in reply["entries"]) == sorted(
        (str(local / m), str(local / p)) for m, p in PLEX.items())
    dry = organized(scanned, "organize all dry-run")
    assert "nothing moved (dry-run)" in dry.stdout
    assert tree(local) == before


def test_a_taken_place_is_a_conflict_skipped_and_replace_sends_the_old_file_to_the_trash(scanned, nas):
    local = scanned / "local"
    plant_copies(scanned, nas, {"Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})
    theirs = local / "Movies" / "Heat (1995)" / "Heat (1995).mkv"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"someone else's file")

    skipped = organized(scanned, "organize all yes")

    assert f"conflict, skipped: {local}/Movies/heat/Heat (1995).mkv → {theirs}: something else is there" in skipped.stdout
    assert theirs.read_bytes() == b"someone else's file" and (local / "Movies/heat/Heat (1995).mkv").exists()

    replaced = organized(scanned, "organize all replace yes")

    assert "moved 1 file" in replaced.stdout
    assert theirs.read_bytes() == (nas / "Movies/Heat (1995)/Heat (1995).mkv").read_bytes()
    [entry] = trash.entries(scanned)
    assert entry.original == theirs and entry.size == len(b"someone else's file")
    organized(scanned, "undo")
    assert theirs.read_bytes() == b"someone else's file"
    assert (local / "Movies/heat/Heat (1995).mkv").exists() and trash.entries(scanned) == []


def test_a_copy_already_in_place_stays_and_nothing_is_asked(scanned, nas):
    plant_copies(scanned, nas, {"Movies/Heat (1995)/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})

    result = organized(scanned, "organize all yes")

    assert "nothing to move: the local copies are where the rules put them" in result.stdout


RULES = """organize:
  rules:
    - name: films from 2000 on by year
      kind: movie
      year: ">=2000"
      template: "{year}/{title}{ [edition]}.{ext}"
    - name: big films apart
      kind: movie
      size: ">2M"
      template: "Big/{title} ({year}) {resolution}.{ext}"
      priority: 5
    - kind: tv
      path: "*/Specials/*"
      template: "{show}/Specials/{show} S{season:02}E{episode:02}.{ext}"
"""


def test_config_rules_pick_templates_by_priority_and_the_first_match_wins(home, nas):
    write_config(home, nas, RULES)
    organized(home, "scan")
    plant_copies(home, nas, MESSY)

    [reply] = run_json("organize all")

    to = {Path(e["from"]).relative_to(home / "local").as_posix(): Path(e["to"]).relative_to(home / "local").as_posix()
          for e in reply["entries"]}
    assert to["Movies/Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.HEVC-GRP.mkv"] == "Movies/Big/Dune Part Two (2024) 2160p.mkv"
    assert to["Movies/Alien.1979.Directors.Cut.1080p.BluRay.x265-GRP.mkv"] == "Movies/Big/Alien (1979) 1080p.mkv"
    assert to["Movies/heat/Heat (1995).mkv"] == "Movies/Big/Heat (1995).mkv"
    assert to["TV/Doctor Who/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv"] == \
        "TV/Doctor Who/Specials/Doctor Who S00E01.mkv"
    assert to["TV/Breaking.Bad.S03E01.1080p.WEB-DL.x264-GRP.mkv"] == "TV/Breaking Bad/Season 03/Breaking Bad - S03E01.mkv"


def test_a_bad_template_in_the_config_is_one_line_with_file_and_line(home, nas):
    config = write_config(home, nas, 'organize:\n  rules:\n    - kind: movie\n      template: "{title}/{titel}.{ext}"\n')

    result = run_plexsh("-c", "organize")

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (f"error: {config} line 10: organize.rules[0].template: unknown field "
                                             "{titel}: did you mean {title}?")
    assert "Traceback" not in result.stderr


def test_across_file_systems_a_copy_is_verified_its_original_goes_to_the_trash_and_undo_puts_it_back(scanned, nas,
                                                                                                    tmpfs):
    other = tmpfs("64m")  # its own mount, so its own trash at its top
    try:
        root = other / "Films"
        write_config(scanned, nas, f'organize:\n  rules:\n    - kind: movie\n      root: "{root}"\n'
                                   '      template: "{title} ({year})/{title} ({year}).{ext}"\n')
        plant_copies(scanned, nas, {"Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})
        local = scanned / "local"
        before = tree(local)

        result = organized(scanned, "organize all yes", "history 1")

        assert "1 copied to another file system, verified, originals to the trash" in result.stdout
        moved = root / "Heat (1995)" / "Heat (1995).mkv"
        assert moved.read_bytes() == (nas / "Movies/Heat (1995)/Heat (1995).mkv").read_bytes()
        assert moved.stat().st_mtime_ns == before["Movies/heat/Heat (1995).mkv"][1]
        assert [e.original for e in trash.entries(scanned)] == [local / "Movies/heat/Heat (1995).mkv"]
        [shown] = run_json('show movie heat')
        assert shown["item"]["sync"] == "synced"

        organized(scanned, "undo")

        assert tree(local) == before
        assert not (root / "Heat (1995)").exists()
        assert [e.original for e in trash.entries(scanned)] == [moved]  # the copy: trashed, never deleted
        organized(scanned, "redo")
        assert moved.exists() and not (local / "Movies/heat/Heat (1995).mkv").exists()
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_show_and_rm_still_find_a_copy_organize_moved(scanned, nas):
    plant_copies(scanned, nas, {"Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})
    organized(scanned, "organize all yes")

    [shown, removing] = run_json("show movie heat", "rm movie heat dry-run")

    assert [f["sync"] for f in shown["files"] if f["folder"] == "Movies"] == ["synced"]
    assert [f["path"] for f in removing["files"]] == [str(scanned / "local/Movies/Heat (1995)/Heat (1995).mkv")]


def test_in_the_shell_the_plan_is_shown_then_asked_and_only_yes_moves(scanned, nas):
    from test_repl import PROMPT, quits_cleanly, run_line, start_shell

    local = scanned / "local"
    plant_copies(scanned, nas, {"Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})
    shell = start_shell(columns=200)
    try:
        run_line(shell, "organize")
        shell.expect_exact("Heat (1995)/Heat (1995).mkv")  # the plan first
        shell.expect_exact("Move 1 file (2.9 MiB)? [y/N]")
        run_line(shell, "n")
        shell.expect_exact("nothing moved")
        shell.expect_exact(PROMPT)
        assert (local / "Movies/heat/Heat (1995).mkv").exists()
        run_line(shell, "organize all")
        shell.expect_exact("[y/N]")
        run_line(shell, "y")
        shell.expect_exact("moved 1 file; `undo` puts it back")
        shell.expect_exact(PROMPT)
        assert (local / "Movies/Heat (1995)/Heat (1995).mkv").exists()
        quits_cleanly(shell)
    finally:
        if shell.isalive():
            shell.terminate(force=True)


def test_a_copy_that_does_not_fit_on_the_other_file_system_changes_nothing(scanned, nas, tmpfs):
    small = tmpfs("1m")  # Heat is 2.9 MiB
    write_config(scanned, nas, f'organize:\n  rules:\n    - kind: movie\n      root: "{small}"\n'
                               '      template: "{title} ({year})/{title} ({year}).{ext}"\n')
    plant_copies(scanned, nas, {"Movies/heat/Heat (1995).mkv": "Movies/Heat (1995)/Heat (1995).mkv"})
    before = tree(scanned / "local")

    result = run_plexsh("-c", "organize all yes", "-c", "history 1")

    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"error: {small}/Heat (1995)/Heat (1995).mkv: No space left on device")
    assert tree(scanned / "local") == before
    assert list(small.rglob("*")) == []  # no partial left, the folders it made removed
