"""plexsh: a chat-style shell for a NAS media library."""

__version__ = "0.1.0"

import logging as _logging

# A library stays quiet unless its user configures logging (the CLI sends it to the log file).
_logging.getLogger("plexsh").addHandler(_logging.NullHandler())
