"""plexsh: a chat-style shell for a NAS media library."""

__version__ = "0.1.0"
