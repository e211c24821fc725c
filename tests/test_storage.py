"""`storage` (and `status storage`): where local space goes, read from real copies on disk."""

from __future__ import annotations

import os

from conftest import run_json, run_plexsh


def got(command: str) -> None:
    result = run_plexsh("-c", command)
    assert result.returncode == 0, result.stderr


def disk_bytes(folder) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def test_storage_counts_each_titles_copies_and_each_destinations_room_from_the_disk(scanned, tmp_path):
    got('get "Breaking Bad" s1')
    got('get movie "Heat"')

    [reply] = run_json("storage")

    assert reply["ok"]
    titles = {t["title"]: (t["copies"], t["bytes"]) for t in reply["titles"]}
    local = scanned / "local"
    assert titles == {"Breaking Bad": (3, disk_bytes(local / "TV")), "Heat": (1, disk_bytes(local / "Movies"))}
    assert [t["bytes"] for t in reply["titles"]] == sorted(titles[t][1] for t in titles)[::-1]  # largest first
    rooms = {d["path"]: d for d in reply["destinations"]}
    tv = rooms[str(local / "TV")]
    assert (tv["copies"], tv["bytes"]) == (3, disk_bytes(local / "TV"))
    usage = os.statvfs(local / "TV")
    assert tv["total"] == usage.f_blocks * usage.f_frsize and 0 < tv["free"] <= tv["total"]
    assert reply["trash"] == {"files": 0, "bytes": 0}


def test_storage_counts_a_second_copy_of_the_same_file_as_a_duplicate_and_the_trash_after_rm(scanned, tmp_path):
    films = tmp_path / "films"
    got('get movie "Heat"')
    got(f'get movie "Heat" to "{films}"')
    got('get "Breaking Bad" s1e1')
    got('rm "Breaking Bad"')

    [reply] = run_json("status storage")

    size = os.path.getsize(next(films.rglob("*.mkv")))
    assert reply["would_free"]["duplicates"] == {"files": 1, "bytes": size}
    assert reply["trash"]["files"] == 1
    text = run_plexsh("-c", "storage").stdout
    assert "duplicates: 1 redundant copy" in text and "trash: 1 entry" in text


def test_a_destination_not_made_yet_is_said_plainly(scanned, tmp_path):
    result = run_plexsh("-c", "storage")

    assert result.returncode == 0, result.stderr
    assert "not made yet (the first copy makes it)" in result.stdout
    assert "no local copies yet" in result.stdout
