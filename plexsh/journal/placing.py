"""A get's copy renamed into place through the journal: the file it replaces to the trash first, each step marked around its file operation."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from plexsh.journal.actions import Step, crash_point, mark_step
from plexsh.library.pathtext import stored

__all__ = ["Placing", "trash_replaced"]

_STEP_QUERY = ("SELECT id, action_id, seq, op, path, target, size, mtime_ns, sha256, state, trash_id, origin, note "
               "FROM action_steps WHERE target = ? AND op = 'place' AND state IN ('planned', 'doing') "
               "ORDER BY id DESC LIMIT 1")


def trash_replaced(final: Path, home: Path | None = None) -> None:
    """A file a copy replaces, when no journal step names it (a job queued before the journal): it goes
    to the trash all the same, never destroyed."""
    from plexsh.home import home_dir
    from plexsh.journal.trash import send

    send(final, home=home or home_dir())


class Placing:
    """The journal's steps for one copy: the `place` step of its final path and the `trash` step of the
    file it replaces, if any. Made on the thread owning `db`; the rename runs on another thread, which
    marks the steps through `call` (trio.from_thread.run_sync: the marks run on db's own thread)."""

    def __init__(self, db, place: Step, replaced: Step | None, sha256: str | None, call: Callable):
        from plexsh.journal.steps import home_of

        self.db, self.place, self.replaced, self.sha256, self.call = db, place, replaced, sha256, call
        self.home = home_of(db)  # read here: db is not for the renaming thread

    @classmethod
    def find(cls, db, final: Path, sha256: str | None, call: Callable) -> Placing | None:
        """The steps waiting for the copy at FINAL (None: no action journaled it)."""
        from plexsh.journal.actions import _step

        conn = db.conn
        row = conn.execute(_STEP_QUERY, (stored(str(final)),)).fetchone()
        if row is None:
            return None
        place = _step(row)
        before = conn.execute(
            "SELECT id, action_id, seq, op, path, target, size, mtime_ns, sha256, state, trash_id, origin, note "
            "FROM action_steps WHERE action_id = ? AND seq = ? AND op = 'trash'",
            (place.action_id, place.seq - 1)).fetchone()
        return cls(db, place, _step(before) if before else None, sha256, call)

    def trash_old(self, final: Path) -> None:
        """Send the file at FINAL to the trash as the trash step (called on the renaming thread)."""
        from plexsh.journal.steps import fingerprint
        from plexsh.journal.trash import send

        step = self.replaced
        if step is None or step.state != "planned":
            trash_replaced(final, self.home)
            return
        # What is there now is what goes: its size and mtime as it leaves, for an undo to compare.
        self.replaced = self.call(lambda: mark_step(self.db, step, "doing", **fingerprint(final)))
        crash_point("before")
        entry = send(final, home=self.home, action_id=step.action_id)
        crash_point("after")
        self.replaced = self.call(lambda: mark_step(self.db, self.replaced, "done", trash_id=entry.id,
                                                    to=str(entry.path)))

    def nothing_to_trash(self) -> None:
        """The file the copy was to replace is gone already: its trash step is done, with nothing to undo."""
        step = self.replaced
        if step is not None and step.state == "planned":
            self.replaced = self.call(lambda: mark_step(self.db, step, "done", note="gone"))

    def starting(self) -> None:
        """Before the rename: the place step is doing (with the SHA-256 the copy was verified against)."""
        values = {"sha256": self.sha256} if self.sha256 else {}
        self.place = self.call(lambda: mark_step(self.db, self.place, "doing", **values))
        crash_point("before")

    def placed(self, final: Path) -> None:
        """After the rename and the folder's fsync: the place step is done; the action too when it was the last."""
        from plexsh.journal.steps import fingerprint

        crash_point("after")
        facts = fingerprint(final)
        self.call(lambda: self._done(facts))

    def _done(self, facts: dict) -> None:
        action_id = self.place.action_id

        def last_one() -> None:  # the action is done with its last step, in the same transaction
            self.db.conn.execute(
                "UPDATE actions SET state = 'done' WHERE id = ? AND state = 'pending' AND NOT EXISTS "
                "(SELECT 1 FROM action_steps WHERE action_id = ? AND state IN ('planned', 'doing'))",
                (action_id, action_id))

        mark_step(self.db, self.place, "done", also=last_one, **facts)
