"""Session.run: the one path every entry mode takes (parse, dispatch, render), with its settings and state."""

from __future__ import annotations

import logging
import os
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from plexsh import commands, interrupt
from plexsh.errors import PlexError
from plexsh.home import catalog_path
from plexsh.lang.errors import PlexSyntaxError
from plexsh.lang.parser import parse
from plexsh.render import Renderer
from plexsh.reply import Reply, Text

log = logging.getLogger("plexsh")

EXIT_OK, EXIT_FAILED, EXIT_SYNTAX = 0, 1, 2


@dataclass
class Settings:
    """What `set` changes for the rest of a session."""

    keep_going: bool = False
    page_size: int | None = None
    color: bool = True
    profile: str | None = None


BUSY_HINT = "another plexsh is writing it: try again in a moment"


def busy(error: BaseException) -> bool:
    """Whether ERROR is SQLite's "database is locked": another process held a write lock longer than
    the busy timeout (the file is fine)."""
    import sqlite3

    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


class Session:
    """The state one run of plexsh shares between its commands: settings, config, catalog, output."""

    def __init__(self, renderer: Renderer, config_path: Path | None = None, profile: str | None = None,
                 database: Path | None = None, interactive: bool = False):
        self.renderer = renderer
        self.config_path = config_path
        self.settings = Settings(profile=profile)
        self.database = database or catalog_path()
        self.interactive = interactive
        self.quit_requested = False
        self._config = None
        # Each thread's own SQLite connections (thread_database): the shell runs commands on a
        # worker thread while the engine and the toolbar use the event loop's.
        self._local = threading.local()
        self._opened: set[str] = set()
        self.engine = None  # the REPL's live Supervisor (any thread may call it); None in scripts (trio.run)
        self._supervisor = None
        self._recovered_said = False
        self.command_text = ""  # the text of the command running now, as the journal records it
        self.journal_notes: list[str] = []  # what the start's journal recovery did, said with the next reply
        self._journal_checked = False
        self._journal_lock = threading.Lock()  # the shell's threads open the file at once: one recovers, all wait

    # -- state, loaded on first use so `help` or `parse` work even with a broken config ---------------

    @property
    def config(self):
        if self._config is None:
            from plexsh.config import load_config
            from plexsh.logs import apply_config

            self._config = load_config(self.config_path, self.settings.profile)
            apply_config(self._config)  # the log's sizes and redaction follow the config (and profile) in use
        return self._config

    def reload_config(self) -> None:
        self._config = None

    @property
    def catalog(self):
        from plexsh.library.catalog import Catalog

        return self.thread_database("catalog", Catalog)

    def thread_database(self, name: str, opener):
        """This thread's `name` (the catalog, the job store), opened by opener(path) on its first use
        here: an sqlite3 connection belongs to the thread that opened it, and each thread's own
        connection to the one WAL file keeps a command's transaction apart from the engine's writes."""
        found = getattr(self._local, name, None)
        if found is None:
            found = self.open_database(opener)
            setattr(self._local, name, found)
            self._opened.add(name)
        return found

    def opened_before(self, name: str) -> bool:
        """Whether some thread has opened `name` already (the job store recovers jobs only once)."""
        return name in self._opened

    def open_database(self, opener):
        """opener(self.database): the catalog or the job store (one SQLite file), with a home that is
        not a folder or a damaged file as one PlexError."""
        import sqlite3

        home = self.database.parent
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = "a file is in the way" if isinstance(error, FileExistsError) else error.strerror or str(error)
            raise PlexError(f"cannot create the plexsh folder {home}: {reason}",
                            "set PLEXSH_HOME to a folder plexsh may write in") from None
        from plexsh.db import NewerSchema

        try:
            with self._journal_lock:  # once, before any part reads the file: a stopped plexsh's actions
                if not self._journal_checked:
                    self._journal_checked = True
                    from plexsh.journal.recover import recover_at

                    self.journal_notes += recover_at(self.database)
            return opener(self.database)
        except (OSError, sqlite3.DatabaseError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            if isinstance(error, NewerSchema):
                hint = "upgrade plexsh, or give this one a home of its own (PLEXSH_HOME)"
            elif busy(error):  # the file is fine, only held
                hint = BUSY_HINT
            else:
                hint = f"move {self.database} away and `scan` to build it again"
            raise PlexError(f"cannot open the catalog {self.database}: {reason}", hint) from None

    def close(self) -> None:
        """Close the connections the calling thread opened (each thread closes its own)."""
        for name in ("jobs", "catalog"):
            found = getattr(self._local, name, None)
            if found is not None:
                setattr(self._local, name, None)
                found.close()

    # -- the one path ---------------------------------------------------------------------------------

    def run(self, text: str) -> int:
        """Parse the whole text, then run its commands in order; returns the exit status.

        A syntax error anywhere means nothing runs (2). A failed command stops the run (1) unless
        `set keep-going` was given, in which case the rest still runs and the status is still 1.
        """
        try:
            refuse_nul(text)
            script = parse(text)
        except PlexSyntaxError as error:
            self.report_syntax_error(error)
            return EXIT_SYNTAX
        except Exception as error:  # a bug in the parser: one line, as for a command (the log has the rest)
            log.error("internal error while parsing: %s", traceback.format_exc())
            if os.environ.get("PLEXSH_DEBUG") == "1":
                raise
            self.renderer.render(Reply("syntax", ok=False, error=f"internal error: {type(error).__name__}: {error}",
                                       hint="run again with PLEXSH_DEBUG=1 for the traceback"))
            return EXIT_FAILED
        status = EXIT_OK
        for node, line in zip(script.commands, command_texts(text, script.commands)):
            log.debug("run: %s", line)
            self.command_text = line
            reply = self.execute(node)
            for note in reversed(self.take_journal_notes()):
                reply.blocks.insert(0, Text(note, "note"))
                reply.data.setdefault("recovered_actions", []).insert(0, note)
            self.renderer.render(reply)
            if not reply.ok:
                log.info("failed: %s: %s", line, reply.error)
                status = EXIT_FAILED
                if not self.settings.keep_going:
                    break
            if self.quit_requested or interrupt.requested():  # Ctrl-C in the shell ends the whole line
                break
        return status

    def execute(self, node) -> Reply:
        """Run one command; every failure becomes a Reply with one line of error, never a traceback."""
        spec = commands.spec_for(node)
        try:
            return spec.handler(self, node)
        except PlexError as error:
            return Reply(spec.name, ok=False, error=error.message, hint=error.hint)
        except interrupt.CommandCancelled:
            return Reply(spec.name, ok=False, error=f"{spec.name} cancelled")
        except KeyboardInterrupt:
            return Reply(spec.name, ok=False, error="interrupted")
        except Exception as error:  # the boundary: anything unforeseen is one line, the log has the rest
            if busy(error):  # not a bug: another plexsh held the file longer than the busy timeout
                return Reply(spec.name, ok=False, error=f"the catalog {self.database} is busy: {error}",
                             hint=BUSY_HINT)
            log.error("internal error in %s: %s", spec.name, traceback.format_exc())
            if os.environ.get("PLEXSH_DEBUG") == "1":
                raise
            return Reply(spec.name, ok=False, error=f"internal error: {type(error).__name__}: {error}",
                         hint="run again with PLEXSH_DEBUG=1 for the traceback")

    def take_journal_notes(self) -> list[str]:
        """The journal recovery's lines not yet shown (shown once, with whatever is drawn next)."""
        notes, self.journal_notes = self.journal_notes, []
        return notes

    def report_syntax_error(self, error: PlexSyntaxError) -> None:
        if self.renderer.mode == "json":
            reply = Reply("syntax", ok=False, error=error.headline(), hint=error.hint,
                          data={"line": error.line, "column": error.column, "expected": error.expected})
            self.renderer.render(reply)
        else:
            self.renderer.syntax_error(error)


def refuse_nul(text: str) -> None:
    r"""PlexSyntaxError at the first NUL byte of `text`: no path, title or word can hold one, and the OS
    would refuse it deep inside a command (a script file or stdin can carry one; an argument cannot).

    >>> try:
    ...     refuse_nul("ls\nget heat to 'a\0b'")
    ... except PlexSyntaxError as error:
    ...     print(error.headline())
    syntax error at line 2, column 15: a NUL byte cannot be part of a command
    >>> refuse_nul("ls movies")
    """
    index = text.find("\0")
    if index < 0:
        return
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    # Shown as the control picture for NUL, one character wide so the caret still lines up.
    raise PlexSyntaxError("a NUL byte cannot be part of a command", text.replace("\0", "\u2400"), line, column,
                          hint="remove it: no file name or title holds one")


def command_texts(text: str, nodes) -> list[str]:
    r"""Each command's own text, cut from the script at its span up to the next command's (for the log).

    >>> from plexsh.lang.parser import parse
    >>> command_texts("scan; ls movies\nget heat", parse("scan; ls movies\nget heat").commands)
    ['scan', 'ls movies', 'get heat']
    """
    # Line starts counted on "\n" alone, as the parser counts them.
    line_starts = [0]
    for line in text.split("\n"):
        line_starts.append(line_starts[-1] + len(line) + 1)
    starts = [line_starts[n.span.line - 1] + n.span.column - 1 for n in nodes]
    ends = starts[1:] + [len(text)]
    return [" ".join(text[a:b].split()).rstrip(";").strip() for a, b in zip(starts, ends)]
