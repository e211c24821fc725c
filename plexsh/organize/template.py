"""Templates: `{title} ({year})/{title} ({year}){ - edition}.{ext}` read once, then filled per file into safe relative paths.

A template is folders separated by `/`, each a mix of text and fields. A field is `{name}` or `{name:spec}`
(Python's format spec: `{season:02}` is 03). Text inside the braces around the name goes with the field:
`{ - edition}` is " - Director's Cut" or nothing. A plain field that is empty takes the separators before it
(spaces, `-`, `_`, `.`, `,`, an opening bracket) and the closing brackets after it away too, so
`{title} ({year})` is "Heat" when the year is unknown and `S01E02 - {episode_title}.{ext}` is "S01E02.mkv"
without an episode title. `{episode}` of a file holding several episodes is the first and the last: after
"E" it reads `03-E04`. `{{` and `}}` are braces. Every filled folder and file name goes through
`sanitize.component`, so no value can add a folder, climb out of the root or name a device.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Mapping

from plexsh.organize.sanitize import component

__all__ = ["FIELDS", "MOVIE_TEMPLATE", "SHOW_TEMPLATE", "Template", "TemplateError", "parse_template"]

# The fields a template may use, and what each is (docs/organize.md shows them with examples).
FIELDS = {
    "title": "the film's or show's title, as the catalog has it",
    "show": "the show's title (empty for a film)",
    "year": "the film's or show's year",
    "season": "the season number (specials are 0)",
    "episode": "the episode number (first and last of a multi-episode file: 03-E04 after an E)",
    "episode_title": "the episode's title",
    "edition": "Director's Cut, Extended, ...",
    "resolution": "1080p, 2160p, ...",
    "source": "the release's source: BluRay, WEB-DL, ...",
    "codec": "x264, HEVC, ...",
    "container": "the container the name says (mkv, mp4, ...)",
    "ext": "the file's own extension, without the dot",
    "kind": "movie or show",
}
NUMBERS = ("year", "season", "episode")

MOVIE_TEMPLATE = "{title} ({year})/{title} ({year}){ - edition}.{ext}"
SHOW_TEMPLATE = "{show}/Season {season:02}/{show} - S{season:02}E{episode:02} - {episode_title}.{ext}"

_FIELD = re.compile(r"\{(?P<pre>[^{}\w:]*)(?P<name>\w+)(?::(?P<spec>[^{}]*))?(?P<post>[^{}\w:]*)\}")
_BEFORE_EMPTY = re.compile(r"[\s\-_.,(\[]+$")
_AFTER_EMPTY = re.compile(r"^[)\]]+")


_FILLED: dict[tuple, str] = {}


class TemplateError(ValueError):
    """A template that cannot be used, in words (the config adds its file and line)."""


@dataclass(frozen=True)
class _Field:
    name: str
    spec: str
    pre: str
    post: str
    braced: bool  # text inside the braces: it goes with the field


@dataclass(frozen=True)
class Template:
    """A parsed template: its folders (the last is the file name), each a tuple of text and fields."""

    text: str
    parts: tuple[tuple[str | _Field, ...], ...]

    def fill(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        """The relative path (its safe components) for a file whose fields are VALUES."""
        filled = []
        last = len(self.parts) - 1
        for index, names in enumerate(self._names):
            part = self.parts[index]
            if index == last:  # a file's own name: seen once
                filled.append(component(_fill_part(part, values)))
                break
            key = (self.text, index, *[values.get(name) for name in names])
            found = _FILLED.get(key)
            if found is None:
                if len(_FILLED) > 4096:  # a show's and a season's folder come back for each episode: kept a while
                    _FILLED.clear()
                found = _FILLED[key] = component(_fill_part(part, values))
            filled.append(found)
        return tuple(filled)

    @functools.cached_property
    def _names(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p.name for p in part if isinstance(p, _Field)) for part in self.parts)

    @property
    def fields(self) -> set[str]:
        return {piece.name for part in self.parts for piece in part if isinstance(piece, _Field)}


def _fill_part(part, values: Mapping[str, Any]) -> str:
    out = ""
    for index, piece in enumerate(part):
        if isinstance(piece, str):
            if index and isinstance(part[index - 1], _Field) and _empty(part[index - 1], values) \
                    and not part[index - 1].braced:
                piece = _AFTER_EMPTY.sub("", piece)
            out += piece
            continue
        text = _value(piece, values, out)
        if text:
            out += piece.pre + text + piece.post
        elif not piece.braced:
            out = _BEFORE_EMPTY.sub("", out)
    return out


def _empty(field: _Field, values: Mapping[str, Any]) -> bool:
    value = values.get(field.name)
    return value is None or value == "" or value == ()


def _value(field: _Field, values: Mapping[str, Any], before: str) -> str:
    value = values.get(field.name)
    if value is None or value == "" or value == ():
        return ""
    if field.name == "episode" and isinstance(value, (tuple, list)):
        first = format(value[0], field.spec)
        if len(value) == 1:
            return first
        letter = before[-1] if before[-1:] in ("E", "e") else ""
        return f"{first}-{letter}{format(value[-1], field.spec)}"
    return format(value, field.spec)


# Values a template is tried with when it is read, so a format that cannot work fails at once.
_SAMPLES = ({"title": "Heat", "show": None, "year": 1995, "season": None, "episode": None, "episode_title": None,
             "edition": "Director's Cut", "resolution": "1080p", "source": "BluRay", "codec": "x264",
             "container": "mkv", "ext": "mkv", "kind": "movie"},
            {"title": "Lost", "show": "Lost", "year": 2004, "season": 1, "episode": (1, 2), "episode_title": "Pilot",
             "edition": None, "resolution": "720p", "source": "WEB-DL", "codec": "HEVC", "container": "mkv",
             "ext": "mkv", "kind": "show"})


def parse_template(text: str) -> Template:
    """Read TEMPLATE TEXT, or raise TemplateError saying what is wrong with it.

    >>> parse_template(MOVIE_TEMPLATE).fill({"title": "Heat", "year": 1995, "ext": "mkv"})
    ('Heat (1995)', 'Heat (1995).mkv')
    >>> parse_template(MOVIE_TEMPLATE).fill({"title": "Alien", "year": None, "edition": "Director's Cut", "ext": "mkv"})
    ('Alien', "Alien - Director's Cut.mkv")
    >>> parse_template(SHOW_TEMPLATE).fill({"show": "Lost", "season": 1, "episode": (3, 4), "ext": "mkv"})
    ('Lost', 'Season 01', 'Lost - S01E03-E04.mkv')
    >>> parse_template("../{title}.{ext}")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    TemplateError: a folder of the template is `..`: templates stay inside their root
    """
    if not isinstance(text, str) or not text.strip():
        raise TemplateError("a template must be a non-empty text")
    if text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", text):
        raise TemplateError("a template is relative to its root: it cannot start with "
                            f"{text[:2]!r} (set the rule's `root` instead)")
    parts = []
    for folder in text.split("/"):
        if folder.strip() in ("", ".", ".."):
            raise TemplateError(f"a folder of the template is `{folder}`: templates stay inside their root"
                                if folder.strip() else "a template has an empty folder (`//` or a `/` at an end)")
        parts.append(_pieces(folder))
    template = Template(text, tuple(parts))
    if "ext" not in {p.name for p in parts[-1] if isinstance(p, _Field)}:
        raise TemplateError("the file name (after the last `/`) must keep the file's extension: end it with `.{ext}`")
    for sample in _SAMPLES:
        try:
            template.fill(sample)
        except (ValueError, TypeError) as error:
            raise TemplateError(f"the template cannot be filled: {error}") from None
    return template


def _pieces(folder: str) -> tuple[str | _Field, ...]:
    pieces: list[str | _Field] = []
    at = 0
    text = ""
    while at < len(folder):
        if folder.startswith(("{{", "}}"), at):
            text += folder[at]
            at += 2
            continue
        if folder[at] == "}":
            raise TemplateError(f"a `}}` with no `{{` before it at character {at + 1} (write `}}}}` for a brace)")
        if folder[at] != "{":
            text += folder[at]
            at += 1
            continue
        found = _FIELD.match(folder, at)
        if found is None:
            end = folder.find("}", at)
            shown = folder[at:end + 1] if end >= 0 else folder[at:]
            raise TemplateError(f"cannot read the field `{shown}` (a field is like {{title}}, {{season:02}} or "
                                "{ - edition}; write `{{` for a brace)")
        name = found["name"]
        if name not in FIELDS:
            import difflib

            close = difflib.get_close_matches(name, FIELDS, n=1)
            raise TemplateError(f"unknown field {{{name}}}" + (f": did you mean {{{close[0]}}}?" if close else
                                                             "; fields: " + ", ".join(FIELDS)))
        if text:
            pieces.append(text)
            text = ""
        pieces.append(_Field(name, found["spec"] or "", found["pre"], found["post"],
                             bool(found["pre"] or found["post"])))
        at = found.end()
    if text:
        pieces.append(text)
    return tuple(pieces)
