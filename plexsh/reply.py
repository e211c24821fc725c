"""What a command answers: its JSON data plus display blocks (text and tables) that render.py draws."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Text:
    """One line of text; style is a semantic name (note, good, warn, bad, dim, title), not a colour."""

    text: str
    style: str | None = None


@dataclass
class Table:
    """Rows under named columns; `align` per column ("left"/"right"), `caption` under the table."""

    columns: list[str]
    rows: list[list[str]]
    title: str | None = None
    caption: str | None = None
    align: list[str] | None = None


@dataclass
class Reply:
    """One command's answer: `data` goes into its JSON object, `blocks` are what a person reads."""

    command: str
    data: dict = field(default_factory=dict)
    blocks: list = field(default_factory=list)
    ok: bool = True
    error: str | None = None
    hint: str | None = None

    def say(self, text: str, style: str | None = None) -> "Reply":
        """One line; a new line inside it (a file name may hold one) is shown escaped, as `\\n`."""
        self.blocks.append(Text(text, style))
        return self

    def paragraph(self, text: str, style: str | None = None) -> "Reply":
        """Text of several lines that plexsh wrote itself (help, an export): each line shown as a line."""
        for line in text.splitlines():
            self.say(line, style)
        return self

    def table(self, columns, rows, **options) -> "Reply":
        self.blocks.append(Table(list(columns), [list(r) for r in rows], **options))
        return self

    def as_json(self) -> dict:
        out = {"command": self.command, "ok": self.ok}
        if self.error is not None:
            out["error"] = self.error
            if self.hint:
                out["hint"] = self.hint
        out.update(self.data)
        return out
