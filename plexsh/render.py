"""Draws replies: rich on a terminal, plain aligned text when piped or NO_COLOR, one JSON line each with --json.

Text in a reply comes from the NAS as often as not: it is drawn literally (never as rich markup) and
with its control characters escaped (plexsh/printable.py); JSON keeps it exact.
"""

from __future__ import annotations

import contextlib
import os
import sys
import unicodedata

from plexsh.printable import json_text, one_line, printable
from plexsh.reply import Reply, Table, Text
from plexsh.sizes import format_size  # also re-exported: the commands import it from here

STYLES = {"note": "cyan", "good": "green", "warn": "yellow", "bad": "bold red", "dim": "dim", "title": "bold"}


def choose_mode(json_output: bool, stream=None) -> str:
    """'json' with --json; 'rich' on a terminal without NO_COLOR; 'plain' otherwise."""
    stream = stream or sys.stdout
    if json_output:
        return "json"
    if os.environ.get("NO_COLOR") or not stream.isatty():
        return "plain"
    return "rich"


class Renderer:
    """Writes replies to out (and errors to err) in one of the three modes."""

    def __init__(self, mode: str = "plain", out=None, err=None, interactive: bool = False):
        self.mode = mode
        self.out = out or sys.stdout
        self.err = err or (self.out if interactive else sys.stderr)
        self.interactive = interactive
        self._console = None
        self._err_console = None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.out, highlight=False, soft_wrap=False)
        return self._console

    @property
    def err_console(self):
        if self.err is self.out:
            return self.console
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(file=self.err, highlight=False)
        return self._err_console

    def use_color(self, on: bool) -> None:
        if self.mode == "rich":
            self.console.no_color = not on
            self.err_console.no_color = not on

    def page_size(self) -> int | None:
        """How many rows fit the terminal, or None when the whole list should be printed."""
        if self.mode != "rich":
            return None
        return max(5, self.console.size.height - 6)

    def width(self) -> int:
        return self.console.size.width if self.mode == "rich" else 100

    def render(self, reply: Reply) -> None:
        if self.mode == "json":
            self.out.write(json_text(reply.as_json()) + "\n")
            self.out.flush()
            return
        if not reply.ok:
            self.error(reply.error or "failed", reply.hint)
        for block in reply.blocks:
            self._block(block)
        if self.interactive and (reply.blocks or not reply.ok):
            self.out.write("\n")  # a conversation: each answer stands apart from the next question
        self.out.flush()

    def error(self, message: str, hint: str | None = None) -> None:
        """One error line (and its hint) in words."""
        message, hint = printable(message), hint and printable(hint)
        if self.mode == "rich":
            from rich.text import Text as RichText

            line = RichText("error: ", style=STYLES["bad"]) + RichText(message)
            self.err_console.print(line)
            if hint:
                self.err_console.print(RichText(hint, style=STYLES["dim"]))
        else:
            self.err.write(f"error: {message}\n")
            if hint:
                self.err.write(f"{hint}\n")
            self.err.flush()

    def syntax_error(self, error) -> None:
        """A syntax error: the headline, the offending line with a caret, the hint."""
        headline, caret, hint = printable(error.headline()), escaped_caret(error), error.hint and printable(error.hint)
        if self.mode == "rich":
            from rich.text import Text as RichText

            self.err_console.print(RichText("error: ", style=STYLES["bad"]) + RichText(headline))
            self.err_console.print(RichText(caret, style="yellow"))
            if hint:
                self.err_console.print(RichText(hint, style=STYLES["dim"]))
        else:
            self.err.write(f"error: {headline}\n{caret}\n")
            if hint:
                self.err.write(f"{hint}\n")
            self.err.flush()

    def _block(self, block) -> None:
        if isinstance(block, Text):
            if self.mode == "rich":
                from rich.text import Text as RichText

                self.console.print(RichText(one_line(block.text), style=STYLES.get(block.style, "")))
            else:
                self.out.write(one_line(block.text) + "\n")
        elif isinstance(block, Table):
            if self.mode == "rich":
                self.console.print(_rich_table(block))
                if block.caption:  # under the table, at the terminal's width rather than the table's
                    from rich.text import Text as RichText

                    self.console.print(RichText(one_line(block.caption), style=STYLES["dim"]))
            else:
                self.out.write(plain_table(block))

    @contextlib.contextmanager
    def progress(self, label: str):
        """A live status line on a terminal; yields a callback taking a one-line description.

        The callback only changes the text; the line is redrawn on its own clock, so a burst of
        updates costs nothing and the last one shows even when no other follows (a source that
        hangs after the others are done must not leave their counts behind)."""
        if self.mode != "rich":
            yield lambda text: None
            return
        from rich.live import Live
        from rich.spinner import Spinner
        from rich.text import Text as RichText

        spinner = Spinner("dots", RichText(one_line(label)), style="status.spinner")
        with Live(spinner, console=self.console, refresh_per_second=10, transient=True):
            yield lambda text: spinner.update(text=RichText(one_line(f"{label} {text}")))

    @contextlib.contextmanager
    def job_progress(self, views):
        """Transfers while a script waits for them; yields a callback taking each changed job view.

        On a terminal: a rich bar per running file and one for the whole run. Otherwise one plain
        line when a file starts, finishes, fails or is retried. With --json: nothing (stdout is JSON).
        """
        if self.mode == "json":
            yield lambda view: None
        elif self.mode == "plain":
            yield _JobLines(self.out, views).update
        else:
            bars = _JobBars(self.console, views)
            with bars.progress:
                yield bars.update


_ENDED = ("done", "failed", "cancelled")
_MOVING = ("running", "verifying")


def job_line(before: str | None, view) -> str | None:
    """What a plain log says when a job goes from state `before` to `view.state` (None: nothing).

    Resuming a paused copy or a byte count moving is no event; a copy that goes back to waiting
    after an error is a retry.
    """
    name = one_line(view.label)
    if view.state == "running" and before not in ("running", "paused", "verifying"):
        again = f", attempt {view.attempts}" if view.attempts > 1 else ""
        return f"copying {name} ({format_size(view.total)}{again})"
    if view.state == "done":
        return f"done {name} ({format_size(view.total)})"
    if view.state == "failed":
        return f"failed {name}: {one_line(view.error or 'unknown error')}"
    if view.state == "cancelled":
        return f"cancelled {name}"
    if view.state in ("queued", "stalled") and before in _MOVING:
        return f"retrying {name}: {one_line(view.error or view.state)}"
    return None


class _JobLines:
    """Plain progress for logs and pipes: a line per event, never a carriage return."""

    def __init__(self, out, views):
        self.out = out
        self.states = {v.id: v.state for v in views}

    def update(self, view) -> None:
        before = self.states.get(view.id)
        self.states[view.id] = view.state
        if before == view.state:
            return  # bytes moved: a log has no use for that
        line = job_line(before, view)
        if line:
            self.out.write(line + "\n")
            self.out.flush()


class _JobBars:
    """rich bars: one per file in flight (label, bar, percent, bytes, rate, ETA) and the run's total last.

    Views arrive up to four times a second per job; rich redraws on its own clock, so an update
    only records numbers.
    """

    def __init__(self, console, views):
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
        from rich.table import Column

        self.progress = Progress(
            TextColumn("{task.description}", markup=False,
                       table_column=Column(no_wrap=True, overflow="ellipsis", ratio=3)),
            BarColumn(bar_width=None, table_column=Column(ratio=2)),
            TextColumn("{task.percentage:>3.0f}%", table_column=Column(justify="right", width=4)),
            DownloadColumn(binary_units=True, table_column=Column(justify="right", width=19)),
            TextColumn("{task.fields[rate]}", table_column=Column(justify="right", width=12, no_wrap=True)),
            TextColumn("{task.fields[eta]}", table_column=Column(width=13, no_wrap=True)),
            console=console, transient=True, refresh_per_second=5, expand=True)
        self.views = {v.id: v for v in views if v.state not in _ENDED}  # the jobs of this run
        self.bars: dict[int, object] = {}  # job id -> rich task id, while it has a bar
        self.overall = None
        self._overall()

    def update(self, view) -> None:
        if view.id not in self.views and view.state in _ENDED:
            return  # a job of an earlier run
        self.views[view.id] = view
        bar = self.bars.get(view.id)
        if view.state in _ENDED:
            if bar is not None:
                self.progress.remove_task(self.bars.pop(view.id))
        elif view.state in _MOVING or bar is not None:  # once started, a bar stays until its job ends
            fields = _bar_fields(view)
            if bar is None:
                self.bars[view.id] = self.progress.add_task(one_line(view.label), total=view.total or None,
                                                            completed=view.bytes_done, **fields)
            else:
                self.progress.update(bar, total=view.total or None, completed=view.bytes_done, **fields)
        self._overall()  # and, when a bar was added, back below it

    def _overall(self) -> None:
        """The run's line: files finished of all, bytes, summed rate and the ETA it gives."""
        views = list(self.views.values())
        if len(views) < 2:  # one file: its own bar says it all
            return
        finished = sum(v.state == "done" for v in views)
        failed = sum(v.state in ("failed", "cancelled") for v in views)
        total = sum(v.total for v in views)
        done = sum(v.total if v.state == "done" else v.bytes_done for v in views)
        rate = sum(v.rate or 0 for v in views if v.state == "running")
        title = f"{finished} of {len(views)} files" + (f", {failed} not copied" if failed else "")
        fields = {"rate": f"{format_size(int(rate))}/s" if rate else "",
                  "eta": f"ETA {_clock((total - done) / rate)}" if rate else ""}
        if self.overall is not None and self.progress.task_ids[-1:] == [self.overall]:
            self.progress.update(self.overall, description=title, total=total or None, completed=done, **fields)
            return
        if self.overall is not None:
            self.progress.remove_task(self.overall)
        self.overall = self.progress.add_task(title, total=total or None, completed=done, **fields)


def _bar_fields(view) -> dict:
    """The rate and ETA columns of a file's bar; a word instead while it is not copying."""
    if view.state == "running":
        return {"rate": f"{format_size(int(view.rate))}/s" if view.rate else "",
                "eta": f"ETA {_clock(view.eta)}" if view.eta else ""}
    note = {"verifying": "verifying", "paused": "paused"}.get(view.state, "retrying")
    return {"rate": note, "eta": ""}


def _clock(seconds: float) -> str:
    """A countdown as a clock shows it.

    >>> _clock(5), _clock(83), _clock(3723)
    ('0:05', '1:23', '1:02:03')
    """
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _rich_table(block: Table):
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    title = RichText(one_line(block.title)) if block.title else None
    table = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left", header_style="bold")
    for i, column in enumerate(block.columns):
        justify = (block.align or [])[i] if block.align and i < len(block.align) else "left"
        table.add_column(RichText(one_line(column)), justify=justify, overflow="fold")
    for row in block.rows:  # Text cells: a name's [brackets] are never markup
        table.add_row(*[RichText(one_line(cell)) for cell in row])
    return table


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plain_table(block: Table) -> str:
    """Aligned columns with a header line, for pipes and NO_COLOR; no box characters."""
    rows = [[one_line(c) for c in block.columns]] + [[one_line(c) for c in row] for row in block.rows]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(block.columns))]
    align = block.align or ["left"] * len(widths)
    lines = [one_line(block.title)] if block.title else []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if align[i] == "right" else cell + pad)
        lines.append("  ".join(cells).rstrip())
    if block.caption:
        lines.append(one_line(block.caption))
    return "\n".join(lines) + "\n"


def escaped_caret(error) -> str:
    r"""A syntax error's line with its control characters escaped, and the caret still under the bad column.

    >>> from plexsh.lang.errors import PlexSyntaxError
    >>> print(escaped_caret(PlexSyntaxError("x", "ls \x1b[2J movies", 1, 4)))
    ls \033[2J movies
       ^
    """
    lines = error.text.split("\n")  # as the parser counts lines (str.splitlines also breaks at \x85, \u2028 ...)
    line = lines[error.line - 1].removesuffix("\r") if 0 < error.line <= len(lines) else ""
    return f"{printable(line)}\n{' ' * display_width(printable(line[:max(error.column - 1, 0)]))}^"


def format_age(seconds: float) -> str:
    """A rough age for people.

    >>> format_age(42), format_age(3600 * 5), format_age(86400 * 3)
    ('42 s', '5 h', '3 d')
    """
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"
