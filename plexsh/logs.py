"""Logging to $PLEXSH_HOME/logs/plexsh.log with rotation; nothing is logged to the terminal."""

from __future__ import annotations

import logging
import logging.handlers
import os
from typing import Mapping

from plexsh.home import home_dir
from plexsh.printable import printable
from plexsh.redact import redact, source_replacements

DEFAULT_MAX_BYTES = 10 * 2**20
DEFAULT_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _RotatingFile(logging.handlers.RotatingFileHandler):
    """Python's rotating handler, except that `backup_count: 0` starts the file afresh when full.

    The standard one never rotates with no backups, so the file would grow past `max_size` forever.
    """

    def doRollover(self) -> None:
        if self.backupCount > 0:
            return super().doRollover()
        if self.stream:
            self.stream.close()
            self.stream = None
        with open(self.baseFilename, "w", encoding=self.encoding):
            pass
        return None


class RedactingFormatter(logging.Formatter):
    """Formats a line, then swaps NAS paths for titles when `security.path_redaction` is on.

    A record may carry its own `redact` mapping (a job's source -> its label, see JobStore); the
    configured source roots cover every other path, tracebacks included.
    """

    def __init__(self, enabled: bool = False, roots: Mapping[str, str] | None = None):
        super().__init__(FORMAT)
        self.enabled = enabled
        self.roots = dict(roots or {})

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.enabled:
            text = redact(text, {**self.roots, **getattr(record, "redact", {})})
        # Names from a NAS may hold bytes that are not UTF-8 or escapes a terminal would act on
        # (`cat plexsh.log`): each line is shown as the shell shows them, the lines kept apart.
        return "\n".join(printable(line) for line in text.split("\n"))


def setup_logging(verbose: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS,
                  redaction: bool = False) -> None:
    """Send plexsh's log to a rotating file; DEBUG with --verbose or PLEXSH_DEBUG=1, else INFO.

    The config is not read here (a broken one must not stop the log): `apply_config` brings its
    sizes and redaction in once the session has loaded it.
    """
    logger = logging.getLogger("plexsh")
    if any(not isinstance(h, logging.NullHandler) for h in logger.handlers):
        return  # set up already (the package's own NullHandler only keeps an unconfigured library quiet)
    level = logging.DEBUG if verbose or os.environ.get("PLEXSH_DEBUG") == "1" else logging.INFO
    logger.setLevel(level)
    logger.propagate = False
    folder = home_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = _RotatingFile(folder / "plexsh.log", maxBytes=max_bytes, backupCount=backups,
                                encoding="utf-8", delay=True)
    except OSError:
        # An unwritable home must not stop the shell; commands that need the home will say so.
        handler = logging.NullHandler()
    handler.setFormatter(RedactingFormatter(redaction))
    logger.addHandler(handler)


def apply_config(config) -> None:
    """The active config's `logging.max_size`/`backup_count` and `security.path_redaction`, applied to
    the handler set up above (again on each reload, so `set profile` brings the profile's values)."""
    for handler in logging.getLogger("plexsh").handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            handler.maxBytes = config.logging.max_size
            handler.backupCount = config.logging.backup_count
        if isinstance(handler.formatter, RedactingFormatter):
            handler.formatter.enabled = config.security.path_redaction
            handler.formatter.roots = source_replacements(config) if config.security.path_redaction else {}
