"""The command registry: each verb module registers its handler with name, AST node, usage and help.

A verb is a grammar rule (grammar/plexsh.lark) and one module here. Modules are found by listing
this package, and a verb's aliases are the other words of its grammar terminal (`_GET: "get" | "sync"`),
so nothing else names them; tests/test_verbs.py fails when the grammar and this registry disagree.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class CommandSpec:
    name: str
    node: type
    handler: Callable
    usage: str
    summary: str
    details: str = ""

    @property
    def rule(self) -> str:
        """The grammar rule that parses this verb: its AST node's name (ast.Get <- `get: _GET ...`)."""
        return self.node.__name__.lower()

    @property
    def aliases(self) -> tuple[str, ...]:
        """The other words the grammar takes for this verb (`sync` for `get`)."""
        from plexsh.lang.parser import verb_words

        return tuple(w for w in verb_words(self.rule) if w != self.name)


REGISTRY: dict[str, CommandSpec] = {}
BY_NODE: dict[type, CommandSpec] = {}


def command(name: str, node: type, usage: str, summary: str, details: str = ""):
    """Register the decorated function `handler(session, node) -> Reply` as the verb `name`."""

    def register(handler):
        spec = CommandSpec(name, node, handler, usage, summary, details)
        REGISTRY[name] = spec
        BY_NODE[node] = spec
        return handler

    return register


def verb_modules() -> tuple[str, ...]:
    """Every module of this package: one per verb."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


_loaded = False


def load_all() -> dict[str, CommandSpec]:
    """Import every verb module once, so each registers itself."""
    global _loaded
    if not _loaded:
        for module in verb_modules():
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True
    return REGISTRY


def registry_problems(registry: dict[str, CommandSpec] | None = None) -> list[str]:
    """Where the grammar's verbs and the registry disagree, in words (none when they agree)."""
    from plexsh.lang.parser import ToAst, verb_rules, verb_words

    registry = load_all() if registry is None else registry
    rules = verb_rules()
    registered = {spec.rule for spec in registry.values()}
    problems = [f"the grammar's verb `{rule}` has no module in plexsh/commands" for rule in rules
                if rule not in registered]
    problems += [f"the grammar's verb `{rule}` has no ToAst method and no AST node" for rule in rules
                 if not hasattr(ToAst, rule) and ToAst.node_for(rule) is None]
    for spec in registry.values():
        if spec.rule not in rules:
            problems.append(f"`{spec.name}` ({spec.node.__name__}) has no grammar rule `{spec.rule}` listed under "
                            "`command` in grammar/plexsh.lark")
        elif spec.name not in verb_words(spec.rule):
            problems.append(f"`{spec.name}` is not a word of the grammar's `{spec.rule}` rule "
                            f"({', '.join(verb_words(spec.rule))})")
        if spec.usage.split()[:1] != [spec.name]:
            problems.append(f"the usage of `{spec.name}` does not start with its name: {spec.usage!r}")
    return problems


def spec_for(node) -> CommandSpec:
    load_all()
    return BY_NODE[type(node)]


def lookup(word: str) -> CommandSpec | None:
    """The spec of a verb or one of its aliases."""
    load_all()
    for spec in REGISTRY.values():
        if word == spec.name or word in spec.aliases:
            return spec
    return None
