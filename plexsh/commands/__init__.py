"""The command registry: each verb module registers its handler with name, AST node, usage and help."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

VERB_MODULES = ("scan", "ls", "find", "show", "info", "parse", "sources", "config", "doctor", "help", "set", "quit",
                "get", "jobs", "status", "cancel", "pause", "resume", "retry", "wait", "queue", "log")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    node: type
    handler: Callable
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    details: str = ""


REGISTRY: dict[str, CommandSpec] = {}
BY_NODE: dict[type, CommandSpec] = {}


def command(name: str, node: type, usage: str, summary: str, aliases: tuple[str, ...] = (), details: str = ""):
    """Register the decorated function `handler(session, node) -> Reply` as the verb `name`."""

    def register(handler):
        spec = CommandSpec(name, node, handler, usage, summary, aliases, details)
        REGISTRY[name] = spec
        BY_NODE[node] = spec
        return handler

    return register


def load_all() -> dict[str, CommandSpec]:
    """Import every verb module once, so each registers itself."""
    if len(REGISTRY) < len(VERB_MODULES):
        for module in VERB_MODULES:
            importlib.import_module(f"plexsh.commands.{module}")
    return REGISTRY


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
