"""Saved filter presets: named `ls` filters kept as typed, in the `presets` table of the catalog's SQLite file."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlite_utils import Database

from plexsh.errors import PlexError
from plexsh.lang.errors import _or_list

__all__ = ["MIGRATIONS", "Preset", "PresetStore", "presets"]

# How many close names an unknown preset's error offers, and how close they must be (rapidfuzz, 0-100).
CLOSE_NAMES = 3
CLOSE_SCORE = 60


def create_presets(db: Database) -> None:
    # NOCASE: `@Big` and `@big` are one preset, shown as it was last saved.
    db.execute("CREATE TABLE presets (name TEXT PRIMARY KEY COLLATE NOCASE, filter TEXT NOT NULL, "
               "saved_at REAL NOT NULL)")


MIGRATIONS = [create_presets]


@dataclass(frozen=True)
class Preset:
    """A name and the filter words it stands for, as they were typed (`size>4G quality>=1080p`)."""

    name: str
    filter: str

    def as_dict(self) -> dict:
        return {"name": self.name, "filter": self.filter}


class PresetStore:
    """The `presets` table over one connection (each thread has its own catalog, so its own store)."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, name: str, filter_text: str) -> Preset | None:
        """Keep `name` for `filter_text`, replacing a preset of that name (any case); the one replaced, or None."""
        with self.db.atomic():
            old = self.get(name)
            self.db.execute("INSERT INTO presets (name, filter, saved_at) VALUES (?, ?, ?) ON CONFLICT(name) "
                            "DO UPDATE SET name = excluded.name, filter = excluded.filter, saved_at = excluded.saved_at",
                            [name, filter_text, time.time()])
        return old

    def get(self, name: str) -> Preset | None:
        row = self.db.execute("SELECT name, filter FROM presets WHERE name = ?", [name]).fetchone()
        return Preset(*row) if row else None

    def require(self, name: str) -> Preset:
        """The preset `name`; an unknown one is a PlexError naming the saved names that look like it."""
        found = self.get(name)
        if found is not None:
            return found
        if not self.names():
            raise PlexError(f"no preset @{name}: none is saved yet",
                            f"save one with `preset save {name} FILTER...` (e.g. `preset save {name} size>4G`)")
        close = self.close_names(name)
        guess = f" (did you mean {_or_list(['@' + n for n in close])}?)" if close else ""
        raise PlexError(f"no preset @{name}{guess}", "`preset list` shows the saved presets")

    def remove(self, name: str) -> Preset | None:
        """Forget `name`; the preset removed, or None when there was none."""
        with self.db.atomic():
            old = self.get(name)
            if old is not None:
                self.db.execute("DELETE FROM presets WHERE name = ?", [name])
        return old

    def all(self) -> list[Preset]:
        """Every preset, by name."""
        return [Preset(*row) for row in self.db.execute("SELECT name, filter FROM presets ORDER BY name")]

    def names(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM presets ORDER BY name")]

    def close_names(self, name: str) -> list[str]:
        """The saved names that look like `name` (a typo), best first."""
        from rapidfuzz import fuzz, process

        found = process.extract(name.lower(), {n: n.lower() for n in self.names()}, scorer=fuzz.ratio,
                                limit=CLOSE_NAMES, score_cutoff=CLOSE_SCORE)
        return [key for _, _, key in found]


def presets(catalog) -> PresetStore:
    """The presets kept in a catalog's file, over that catalog's connection."""
    return PresetStore(catalog.db)
