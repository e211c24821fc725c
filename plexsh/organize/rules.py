"""Organize rules: what a rule matches (kind, resolution, size, year, source, path), its template, root and
priority; the config's `organize:` section read with each error's file and line; the first match wins."""

from __future__ import annotations

import fnmatch
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

from plexsh.organize.template import MOVIE_TEMPLATE, SHOW_TEMPLATE, Template, TemplateError, parse_template

__all__ = ["Copy", "DEFAULT_RULES", "Rule", "RuleError", "choose", "parse_rule", "read_rules"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq, "": operator.eq}
_CMP = re.compile(r"^\s*(>=|<=|>|<|=)?\s*(.+?)\s*$")
KINDS = {"movie": "movie", "movies": "movie", "film": "movie", "show": "show", "shows": "show", "tv": "show",
         "episode": "show"}
RULE_KEYS = ("name", "kind", "resolution", "size", "year", "source", "path", "template", "root", "priority")


class RuleError(ValueError):
    """A rule that cannot be used, in words; `key` names the field at fault (the config points at its line)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class Copy(NamedTuple):
    """What a rule looks at: one local copy and what the catalog knows of the file it came from (a named
    tuple: one per copy, 10,000 in a plan)."""

    path: str
    kind: str  # movie | show
    size: int
    resolution_lines: int | None
    year: int | None
    source: str | None  # the catalog source's name
    source_root: str | None  # and its location


@dataclass(frozen=True)
class Rule:
    """One rule: every condition given must hold (none given: it matches everything of its kind)."""

    template: Template
    name: str = ""
    kind: str | None = None
    resolution: tuple[str, int] | None = None
    size: tuple[str, int] | None = None
    year: tuple[str, int, int] | None = None  # (op, low, high): op ".." for a range
    source: str | None = None
    path: str | None = None
    root: Path | None = None  # None: the destination of the copy's kind
    priority: int = 0
    order: int = 0  # place in the config: ties of priority go to the first written

    def matches(self, copy: Copy) -> bool:
        if self.kind is not None and copy.kind != self.kind:
            return False
        if self.resolution is not None and (copy.resolution_lines is None or
                                            not _COMPARE[self.resolution[0]](copy.resolution_lines,
                                                                             self.resolution[1])):
            return False
        if self.size is not None and not _COMPARE[self.size[0]](copy.size, self.size[1]):
            return False
        if self.year is not None:
            op, low, high = self.year
            if copy.year is None or not (low <= copy.year <= high if op == ".." else _COMPARE[op](copy.year, low)):
                return False
        if self.source is not None and self.source not in (copy.source, copy.source_root) \
                and (copy.source_root or "").rstrip("/") != self.source.rstrip("/"):
            return False
        if self.path is not None:
            subject = copy.path if "/" in self.path else copy.path.rsplit("/", 1)[-1]
            if not fnmatch.fnmatchcase(subject, self.path):
                return False
        return True

    def describe(self) -> str:
        """The rule in a few words, for the plan (its name, else its template)."""
        return self.name or self.template.text


DEFAULT_RULES = (Rule(parse_template(MOVIE_TEMPLATE), "Plex movies", kind="movie", priority=-(1 << 62)),
                 Rule(parse_template(SHOW_TEMPLATE), "Plex TV", kind="show", priority=-(1 << 62)))


def choose(rules: tuple[Rule, ...], copy: Copy) -> Rule:
    """The rule for COPY: the highest priority first, ties in the config's order; Plex's naming when none matches."""
    for rule in rules:
        if rule.matches(copy):
            return rule
    return DEFAULT_RULES[0] if copy.kind == "movie" else DEFAULT_RULES[1]


def ordered(rules) -> tuple[Rule, ...]:
    """RULES in the order they are tried: priority, highest first, then as written."""
    return tuple(sorted(rules, key=lambda r: (-r.priority, r.order)))


def parse_rule(fields: Mapping[str, Any], order: int = 0) -> Rule:
    """A rule from its config fields, or RuleError naming the field at fault.

    >>> rule = parse_rule({"kind": "movies", "resolution": ">=2160p", "template": "4K/{title}.{ext}"})
    >>> rule.kind, rule.resolution
    ('movie', ('>=', 2160))
    >>> parse_rule({"size": "big", "template": "{title}.{ext}"})  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    RuleError: size must be a size with a comparison, like >4G or <700M, got 'big'
    """
    from plexsh.library.catalog import quality_lines
    from plexsh.sizes import parse_size

    unknown = [key for key in fields if key not in RULE_KEYS]
    if unknown:
        raise RuleError(f"unknown key {unknown[0]!r} in a rule; a rule has " + ", ".join(RULE_KEYS), unknown[0])
    if "template" not in fields:
        raise RuleError("a rule needs a template, like \"{title} ({year})/{title} ({year}).{ext}\"", None)
    try:
        template = parse_template(fields["template"])
    except TemplateError as error:
        raise RuleError(f"template: {error}", "template") from None
    values: dict[str, Any] = {"template": template, "order": order}
    if "name" in fields:
        values["name"] = _text(fields["name"], "name")
    if "kind" in fields:
        kind = KINDS.get(str(fields["kind"]).lower()) if isinstance(fields["kind"], str) else None
        if kind is None:
            raise RuleError(f"kind must be movie or show (or tv), got {fields['kind']!r}", "kind")
        values["kind"] = kind
    if "resolution" in fields:
        values["resolution"] = _compared(fields["resolution"], "resolution", quality_lines,
                                         "a resolution with a comparison, like >=2160p or 720p")
    if "size" in fields:
        def size(text):
            try:
                return parse_size(text)
            except (ValueError, TypeError):
                return None

        values["size"] = _compared(fields["size"], "size", size, "a size with a comparison, like >4G or <700M")
    if "year" in fields:
        values["year"] = _year(fields["year"])
    if "source" in fields:
        values["source"] = _text(fields["source"], "source")
    if "path" in fields:
        values["path"] = _text(fields["path"], "path")
    if "root" in fields and fields["root"] is not None:
        root = Path(_text(fields["root"], "root")).expanduser()
        if not root.is_absolute():
            raise RuleError(f"root must be an absolute folder (or start with ~), got {fields['root']!r}", "root")
        values["root"] = root
    if "priority" in fields:
        priority = fields["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > 1_000_000:
            raise RuleError(f"priority must be a whole number (higher is tried first), got {priority!r}", "priority")
        values["priority"] = priority
    return Rule(**values)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{key} must be a non-empty text, got {value!r}", key)
    return value


def _compared(value: Any, key: str, read: Callable[[Any], Any], expected: str) -> tuple[str, Any]:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    found = _CMP.match(text)
    number = read(found[2]) if found else None
    if number is None:
        raise RuleError(f"{key} must be {expected}, got {value!r}", key)
    return (found[1] or "=", number)


def _year(value: Any) -> tuple[str, int, int]:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    span = re.match(r"^\s*(\d{4})\s*\.\.\s*(\d{4})\s*$", text)
    if span:
        return ("..", int(span[1]), int(span[2]))
    found = _CMP.match(text)
    if found and re.fullmatch(r"\d{4}", found[2]):
        return (found[1] or "=", int(found[2]), int(found[2]))
    raise RuleError(f"year must be a year, a range like 1990..1999 or a comparison like >2000, got {value!r}", "year")


def read_rules(reader, node, where: str) -> tuple[Rule, ...]:
    """The config's `organize:` section (plexsh.config's YAML reader over its node): `rules:`, a list of
    rules, each error naming the file and the line of the value at fault."""
    import yaml

    rules: list[Rule] = []
    for key, _, value_node in reader.mapping(node, where, ("rules",)):
        if value_node is None or (isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null")):
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            raise reader.fail(value_node, f"{where}.{key} must be a list of rules (each a mapping with a template)")
        for index, rule_node in enumerate(value_node.value):
            if not isinstance(rule_node, yaml.MappingNode):
                raise reader.fail(rule_node, f"{where}.{key}[{index}] must be a mapping with a template")
            fields, lines = {}, {}
            for field, _, field_node in reader.mapping(rule_node, f"{where}.{key}[{index}]", RULE_KEYS):
                fields[field], lines[field] = reader.value(field_node), field_node
            try:
                rules.append(parse_rule(fields, index))
            except RuleError as error:
                at = f"{where}.{key}[{index}]" + (f".{error}" if error.key else f": {error}")
                raise reader.fail(lines.get(error.key, rule_node), at) from None
    return ordered(rules)
