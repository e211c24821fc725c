"""plexsh's trash: files and folders renamed aside (never copied) with their original path, and put back.

The layout follows the FreeDesktop trash spec: a trash is a folder holding `files/` (the trashed
entries) and `info/` (one record per entry: the original path, when, the journal action, the size).
A file goes to a trash on its own file system, so trashing is one rename: the home's trash
(`<home>/trash`) when the file lies on the home's file system, else `.plexsh-trash-<uid>` at the top
of the file's mount (or, where that top is not ours to write, the highest folder of that mount on
the file's way that is). Such a folder is made 0700 and refused when it is a symlink or not ours.
plexsh remembers every trash it made (`<home>/trash-places.json`) so `trash` lists them all.

The info record is written and fsynced before the rename, so a crash leaves either the file where it
was with a record that points at nothing (ignored; `empty` removes it once the file is gone from its
place too) or the file in the trash with its record. Putting back never replaces anything: the rename
fails where something is.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import secrets
import shutil
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from plexsh.library.pathtext import loaded, stored

HOME_TRASH = "trash"
PLACES = "trash-places.json"
_ID_LETTERS = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: ids are read off a screen and typed
_ID_LENGTH = 6
_NAME_BYTES = 200  # an entry's name in files/: its id, a dash and the original name cut to fit 255 bytes


@dataclass(frozen=True)
class Trashed:
    """One entry of a trash: where it is now, where it was, when it went, its size, the action that sent it."""

    id: str
    path: Path
    original: Path
    deleted_at: float
    size: int
    action_id: int | None


class TrashError(OSError):
    """A trash that cannot be used: a symlink, not ours, or nowhere on the file's file system to make one."""


def send(path: Path, *, home: Path, action_id: int | None = None) -> Trashed:
    """Rename PATH (a file, a symlink or a folder) into the trash on its file system and record it.

    Raises FileNotFoundError when PATH is not there, TrashError when no trash can be used on its
    file system (the file stays where it is; it is never copied).
    """
    path = Path(os.path.abspath(path))
    before = os.lstat(path)
    size = _size(path, before)
    for trash in _trashes_for_folder(path, home, before.st_dev):
        try:
            return _send_into(trash, Path(os.path.abspath(home)), path, size, action_id)
        except OSError as error:
            if error.errno != errno.EXDEV:  # a bind mount looks like the home's file system but is not
                raise
    raise TrashError(errno.EXDEV, "no trash on this file system", str(path))


def put_back(entry: Trashed | str, *, home: Path, to: Path | None = None) -> Path:
    """Rename a trashed entry back to its original place (or TO) and forget its record; returns where.

    Missing parent folders are made. FileExistsError when anything is at that place: nothing is
    ever replaced. LookupError when no entry has that id.
    """
    if isinstance(entry, str):
        found = find(home, entry)
        if found is None:
            raise LookupError(f"nothing in the trash has the id {entry}")
        entry = found
    target = Path(os.path.abspath(to or entry.original))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "something is already there", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    rename_unless_taken(entry.path, target)
    _fsync_folder(target.parent)
    _remove_info(entry)
    return target


def entries(home: Path) -> list[Trashed]:
    """Everything in every trash plexsh made, oldest first."""
    found = [item for trash in places(home) for item in _entries_of(trash)]
    return sorted(found, key=lambda item: (item.deleted_at, item.id))


def find(home: Path, id: str) -> Trashed | None:
    """The entry with that id (as `entries` lists it), or None."""
    for trash in places(home):
        info = trash / "info" / f"{id}.json"
        if os.path.isfile(info):
            item = _read_info(trash, info)
            if item is not None and os.path.lexists(item.path):
                return item
    return None


def empty(home: Path, older_than: float | None = None) -> tuple[int, int]:
    """Delete for good the entries trashed more than OLDER_THAN seconds ago (all when None).

    Returns (entries, bytes) deleted. The entry goes before its record (as the spec asks), so a crash
    between the two leaves a record that points at nothing, which is ignored and removed next time.
    """
    cutoff = None if older_than is None else time.time() - older_than
    count = freed = 0
    for trash in places(home):
        for item in _entries_of(trash):
            if cutoff is not None and item.deleted_at > cutoff:
                continue
            _delete(item.path)
            _remove_info(item)
            count += 1
            freed += item.size
        _remove_orphan_infos(trash)
    return count, freed


def total(home: Path) -> tuple[int, int]:
    """(entries, bytes) in all of plexsh's trashes, for `status` and `doctor`."""
    items = entries(home)
    return len(items), sum(item.size for item in items)


def total_within(home: Path, timeout: float) -> tuple[int, int] | None:
    """total(), asked in a forked child: None when it does not answer within TIMEOUT seconds (a trash
    on a mount that stopped answering), so `status` and `doctor` never hang on one; OSError when it fails."""
    return _apart(lambda: total(home), timeout)


def entries_within(home: Path, timeout: float) -> list[Trashed] | None:
    """entries(), asked in a forked child: None when it does not answer within TIMEOUT seconds."""
    return _apart(lambda: entries(home), timeout)


def _apart(question, timeout: float):
    from plexsh.library.sources import ForkedChild

    child = ForkedChild(lambda send: send(("answer", question())))
    messages = child.wait(timeout)
    for message in messages or ():
        if isinstance(message, tuple) and message[:1] == ("answer",):
            return message[1]
        if isinstance(message, tuple) and message[:1] == ("crashed",):
            raise OSError(message[1])
    child.kill()
    return None


def places(home: Path) -> list[Path]:
    """Every trash folder plexsh made that is still there: the home's first."""
    known = [Path(home) / HOME_TRASH] + [Path(loaded(text)) for text in _read_places(home)]
    seen: list[Path] = []
    for trash in known:
        if trash not in seen and os.path.isdir(trash / "info") and not os.path.islink(trash):
            seen.append(trash)
    return seen


def rename_unless_taken(source: Path, target: Path) -> None:
    """Rename SOURCE to TARGET, FileExistsError when anything is at TARGET (atomic with renameat2's
    RENAME_NOREPLACE; where that is missing, a hard link for a file, a check just before for a folder)."""
    if _renameat2 is not None:
        done = _renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE)
        if done == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):  # EINVAL: the file system has no RENAME_NOREPLACE
            raise OSError(code, os.strerror(code), str(target))
    if not os.path.isdir(source) or os.path.islink(source):
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            raise
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
                raise
        else:
            os.unlink(source)
            return
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "File exists", str(target))
    os.rename(source, target)


def _load_renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_renameat2 = _load_renameat2()


def _send_into(trash: Path, home: Path, path: Path, size: int, action_id: int | None) -> Trashed:
    files, info_dir = _ready(trash, home)
    now = time.time()
    id, info = _claim_id(info_dir, [place / "info" for place in places(home) if place != trash])
    name = _entry_name(id, path.name)
    record = {"original": stored(str(path)), "name": stored(name), "deleted_at": now, "size": size,
              "action_id": action_id}
    try:
        _write_synced(info, json.dumps(record).encode("utf-8"))
        _fsync_folder(info_dir)
        os.rename(path, files / name)  # files/NAME is new: its id was claimed in info/
    except BaseException:
        _unlink_quietly(info)
        raise
    _fsync_folder(files)
    _fsync_folder(path.parent)
    return Trashed(id, files / name, path, now, size, action_id)


def _trashes_for(path: Path, home: Path, device: int) -> list[Path]:
    """The trashes to try for a file on DEVICE: the home's when it shares the file system, else one at
    the top of the file's mount."""
    home = Path(os.path.abspath(home))
    home.mkdir(parents=True, exist_ok=True)
    chosen: list[Path] = []
    if os.stat(home).st_dev == device:
        chosen.append(home / HOME_TRASH)
    top = _mount_top(path.parent, device)
    name = f".plexsh-trash-{os.getuid()}"
    # The top of the mount first; where it is not ours to write, the highest folder on the way that is.
    for folder in [top, *_between(top, path.parent)]:
        trash = folder / name
        if os.path.lexists(trash) or os.access(folder, os.W_OK | os.X_OK):
            chosen.append(trash)
            break
    return chosen


def _mount_top(folder: Path, device: int) -> Path:
    """The highest folder above FOLDER (itself included) still on DEVICE."""
    folder = Path(os.path.abspath(folder))
    while folder.parent != folder and os.stat(folder.parent).st_dev == device and not os.path.ismount(folder):
        folder = folder.parent
    return folder


def _between(top: Path, folder: Path) -> list[Path]:
    """The folders from just under TOP down to FOLDER."""
    parts = folder.relative_to(top).parts
    return [top.joinpath(*parts[:i]) for i in range(1, len(parts) + 1)]


def _ready(trash: Path, home: Path) -> tuple[Path, Path]:
    """TRASH's files/ and info/, made (0700) and remembered when new; TrashError when it cannot be trusted."""
    if trash != home / HOME_TRASH:  # one another home made (a mount's trash is shared) holds this home's entries too
        _remember(home, trash)
    if not os.path.lexists(trash):
        try:
            os.mkdir(trash, 0o700)
        except FileExistsError:
            pass
    _check_ours(trash)
    for part in ("files", "info"):
        try:
            os.mkdir(trash / part, 0o700)
        except FileExistsError:
            pass
        _check_ours(trash / part)
    return trash / "files", trash / "info"


def _check_ours(folder: Path) -> None:
    facts = os.lstat(folder)
    if stat.S_ISLNK(facts.st_mode):
        raise TrashError(errno.EPERM, "the trash folder is a symlink; plexsh will not use it", str(folder))
    if not stat.S_ISDIR(facts.st_mode):
        raise TrashError(errno.ENOTDIR, "the trash folder is not a folder", str(folder))
    if facts.st_uid != os.getuid():
        raise TrashError(errno.EPERM, "the trash folder belongs to another user; plexsh will not use it",
                         str(folder))


def _remember(home: Path, trash: Path) -> None:
    """Add TRASH to the home's list of trash folders (before it is made, so a crash cannot lose it)."""
    known = _read_places(home)
    text = stored(str(trash))
    if text in known:
        return
    listing = Path(home) / PLACES
    partial = listing.with_name(listing.name + ".new")
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(known + [text], out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, listing)
    _fsync_folder(listing.parent)


def _claim_id(info_dir: Path, other_infos: list[Path]) -> tuple[str, Path]:
    """A fresh id (in no other trash either), claimed by creating its info file exclusively."""
    while True:
        id = "".join(secrets.choice(_ID_LETTERS) for _ in range(_ID_LENGTH))
        info = info_dir / f"{id}.json"
        if any(os.path.lexists(other / info.name) for other in other_infos):
            continue
        try:
            os.close(os.open(info, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return id, info


def _entry_name(id: str, original: str) -> str:
    """`ID-NAME`, NAME's stem cut (at a byte) so the whole stays far below 255 bytes; its extension kept.

    >>> _entry_name("abc234", "Pilot.mkv")
    'abc234-Pilot.mkv'
    >>> name = _entry_name("abc234", "é" * 200 + ".mkv"); len(os.fsencode(name)), name[-5:]
    (207, 'é.mkv')
    """
    raw = os.fsencode(original)
    if len(raw) <= _NAME_BYTES:
        return f"{id}-{original}"
    stem, dot, extension = raw.rpartition(b".")
    tail = dot + extension if dot and len(extension) <= 16 else b""
    return f"{id}-{os.fsdecode(raw[: _NAME_BYTES - len(tail)] + tail)}"


def _entries_of(trash: Path) -> list[Trashed]:
    try:
        names = os.listdir(trash / "info")
    except OSError:
        return []
    found = []
    for name in names:
        if name.endswith(".json"):
            item = _read_info(trash, trash / "info" / name)
            if item is not None and os.path.lexists(item.path):
                found.append(item)
    return found


def _read_info(trash: Path, info: Path) -> Trashed | None:
    try:
        record = json.loads(Path(info).read_bytes())
        return Trashed(id=info.name[: -len(".json")], path=trash / "files" / loaded(record["name"]),
                       original=Path(loaded(record["original"])), deleted_at=float(record["deleted_at"]),
                       size=int(record["size"]), action_id=record.get("action_id"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a record claimed but not written yet, or damaged: nothing it could point at


def _remove_info(item: Trashed) -> None:
    info = item.path.parent.parent / "info" / f"{item.id}.json"
    _unlink_quietly(info)
    _fsync_folder(info.parent)


def _remove_orphan_infos(trash: Path) -> None:
    """Records whose entry is gone and whose original place is empty: a crash between writing the
    record and the rename left the file where it was, and it has gone since. A record whose file is
    back at its place stays: `trash restore` renames entries out as a journaled move, and its undo
    renames them back here, where the record makes them entries again."""
    try:
        names = os.listdir(trash / "info")
    except OSError:
        return
    for name in names:
        info = trash / "info" / name
        item = _read_info(trash, info)
        if item is None:
            try:
                if time.time() - os.lstat(info).st_mtime > 60:  # not one being written right now
                    _unlink_quietly(info)
            except FileNotFoundError:
                pass
        elif not os.path.lexists(item.path) and not os.path.lexists(item.original):
            _unlink_quietly(info)


def _size(path: Path, facts: os.stat_result) -> int:
    if not stat.S_ISDIR(facts.st_mode):
        return facts.st_size if stat.S_ISREG(facts.st_mode) else 0
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                inner = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if stat.S_ISREG(inner.st_mode):
                total += inner.st_size
    return total


def _delete(path: Path) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        _unlink_quietly(path)


class _Batch(threading.local):
    """The paths a `synced_once` block on this thread flushes at its end (None: flush each at once), and
    the trashes it found per folder (a season's files share one: its mount top is looked up once)."""

    pending: set[Path] | None = None
    trashes: dict | None = None


def _trashes_for_folder(path: Path, home: Path, device: int) -> list[Path]:
    if _batch.trashes is None:
        return _trashes_for(path, home, device)
    key = (path.parent, Path(home), device)
    if key not in _batch.trashes:
        _batch.trashes[key] = _trashes_for(path, home, device)
    return _batch.trashes[key]


_batch = _Batch()


@contextlib.contextmanager
def synced_once():
    """Sends and put-backs inside the block are flushed once, at its end (one syncfs per file system),
    instead of three or four fsyncs per entry: an undo of a 1,000-file get would spend seconds in them.
    A killed plexsh loses nothing by it (the kernel holds the writes); only a power cut inside the
    block can lose records, and the journal settles what it finds. Used by the journal's undo and redo."""
    if _batch.pending is not None:  # nested: the outer block flushes
        yield
        return
    _batch.pending, _batch.trashes = set(), {}
    try:
        yield
    finally:
        pending, _batch.pending, _batch.trashes = _batch.pending, None, None
        _flush(pending)


def _flush(paths: set[Path]) -> None:
    """Make PATHS durable: syncfs once per file system where libc has it, else an fsync each."""
    done: set[int] = set()
    for path in sorted(paths):
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            device = os.fstat(descriptor).st_dev
            if device in done:
                continue
            if _syncfs is not None and _syncfs(descriptor) == 0:
                done.add(device)
            else:
                os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _load_syncfs():
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_syncfs = _load_syncfs()


def _write_synced(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(descriptor, data)
        if _batch.pending is not None:
            _batch.pending.add(path)
        else:
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    if _batch.pending is not None:
        _batch.pending.add(Path(folder))
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _read_places(home: Path) -> list[str]:
    try:
        data = json.loads((Path(home) / PLACES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [text for text in data if isinstance(text, str)] if isinstance(data, list) else []
