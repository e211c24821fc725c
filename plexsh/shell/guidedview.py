"""The guided selection on the full screen: a prompt_toolkit Application drawing a Guide and passing it every key."""

from __future__ import annotations

from plexsh.shell.guidedscreen import Screen
from plexsh.shell.guidedstate import Guide, Outcome

CHROME_LINES = 7  # path, status, a blank, then under the rows: message, typed line, two lines of keys
BOXES = {"all": "[x] ", "some": "[~] ", "": "[ ] "}
# ⚠️ is ⚠ and an emoji selector: two cells on most terminals, one for prompt_toolkit, whose cursor
# would then drift along the row; drawn as ⚠ and a space it is two cells for both, like ✅ and ⬜.
TWO_CELLS = {"⚠️": "⚠ "}
NAMED_KEYS = {"up": "up", "down": "down", "pageup": "pageup", "pagedown": "pagedown", "home": "home",
              "end": "end", "escape": "escape", "c-c": "c-c", "c-d": "c-d", "<sigint>": "c-c"}


class GuidedView:
    """Draws the Guide's screen, computed once per key (not on every redraw), sized to the terminal."""

    def __init__(self, guide: Guide):
        self.guide = guide
        self._screen: Screen | None = None
        self.app = None

    def screen(self) -> Screen:
        rows = max(1, self.app.output.get_size().rows - CHROME_LINES) if self.app else self.guide.page_size
        if rows != self.guide.page_size:
            self.guide.page_size, self._screen = rows, None
        if self._screen is None:
            self._screen = self.guide.screen()
        return self._screen

    def refresh(self) -> None:
        """Compute and draw the screen again (what it shows changed without a key)."""
        self._screen = None
        if self.app is not None and self.app.is_running:
            self.app.invalidate()

    def press(self, event, key: str) -> None:
        outcome = self.guide.press(key)
        self._screen = None
        if isinstance(outcome, Outcome):
            event.app.exit(result=outcome)

    def rows(self):
        screen = self.screen()
        boxes = self.guide.step in ("seasons", "episodes")
        width = max((len(r.number) for r in screen.rows), default=1)
        fragments = []
        for n, row in enumerate(screen.rows):
            style = "class:guided.cursor" if n == screen.cursor else ""
            pointer = "›" if n == screen.cursor else " "
            box = BOXES[row.chosen] if boxes else ""
            mark = f"{TWO_CELLS.get(row.mark, row.mark)} " if row.mark else ""
            fragments.append((style, f"{pointer} {mark}{row.number.rjust(width)}  {box}{row.text}\n"))
        return fragments

    def build(self, style, input=None, output=None):
        from prompt_toolkit.application import Application
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.layout import HSplit, Layout, Window
        from prompt_toolkit.layout.controls import FormattedTextControl
        from prompt_toolkit.styles import Style, merge_styles

        keys = KeyBindings()

        for name, key in NAMED_KEYS.items():
            keys.add(name)(lambda event, key=key: self.press(event, key))

        @keys.add("enter")
        @keys.add("c-j")
        def _enter(event) -> None:
            """Take the highlighted row, apply what is typed, or get what is chosen."""
            self.press(event, "enter")

        @keys.add("backspace")
        def _rub_out(event) -> None:
            """Take back the last typed character."""
            self.press(event, "backspace")

        @keys.add("<any>")
        def _key(event) -> None:
            """A character: typed, or a one-key action (n b q ~ ? u) when nothing is typed."""
            if len(event.data) == 1 and event.data.isprintable():
                self.press(event, event.data)

        def line(part: str, style: str):
            return Window(FormattedTextControl(lambda: [(style, getattr(self.screen(), part))]), height=1)

        layout = Layout(HSplit([
            line("path", "class:guided.path"),
            line("status", "class:guided.status"),
            Window(height=1),
            Window(FormattedTextControl(self.rows), wrap_lines=False),
            line("message", "class:guided.message"),
            Window(FormattedTextControl(lambda: [("class:guided.prompt", "› "), ("", self.screen().typed),
                                                 ("[SetCursorPosition]", "")]), height=1),
            Window(FormattedTextControl(lambda: [("class:guided.keys", self.screen().keys)]), height=2),
        ]))
        own = Style.from_dict({"guided.path": "bold", "guided.status": "ansigray", "guided.cursor": "reverse",
                               "guided.message": "ansiyellow", "guided.prompt": "bold ansicyan",
                               "guided.keys": "ansigray"})
        self.app = Application(layout=layout, key_bindings=keys, style=merge_styles([style, own]),
                               full_screen=True, mouse_support=False, input=input, output=output)
        return self.app

    async def run(self, style, input=None, output=None) -> Outcome:
        """Until a key ends it: run a line, undo, or quit."""
        self._screen = None
        return await self.build(style, input, output).run_async()
