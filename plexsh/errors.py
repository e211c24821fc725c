"""The typed errors that cross into the shell, each rendered as one line (tracebacks only with PLEXSH_DEBUG=1)."""

from __future__ import annotations


class PlexError(Exception):
    """An error the user can act on: `message` says what went wrong, `hint` what to do about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(PlexError):
    """The config file is invalid; the message names the file, the line and the key."""


class NotFound(PlexError):
    """A title, path or source the user named does not exist."""


class SourceError(PlexError):
    """A source is missing, unreadable or not answering."""
