"""Exact duplicates: the groups plexsh finds are jdupes' on the same tree, stored hashes spare a second reading."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from plexsh import interrupt
from plexsh.db import open_database
from plexsh.dupes import hashcache
from plexsh.dupes.exact import BLOCK, exact_sets, same_bytes, walk
from plexsh.library.sources import reap_abandoned


HOSTILE = [b"new\nline.mkv", b"bad\xff\xfebytes.mkv", b"esc\x1b[31mred.mkv", b"[bold]markup[/bold].mkv",
           b"tab\there.mkv", b".hidden.mkv", b"-dash.mkv", b"sp ace .mkv"]


def write(path: bytes, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def planted_tree(root: Path, seed: int = 13) -> None:
    """Duplicates in twos and threes across folders, hard links (alone and beside a copy), empty files,
    same-size files that differ only at the tail or only in the middle, hostile names, symlinks to a
    file, to a folder outside the tree and to a duplicate."""
    rng = random.Random(seed)
    base = os.fsencode(root)
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "elsewhere.mkv").write_bytes(b"x" * 5000)
    folders = [b"Movies/Heat (1995)", b"TV/Show/Season 01", b"Downloads", b"a/b/c/d", b"weird\n\xffdir"]
    originals = []
    for i in range(60):
        size = rng.choice([1, 100, BLOCK, BLOCK * 2, BLOCK * 2 + 1, 50_000, 300_000])
        data = rng.randbytes(size)
        name = os.path.join(base, rng.choice(folders), b"f%d" % i + rng.choice(HOSTILE))
        write(name, data)
        originals.append((name, data))
    for name, data in originals[:20]:  # duplicates: one or two more copies each, in other folders
        for copy in range(rng.choice([1, 2])):
            write(os.path.join(base, rng.choice(folders), os.path.basename(name) + b".copy%d" % copy), data)
    for name, data in originals[20:26]:  # hard links: a file with a second name only (no duplicate)
        os.link(name, name + b".hardlink")
    for name, data in originals[:3]:  # hard links of a file that has a copy too
        os.link(name, name + b".alias")
    for i in range(4):  # empty files: jdupes leaves them out without -z
        write(os.path.join(base, folders[i % len(folders)], b"empty%d" % i), b"")
    head = rng.randbytes(BLOCK * 3)  # same size, same head, different tail
    write(os.path.join(base, b"Downloads/tail-a"), head + b"A")
    write(os.path.join(base, b"Downloads/tail-b"), head + b"B")
    write(os.path.join(base, b"Downloads/tail-b2"), head + b"B")  # ...and one real pair among them
    middle = bytearray(rng.randbytes(BLOCK * 4))  # same ends, a different middle: only SHA-256 tells
    write(os.path.join(base, b"a/mid-1"), bytes(middle))
    middle[BLOCK * 2] ^= 1
    write(os.path.join(base, b"a/mid-2"), bytes(middle))
    os.symlink(originals[0][0], os.path.join(base, b"Downloads/link-to-dup"))
    os.symlink(os.fsencode(outside), os.path.join(base, b"Downloads/link-out"))


def jdupes_groups(root: Path) -> set[frozenset]:
    """jdupes -r's groups (its default rules), as sets of inodes: NUL-separated names, groups apart by an empty one."""
    assert shutil.which("jdupes"), "the oracle jdupes is missing: scripts/setup --test installs it"
    out = subprocess.run(["jdupes", "-r", "-q", "-0", os.fsencode(root)], capture_output=True, check=True).stdout
    groups = set()
    for block in out.split(b"\0\0"):
        names = [n for n in block.split(b"\0") if n]
        if names:
            groups.add(frozenset((os.lstat(n).st_dev, os.lstat(n).st_ino) for n in names))
    return groups


def plexsh_groups(root: Path, **options) -> set[frozenset]:
    entries, _ = walk(str(root))
    return {frozenset(m.inode for m in s.members) for s in exact_sets(entries, **options).sets}


def test_the_exact_groups_are_those_jdupes_finds_on_the_same_tree(tmp_path):
    root = tmp_path / "tree"
    planted_tree(root)
    expected = jdupes_groups(root)
    assert len(expected) >= 20  # the planted duplicates, the tail pair among them
    assert plexsh_groups(root) == expected
    assert plexsh_groups(root, workers=1) == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_random_trees_agree_with_jdupes_too(tmp_path, seed):
    root = tmp_path / "tree"
    planted_tree(root, seed)
    assert plexsh_groups(root) == jdupes_groups(root)


def test_hard_links_are_one_file_and_every_name_of_a_member_is_listed_with_it(tmp_path):
    (tmp_path / "a").write_bytes(b"same bytes")
    os.link(tmp_path / "a", tmp_path / "a2")
    (tmp_path / "b").write_bytes(b"same bytes")
    os.link(tmp_path / "b", tmp_path / "b2")
    (tmp_path / "lonely").write_bytes(b"other bytes")
    os.link(tmp_path / "lonely", tmp_path / "lonely2")
    entries, _ = walk(str(tmp_path))
    (found,) = exact_sets(entries).sets
    assert [Path(m.path).name for m in found.members] == ["a", "b"]
    assert {Path(k).name: [Path(n).name for n in v] for k, v in found.names.items()} == {"a": ["a", "a2"],
                                                                                     "b": ["b", "b2"]}


def test_symlinks_are_never_followed_out_of_the_tree(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir(), outside.mkdir()
    (outside / "x").write_bytes(b"1" * 100)
    (outside / "y").write_bytes(b"1" * 100)
    (root / "out").symlink_to(outside)
    (root / "x").symlink_to(outside / "x")
    entries, _ = walk(str(root))
    assert entries == []


def test_a_second_search_reuses_the_stored_hashes_and_reads_nothing_unchanged(tmp_path):
    root = tmp_path / "tree"
    planted_tree(root)
    _, db = open_database(tmp_path / "plexsh.db")
    options = {"known": lambda files: hashcache.known(db, files), "store": lambda pairs: hashcache.remember(db, pairs)}
    entries, _ = walk(str(root))
    first = exact_sets(entries, **options)
    assert first.hashed_bytes > 0 and first.reused == 0
    again = exact_sets(entries, **options)
    assert again.hashed_bytes == 0 and again.reused > 0
    assert [s.members for s in again.sets] == [s.members for s in first.sets]
    changed = first.sets[0].members[1]
    with open(changed.path, "r+b") as f:  # the same size, other bytes, a new mtime: hashed again
        f.write(b"\0" if f.read(1) != b"\0" else b"\1")
    entries, _ = walk(str(root))
    third = exact_sets(entries, **options)
    assert third.hashed_bytes > 0
    assert changed.inode not in {m.inode for s in third.sets for m in s.members if s.sha256 == first.sets[0].sha256}


def test_a_cancelled_search_stops_and_leaves_no_child_behind(tmp_path):
    root = tmp_path / "tree"
    planted_tree(root)
    entries, _ = walk(str(root))
    with interrupt.cancellable(interrupt.Cancellation()) as cancellation:
        cancellation.cancel()
        with pytest.raises(interrupt.CommandCancelled):
            exact_sets(entries)
    deadline = time.monotonic() + 60  # a killed child is reaped when it has died: on a busy machine, later
    while reap_abandoned() and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_the_byte_compare_tells_a_difference_anywhere(tmp_path):
    data = bytearray(os.urandom(3_000_000))
    (tmp_path / "a").write_bytes(data)
    (tmp_path / "b").write_bytes(data)
    assert same_bytes(str(tmp_path / "a"), str(tmp_path / "b"))
    data[2_500_000] ^= 1
    (tmp_path / "b").write_bytes(data)
    assert not same_bytes(str(tmp_path / "a"), str(tmp_path / "b"))


def test_hashing_cancelled_midway_from_another_thread_stops_and_leaves_no_child(tmp_path):
    import threading

    for name in ("a", "b", "c"):  # the same size and ends (zeros): each must be hashed whole, 3 GiB
        with open(tmp_path / name, "wb") as out:
            out.truncate(1 << 30)
    entries, _ = walk(str(tmp_path))
    hashing = threading.Event()
    cancellation = interrupt.Cancellation()
    threading.Thread(target=lambda: (hashing.wait(), cancellation.cancel()), daemon=True).start()
    try:
        with interrupt.cancellable(cancellation), pytest.raises(interrupt.CommandCancelled):
            exact_sets(entries, progress=lambda text: hashing.set())
    finally:
        cancellation.close()
    deadline = time.monotonic() + 60
    while reap_abandoned() and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_every_stored_hash_is_the_files_own_sha256_whether_hashed_or_found_equal_to_another(tmp_path):
    import hashlib

    rng = random.Random(7)
    root = tmp_path / "tree"
    root.mkdir()
    big = bytearray(rng.randbytes(2_500_000))  # over a read's size: differences past the first read
    variants = {"lead-odd": 5000, "b1": 1_600_000, "b2": 1_600_000, "b3": 1_600_000, "c1": 2_400_000,
                "c2": 2_400_000, "d": 1_048_576}  # same size and ends, each letter another middle
    for name, flipped in variants.items():
        data = bytearray(big)
        data[flipped] ^= 0xFF
        (root / name).write_bytes(bytes(data))
    for i in range(12):  # small files of one size: a few the same, most not
        (root / f"small{i}").write_bytes(b"%04d" % (i % 4 if i < 6 else i) + b"z" * 996)
    for i in range(5):  # same ends, all different inside: each hashed alone
        data = bytearray(big[:300_000])
        data[150_000] = i
        (root / f"alone{i}").write_bytes(bytes(data))
    _, db = open_database(tmp_path / "plexsh.db")
    entries, _ = walk(str(root))
    found = exact_sets(entries, store=lambda hashed: hashcache.remember(db, hashed), workers=2)
    assert {frozenset(m.inode for m in s.members) for s in found.sets} == jdupes_groups(root)
    stored = dict(db.execute("SELECT path, sha256 FROM path_hashes WHERE sha256 IS NOT NULL").fetchall())
    assert len(stored) == 7 + 12 + 5
    for path, sha in stored.items():
        assert sha == hashlib.sha256(Path(path).read_bytes()).hexdigest(), path


def test_stored_hashes_are_found_among_thousands_stored_for_other_folders_between_them(tmp_path):
    _, db = open_database(tmp_path / "plexsh.db")
    (tmp_path / "a").mkdir(), (tmp_path / "z").mkdir()
    (tmp_path / "a" / "one").write_bytes(b"same")
    (tmp_path / "z" / "two").write_bytes(b"same")
    entries = walk(str(tmp_path / "a"))[0] + walk(str(tmp_path / "z"))[0]
    hashcache.remember(db, [(e, "ab" * 32, None) for e in entries])
    others = [e._replace(path=str(tmp_path / "m" / f"f{i}")) for i in range(3000) for e in entries[:1]]
    hashcache.remember(db, [(e, "cd" * 32, None) for e in others])  # between the two in path order
    assert hashcache.known(db, entries) == {e.path: ("ab" * 32, None) for e in entries}
