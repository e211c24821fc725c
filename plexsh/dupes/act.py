"""`dupes ... remove` and `dupes ... link`: the plan (checked byte for byte where bytes are the claim) and its one journaled action."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from plexsh.dupes.exact import same_bytes
from plexsh.dupes.groups import Group

# The confidences a plan acts on, by the lowest one named: exact groups always ("very high"); media
# groups of high confidence by default; `medium` or `low` after remove/link take those too.
ACTED_ON = {"high": ("very high", "high"), "medium": ("very high", "high", "medium"),
            "low": ("very high", "high", "medium", "low")}


@dataclass(frozen=True)
class Move:
    """One name a plan acts on: sent to the trash (remove) or replaced by a link to `kept` (link)."""

    path: str
    kept: str
    size: int
    sha256: str | None
    origin: str | None  # a local copy: the source file it is a copy of
    frees: bool  # whether acting on it frees its bytes (its last name is among the plan's)


@dataclass
class Plan:
    verb: str
    moves: list[Move] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    groups: int = 0

    @property
    def freed(self) -> int:
        return sum(m.size for m in self.moves if m.frees)

    def as_dict(self) -> dict:
        return {"verb": self.verb, "groups": self.groups, "freed": self.freed,
                "files": [{"path": m.path, "kept": m.kept, "size": m.size, "frees": m.frees} for m in self.moves],
                "skipped": [{"path": p, "why": why} for p, why in self.skipped]}


def make_plan(groups: list[Group], verb: str, lowest: str = "high", names: dict[str, list[str]] | None = None,
              origins: dict[str, str] | None = None) -> Plan:
    """What VERB ("remove" or "link") would do to GROUPS: every copy not kept of each group acted on
    (exact ones always; media ones from confidence LOWEST up, never for link), each of its names
    (hard links: removing one name frees nothing). A copy kept by any group is never acted on; the
    copies of an exact group are compared byte for byte with the one kept first."""
    names, origins = names or {}, origins or {}
    plan = Plan(verb)
    acted = [g for g in groups if g.kind == "exact" or (verb == "remove" and g.confidence in ACTED_ON[lowest])]
    kept = {g.keep.path for g in acted}
    planned: set[str] = set()
    for group in acted:
        acting = False
        for member in group.others:
            if member.path in planned:
                continue
            why = _why_not(group, member, verb, kept)
            if why:
                plan.skipped.append((member.path, why))
                continue
            own = names.get(member.path, [member.path])
            frees = _links(member.path) <= len(own)
            for path in own:
                plan.moves.append(Move(path, group.keep.path, member.size, member.sha256 if group.kind == "exact"
                                       else None, origins.get(path), frees and path == own[0]))
                planned.add(path)
            acting = True
        plan.groups += acting
    return plan


def _why_not(group: Group, member, verb: str, kept: set[str]) -> str | None:
    """Why a copy a group does not keep is left alone (None when it is acted on)."""
    if member.path in kept:
        return "another group keeps it"
    try:
        if group.kind == "exact" and not same_bytes(member.path, group.keep.path):
            return f"its bytes are not those of {group.keep.path} (any more)"
        if verb == "link" and os.stat(member.path).st_dev != os.stat(group.keep.path).st_dev:
            return "on another file system than the copy kept: a link cannot reach it"
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    return None


def _links(path: str) -> int:
    try:
        return os.stat(path, follow_symlinks=False).st_nlink
    except OSError:
        return 1


def carry_out(db, plan: Plan, command: str):
    """The plan as one journaled action, written before any file is touched, then done step by step
    (a step that fails puts back the ones done: StepProblem); the action."""
    from plexsh import journal

    if plan.verb == "remove":
        steps = [replace(journal.trash_step(m.path, sha256=m.sha256), origin=m.origin) for m in plan.moves]
    else:
        steps = [journal.link_step(m.path, m.kept, sha256=m.sha256) for m in plan.moves]
    action = journal.record(db, "dupes", command, steps)
    return journal.perform(db, action)
