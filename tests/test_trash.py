"""The trash store: files and folders renamed aside with their exact original path, and put back without replacing anything."""

from __future__ import annotations

import os
import time

import pytest

from plexsh.journal import trash

HOSTILE_NAMES = [
    "Two\nLines (2001).mkv",
    "Caf\udce9 (2004).mkv",  # a byte that is not UTF-8
    "x" * 251 + ".mkv",  # 255 bytes, the longest a name may be
    "é" * 125 + ".mkv",  # 254 bytes of two-byte characters
    "-rf \x1b[2J *.mkv",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["newline", "not-utf8", "255-bytes", "long-utf8", "escapes"])
def test_a_hostile_name_goes_to_the_trash_and_comes_back_to_exactly_its_place(tmp_path, name):
    home, library = tmp_path / "home", tmp_path / "library" / "Season 01"
    library.mkdir(parents=True)
    original = library / name
    original.write_bytes(b"episode")
    inode = original.stat().st_ino

    item = trash.send(original, home=home, action_id=7)

    assert not os.path.lexists(original)
    assert item.path.stat().st_ino == inode  # renamed, not copied
    assert len(os.fsencode(item.path.name)) < 255
    listed = trash.entries(home)
    assert [(e.id, e.original, e.size, e.action_id) for e in listed] == [(item.id, original, 7, 7)]
    assert trash.find(home, item.id) == item
    assert trash.put_back(item.id, home=home) == original
    assert original.read_bytes() == b"episode" and original.stat().st_ino == inode
    assert trash.entries(home) == []


def test_putting_back_refuses_when_something_is_at_the_original_place_and_replaces_nothing(tmp_path):
    home, movie = tmp_path / "home", tmp_path / "Heat (1995).mkv"
    movie.write_bytes(b"the trashed one")
    item = trash.send(movie, home=home)
    movie.write_bytes(b"a new one")

    with pytest.raises(FileExistsError):
        trash.put_back(item, home=home)

    assert movie.read_bytes() == b"a new one"
    assert trash.entries(home) == [item]
    movie.unlink()
    movie.mkdir()  # an empty folder is something too (a plain rename would replace it)
    with pytest.raises(FileExistsError):
        trash.put_back(item, home=home)
    assert item.path.read_bytes() == b"the trashed one"


def test_a_folder_goes_to_the_trash_whole_with_its_size_and_comes_back_into_missing_parents(tmp_path):
    home, show = tmp_path / "home", tmp_path / "TV" / "Fargo"
    (show / "Season 01").mkdir(parents=True)
    (show / "Season 01" / "Fargo - S01E01.mkv").write_bytes(b"x" * 1000)
    (show / "Season 01" / "Fargo - S01E02.mkv").write_bytes(b"x" * 500)

    item = trash.send(show / "Season 01", home=home)
    assert item.size == 1500
    show.rmdir()  # its show folder went meanwhile

    assert trash.put_back(item, home=home) == show / "Season 01"
    assert sorted(p.name for p in (show / "Season 01").iterdir()) == ["Fargo - S01E01.mkv", "Fargo - S01E02.mkv"]


def test_putting_back_an_id_the_trash_does_not_hold_says_so(tmp_path):
    with pytest.raises(LookupError, match="nothing in the trash has the id zzzzzz"):
        trash.put_back("zzzzzz", home=tmp_path)


def test_emptying_deletes_only_what_is_older_than_asked_and_counts_it(tmp_path):
    home = tmp_path / "home"
    old, new = tmp_path / "old.mkv", tmp_path / "new.mkv"
    old.write_bytes(b"o" * 300)
    new.write_bytes(b"n" * 200)
    old_item = trash.send(old, home=home)
    info = old_item.path.parent.parent / "info" / f"{old_item.id}.json"
    record = info.read_text().replace(str(old_item.deleted_at), str(time.time() - 40 * 86400))
    info.write_text(record)
    trash.send(new, home=home)

    assert trash.empty(home, older_than=30 * 86400) == (1, 300)
    assert [e.original for e in trash.entries(home)] == [new]
    assert trash.total(home) == (1, 200)
    assert trash.empty(home) == (1, 200)
    assert trash.entries(home) == [] and os.listdir(home / "trash" / "files") == []


def test_a_record_whose_file_never_arrived_is_not_listed_and_goes_when_emptied_once_the_file_is_gone(tmp_path):
    """A crash between writing the record and the rename leaves the file where it was."""
    home, movie = tmp_path / "home", tmp_path / "Alien (1979).mkv"
    movie.write_bytes(b"alien")
    item = trash.send(movie, home=home)
    trash.put_back(item, home=home)
    info = home / "trash" / "info" / f"{item.id}.json"
    info.write_text('{"original": "%s", "name": "%s-Alien (1979).mkv", "deleted_at": 1, "size": 5, '
                    '"action_id": null}' % (movie, item.id))

    assert trash.entries(home) == [] and trash.find(home, item.id) is None
    assert trash.empty(home) == (0, 0)
    assert info.exists() and movie.read_bytes() == b"alien"  # it may be a restore that undo takes back
    movie.unlink()
    assert trash.empty(home) == (0, 0)
    assert not info.exists()


def test_a_file_on_another_file_system_goes_to_a_trash_at_the_top_of_its_mount_that_trash_lists(tmp_path, tmpfs):
    home, mount = tmp_path / "home", tmpfs("1m")
    other = mount / "Movies" / "Heat (1995)" / "Heat (1995).mkv"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"heat")
    here = tmp_path / "Alien (1979).mkv"
    here.write_bytes(b"alien")
    inode = other.stat().st_ino

    far, near = trash.send(other, home=home), trash.send(here, home=home)

    top_trash = mount / f".plexsh-trash-{os.getuid()}"
    assert far.path.parent == top_trash / "files" and far.path.stat().st_ino == inode
    assert top_trash.stat().st_mode & 0o777 == 0o700
    assert near.path.parent == home / "trash" / "files"
    assert sorted(e.original.name for e in trash.entries(home)) == ["Alien (1979).mkv", "Heat (1995).mkv"]
    assert trash.put_back(far.id, home=home) == other and other.stat().st_ino == inode
    assert trash.empty(home) == (1, 5)


def test_a_trash_folder_that_is_a_symlink_or_another_users_is_refused_and_the_file_stays(tmp_path, tmpfs):
    home, mount = tmp_path / "home", tmpfs("1m")
    movie = mount / "Heat (1995).mkv"
    movie.write_bytes(b"heat")
    planted = mount / f".plexsh-trash-{os.getuid()}"
    elsewhere = mount / "elsewhere"
    elsewhere.mkdir()
    planted.symlink_to(elsewhere)

    with pytest.raises(trash.TrashError, match="symlink"):
        trash.send(movie, home=home)
    assert movie.read_bytes() == b"heat"

    planted.unlink()
    planted.mkdir(0o700)
    os.chown(planted, 12345, 12345)
    if os.getuid() == 12345:
        pytest.skip("the test's other user is this user")
    with pytest.raises(trash.TrashError, match="another user"):
        trash.send(movie, home=home)
    assert movie.read_bytes() == b"heat" and os.listdir(elsewhere) == []


def test_asking_the_trash_apart_gives_up_on_a_question_that_never_answers(tmp_path):
    """What status and doctor rely on for a trash on a mount that stopped answering."""
    never_written, keep_open = os.pipe()
    try:
        assert trash._apart(lambda: os.read(never_written, 1), timeout=1.0) is None
    finally:
        os.close(never_written)
        os.close(keep_open)
    assert trash.total_within(tmp_path, timeout=30.0) == (0, 0)
