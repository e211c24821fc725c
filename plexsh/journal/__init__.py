"""The action journal: every change plexsh makes to local files, written before it is made, undoable and redoable.

How a verb uses it (rm now; organize, dupes and resync later)::

    from plexsh import journal

    steps = [journal.trash_step(path) for path in files]          # what will happen, in order
    steps += [journal.rmdir_step(folder) for folder in emptied]    # folders plexsh made, once empty
    action = journal.record(db, "rm", session.command_text, steps) # written (committed) before any file moves
    action = journal.perform(db, action)                           # each step: doing -> file op -> done

`db` is this thread's SQLite connection to the catalog file (`session.catalog.db`): connections never
cross threads. `perform` raises StepProblem (a PlexError, one line) after putting back what it had done.
`undo(db, action, force)` and `redo(db, action)` check every step before touching anything and raise
UndoRefused listing each file that stops them; `force` lets undo take files changed since (to the trash,
never deleted). `recover(db)` (plexsh.journal.recover) finishes or rolls back what a killed plexsh left.

A get's copies are `place` steps the transfer supervisor performs when it renames a verified copy into
place (`plexsh.journal.placing`); a file that a get replaces goes to the trash first, as a `trash` step.
"""

from __future__ import annotations

import os
from pathlib import Path

from plexsh.journal.actions import (Action, Step, action, actions, mark_action, mark_step, record,
                                    steps_of)
from plexsh.journal.steps import (StepProblem, UndoRefused, changed, perform, perform_batched, redo, roll_back,
                                  undo)

__all__ = ["Action", "Step", "StepProblem", "UndoRefused", "action", "actions", "changed", "copy_step", "enabled",
           "folders_to_make", "link_step", "mark_action", "mark_step", "mkdir_step", "move_step", "perform",
           "perform_batched", "place_step", "record", "redo", "rmdir_step", "roll_back", "steps_of", "trash_step",
           "undo"]


def enabled() -> bool:
    """Whether changes are journaled: always, except in the benchmark that measures what it costs
    (PLEXSH_BENCH_NO_JOURNAL=1)."""
    return os.environ.get("PLEXSH_BENCH_NO_JOURNAL") != "1"


def _file_facts(path: str | Path) -> dict:
    st = os.stat(path, follow_symlinks=False)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def trash_step(path: str | Path, sha256: str | None = None) -> Step:
    """`path` will go to plexsh's trash (its size and mtime now, so undo knows the file it restores)."""
    return Step("trash", str(path), sha256=sha256, **_file_facts(path))


def place_step(partial: str | Path, final: str | Path, size: int, sha256: str | None = None,
               origin: str | None = None) -> Step:
    """A verified copy of `origin` (size bytes) will be renamed from its partial to `final` by the supervisor."""
    return Step("place", str(partial), str(final), size=size, sha256=sha256, origin=origin)


def move_step(path: str | Path, to: str | Path) -> Step:
    """`path` will be renamed to `to` (never replacing anything there)."""
    return Step("move", str(path), str(to), **_file_facts(path))


def copy_step(path: str | Path, to: str | Path, origin: str | None = None) -> Step:
    """`path` will be copied to `to` on another file system and verified (its removal is a trash step of its
    own); with ORIGIN (the source file a local copy came from) the local copies' record follows it."""
    return Step("copy", str(path), str(to), origin=origin, **_file_facts(path))


def link_step(path: str | Path, kept: str | Path, sha256: str | None = None) -> Step:
    """`path`, a duplicate of `kept`, will be replaced by a link to it (the duplicate kept in the trash)."""
    return Step("link", str(path), str(kept), sha256=sha256, **_file_facts(path))


def mkdir_step(path: str | Path) -> Step:
    """A folder plexsh will create (undo removes it again when it is empty)."""
    return Step("mkdir", str(path))


def rmdir_step(path: str | Path) -> Step:
    """An empty folder plexsh will remove (undo creates it again); one not empty by then is kept."""
    return Step("rmdir", str(path))


def folders_to_make(files) -> list[Path]:
    """The folders that do not exist yet above FILES (paths), parents first: mkdir steps for a get.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> [str(p.relative_to(root)) for p in folders_to_make([root / "TV/Show/Season 01/a.mkv",
    ...                                                     root / "TV/Show/Season 02/b.mkv"])]
    ['TV', 'TV/Show', 'TV/Show/Season 01', 'TV/Show/Season 02']
    """
    missing: dict[Path, None] = {}
    for file in files:
        chain = []
        folder = Path(file).parent
        while folder != folder.parent and folder not in missing and not folder.exists():
            chain.append(folder)
            folder = folder.parent
        for found in reversed(chain):
            missing[found] = None
    return sorted(missing, key=lambda p: (len(p.parts), str(p)))
