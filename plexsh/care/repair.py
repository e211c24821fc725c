"""What resync does about verify's findings: the copies to fetch again (corrupted, then partial, then missing), the orphans it may trash, and what it leaves alone, with why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from plexsh.care.survey import COMPLETE, CORRUPTED, MISSING, ORPHANED, PARTIAL, SOURCE_CHANGED, Finding
from plexsh.engine.plan import Plan, PlanEntry, partial_path

__all__ = ["REPAIR_ORDER", "Left", "Repair", "RepairPlan", "plan_repairs"]

# The order copies are fetched again in: silent corruption first (the copy looks whole and is not),
# then interrupted copies (part of the bytes are there already), then copies that are gone.
REPAIR_ORDER = (CORRUPTED, PARTIAL, MISSING)

SOURCE_CHANGED_WHY = "not damaged: the NAS has a newer version (`get ... replace` fetches it)"
ORPHAN_WHY = "no source has it, or plexsh never placed it (`resync orphans` sends it to the trash)"


@dataclass(frozen=True)
class Repair:
    """One copy to fetch again: what verify found, and the plan entry the transfer engine copies."""

    finding: Finding
    entry: PlanEntry

    def as_dict(self) -> dict:
        return {**self.finding.as_dict(), "replaces": self.entry.replaces, "source": self.entry.source}


@dataclass(frozen=True)
class Left:
    """A finding resync does not act on, and why in words."""

    finding: Finding
    why: str

    def as_dict(self) -> dict:
        return {**self.finding.as_dict(), "why": self.why}


@dataclass(frozen=True)
class RepairPlan:
    """Everything resync would do: copies to fetch again in REPAIR_ORDER, orphans to trash (when asked),
    what it cannot repair (`failed`) and what it leaves alone."""

    repairs: tuple[Repair, ...]
    orphans: tuple[Finding, ...]
    failed: tuple[Left, ...]
    left_alone: tuple[Left, ...]
    complete: int

    @property
    def entries(self) -> list[PlanEntry]:
        return [r.entry for r in self.repairs]

    def transfer_plan(self) -> Plan:
        """The repairs as a transfer plan (its room per file system checked like a get's)."""
        from plexsh.engine.plan import _space

        return Plan(tuple(self.entries), _space(self.entries))

    @property
    def total(self) -> int:
        return sum(r.entry.size for r in self.repairs)


def plan_repairs(catalog, findings: Iterable[Finding], *, orphans: bool = False) -> RepairPlan:
    """The repair plan for verify's findings over the catalog: each damaged copy becomes a plan entry
    copying its source file again to the same path (a copy still there is replaced only once its new
    copy is verified: the entry `replaces` it); orphans are trashed only when ORPHANS is asked."""
    findings = list(findings)
    files = _source_files(catalog, findings)
    repairs, failed, left, trash = [], [], [], []
    for finding in sorted(findings, key=_order):
        if finding.state in REPAIR_ORDER:
            found = files.get(finding.file_id)
            if found is None:
                failed.append(Left(finding, "its source file is no longer in the catalog (`scan`, then `verify`)"))
                continue
            repairs.append(Repair(finding, _entry(found, finding)))
        elif finding.state == SOURCE_CHANGED:
            left.append(Left(finding, SOURCE_CHANGED_WHY))
        elif finding.state == ORPHANED:
            if orphans:
                trash.append(finding)
            else:
                left.append(Left(finding, ORPHAN_WHY))
    complete = sum(1 for f in findings if f.state == COMPLETE)
    return RepairPlan(tuple(repairs), tuple(trash), tuple(failed), tuple(left), complete)


def _order(finding: Finding) -> tuple:
    """Repairs in REPAIR_ORDER, then everything else; the path keeps each group in a stable order."""
    rank = REPAIR_ORDER.index(finding.state) if finding.state in REPAIR_ORDER else len(REPAIR_ORDER)
    return rank, finding.path


def _entry(found: tuple, finding: Finding) -> PlanEntry:
    """The copy of FOUND's file to the path the damaged copy has (wherever its get put it), replacing
    what is there, if anything."""
    item, file = found
    destination = Path(finding.path)
    return PlanEntry(item, file, destination, partial_path(destination), file.size,
                     replaces=os.path.lexists(destination))


def _source_files(catalog, findings: Sequence[Finding]) -> dict[int, tuple]:
    """file id -> (item, file row) for the findings to repair, read title by title."""
    wanted: dict[int, set[int]] = {}
    for finding in findings:
        if finding.state in REPAIR_ORDER and finding.file_id is not None and finding.item_id is not None:
            wanted.setdefault(finding.item_id, set()).add(finding.file_id)
    found = {}
    for item_id, file_ids in wanted.items():
        item = catalog.item(item_id)
        if item is None:
            continue
        for file in catalog.files(item_id):
            if file.id in file_ids:
                found[file.id] = (item, file)
    return found
