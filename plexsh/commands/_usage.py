"""What the usage verbs and show/info share: the analytics settings in force and a look recorded with its usage line."""

from __future__ import annotations

import logging
import sqlite3
import time

from plexsh.config import Analytics
from plexsh.errors import PlexError
from plexsh.session import busy
from plexsh.usage.records import LOOK, record
from plexsh.usage.reports import title_usage, usage_line


log = logging.getLogger("plexsh")


def analytics(session, lenient: bool = False) -> Analytics:
    """The config's analytics section: a broken config is the usage verbs' error; with `lenient` (show
    and info, which must work without a config) the defaults instead."""
    if not lenient:
        return session.config.analytics
    try:
        return session.config.analytics
    except PlexError:
        return Analytics()


def look(session, item, files, selection: str = "") -> tuple[str, dict | None]:
    """Record that the user looked at `item` (on the first of the files shown) and return its usage
    line and summary, this look included."""
    settings = analytics(session, lenient=True)
    # Showing matters more than counting: another plexsh holding the file past the busy timeout costs
    # this look (and the usage line), never the command.
    try:
        if files:
            record(session.catalog, files[0].path, LOOK, {"title": item.title, "year": item.year, "kind": item.kind,
                                                           **({"selection": selection} if selection else {})},
                   file_id=files[0].id, analytics=settings)
        now = time.time()
        usage = title_usage(session.catalog, settings, now=now, item_ids=[item.id]).get(item.id)
    except sqlite3.OperationalError as error:
        if not busy(error):
            raise
        log.info("look at %s not recorded: %s", item.title, error)
        return "usage: not known now (another plexsh is writing the catalog)", None
    return usage_line(usage, now), (usage.as_dict() if usage else None)
