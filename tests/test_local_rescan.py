"""The record of a local copy outlives re-scans: it names the file by source and path inside it, and its
SHA-256 is kept once, by the file's place and version, so a re-scan that re-creates catalog rows loses neither."""

from __future__ import annotations

import os
import shutil
import time

from conftest import run_json, run_plexsh, write_config

HEAT = "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv"
SEASON_1 = "TV/Breaking Bad/Season 01"


def ok(*commands: str) -> None:
    result = run_plexsh(*[a for c in commands for a in ("-c", c)])
    assert result.returncode == 0, result.stdout + result.stderr


def added(info: dict) -> dict[str, float]:
    """When the catalog made each file's row."""
    return {f["relpath"]: f["added"] for f in info["files"]}


def still_local(home) -> None:
    """What a user checks after a re-scan: Heat and S01E01 still synced, their hashes known, and
    `get ... new-only` leaves out the episode already copied."""
    ls, heat, bad, plan = run_json("ls all", 'info "Heat"', 'show "Breaking Bad" s1',
                                   'get "Breaking Bad" s1 new-only dry-run')
    sync = {i["title"]: i["sync"] for i in ls["items"]}
    assert sync["Heat"] == "synced" and sync["Breaking Bad"] == "partial"
    assert [e["sync"] for s in bad["seasons"] for e in s["episodes"]] == ["synced", "none", "none"]
    copied = [f for f in heat["files"] if f["relpath"] == HEAT.split("/", 1)[1]]
    assert len(copied) == 1 and copied[0]["sha256"]  # the hash the copy computed, read from its one place
    assert [f["destination"].rsplit("/", 1)[-1] for f in plan["files"]] == [
        "Breaking Bad - S01E02 - Cat's in the Bag.mkv", "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]


def test_a_copy_stays_local_after_its_folder_is_re_read(scanned):
    ok('get "Heat"', 'get "Breaking Bad" s1e1')
    nas = scanned.parent / "nas"
    (nas / SEASON_1 / "notes.txt").write_text("the folder changes, so the next scan reads it again")
    later = time.time() + 5
    for folder in (nas / SEASON_1, nas / "Movies2"):
        os.utime(folder, (later, later))
    ok("scan")
    still_local(scanned)


def test_a_copy_stays_local_when_a_re_scan_re_creates_its_catalog_rows(scanned):
    ok('get "Heat"', 'get "Breaking Bad" s1e1')
    (before,) = run_json('info "Breaking Bad"')
    nas = scanned.parent / "nas"
    # The NAS is mounted somewhere else: every source's root moved, so the catalog starts them over.
    shutil.move(nas, scanned.parent / "nas-remounted")
    write_config(scanned, scanned.parent / "nas-remounted")
    ok("scan")
    (after,) = run_json('info "Breaking Bad"')
    assert all(added(after)[rel] > made for rel, made in added(before).items())  # the rows are new ones
    still_local(scanned)


def test_a_copy_stays_local_when_its_folder_vanishes_for_a_scan_and_comes_back(scanned):
    ok('get "Heat"', 'get "Breaking Bad" s1e1')
    season = scanned.parent / "nas" / SEASON_1
    aside = scanned.parent / "aside"
    shutil.move(season, aside)
    ok("scan")
    shutil.move(aside, season)
    ok("scan")
    still_local(scanned)


def test_a_copy_finished_after_its_row_id_went_to_another_file_is_recorded_for_its_own(scanned, tmp_path):
    from plexsh.library.catalog import Catalog
    from plexsh.library.local import local_files

    nas = scanned.parent / "nas"
    with Catalog(scanned / "plexsh.db") as catalog:
        (heat,) = catalog.lookup("Heat")
        heat_720p = next(f for f in catalog.files(heat.id) if f.relpath.startswith("Heat.1995"))
        (matrix,) = catalog.lookup("The Matrix")
        other_id = catalog.files(matrix.id)[0].id  # a re-scan gave Heat's old id to another file
        copy = tmp_path / "Heat.mkv"
        shutil.copyfile(nas / HEAT, copy)
        record = local_files(catalog).record(other_id, str(nas / HEAT), str(copy), heat_720p.size, "ab" * 32)
        assert (record.source, record.relpath, record.file_id, record.sha256) == (
            "Movies2", heat_720p.relpath, heat_720p.id, "ab" * 32)
        assert {f.id: f.sha256 for f in catalog.files(heat.id)}[heat_720p.id] == "ab" * 32
        assert all(f.sha256 is None for f in catalog.files(matrix.id))


def test_an_unfinished_job_marks_partial_only_the_file_it_was_copying(scanned):
    from plexsh.engine.jobs import JobStore
    from plexsh.library.catalog import Catalog

    nas = scanned.parent / "nas"
    with Catalog(scanned / "plexsh.db") as catalog, JobStore(scanned / "plexsh.db") as store:
        (matrix,) = catalog.lookup("The Matrix")
        taken = catalog.files(matrix.id)[0].id  # Heat's job kept the id a re-scan has since given to this file
        job = store.add(str(nas / HEAT), str(scanned / "local/Movies/Heat.mkv"), str(scanned / "local/.h.partial"),
                        1_200_000, file_id=taken)
        store.update(job.id, state="failed")
    (ls,) = run_json("ls all")
    sync = {i["title"]: i["sync"] for i in ls["items"]}
    # ...and still marks its own file, found by the path it copies from.
    assert (sync["The Matrix"], sync["Heat"]) == ("none", "partial")
