"""Logging to $PLEXSH_HOME/logs/plexsh.log with rotation; nothing is logged to the terminal."""

from __future__ import annotations

import logging
import logging.handlers
import os

from plexsh.home import home_dir

DEFAULT_MAX_BYTES = 10 * 2**20
DEFAULT_BACKUPS = 5


def setup_logging(verbose: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS) -> None:
    """Send plexsh's log to a rotating file; DEBUG with --verbose or PLEXSH_DEBUG=1, else INFO."""
    logger = logging.getLogger("plexsh")
    if logger.handlers:
        return
    level = logging.DEBUG if verbose or os.environ.get("PLEXSH_DEBUG") == "1" else logging.INFO
    logger.setLevel(level)
    logger.propagate = False
    folder = home_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(folder / "plexsh.log", maxBytes=max_bytes,
                                                       backupCount=backups, encoding="utf-8", delay=True)
    except OSError:
        # An unwritable home must not stop the shell; commands that need the home will say so.
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
