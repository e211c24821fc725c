"""Which folders plexsh made: the done `mkdir` steps of the journal, so `rm` removes only those once empty."""

from __future__ import annotations

from typing import Iterable

from plexsh.library.pathtext import stored


def made_by_plexsh(db, folders: Iterable[str]) -> dict[str, bool | None]:
    """Per folder: True when a journaled action made it, False when an action found it there already
    (a mkdir step noted `existed`), None when the journal says nothing of it (made before the journal)."""
    conn = getattr(db, "conn", db)
    answers: dict[str, bool | None] = {}
    for folder in folders:
        notes = [row[0] for row in conn.execute(
            "SELECT note FROM action_steps WHERE op = 'mkdir' AND state = 'done' AND path = ?", (stored(folder),))]
        answers[folder] = None if not notes else any(note != "existed" for note in notes)
    return answers
