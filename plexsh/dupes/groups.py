"""The shapes every duplicate finder returns: a Candidate file and a Group of them with the copy to keep."""

from __future__ import annotations

from dataclasses import dataclass

# The words a group's confidence may take, surest first.
CONFIDENCES = ("very high", "high", "medium", "low")
KINDS = ("exact", "media")


@dataclass(frozen=True)
class Candidate:
    """One file that may be a duplicate of another.

    `where` says what it is: a local copy ("local"), a file of a NAS source in the catalog
    ("nas") or a file found in a folder the user named ("folder"). `verified` is true when
    plexsh checked this copy's bytes (a verified get or `verify`); `in_plex_layout` when it lies
    where Plex's naming puts it (Movies/Title (Year)/..., TV/Show/Season NN/...).
    """

    path: str
    size: int
    sha256: str | None
    where: str
    verified: bool = False
    in_plex_layout: bool = False
    item_id: int | None = None
    file_id: int | None = None

    def as_dict(self) -> dict:
        """JSON-ready fields (the path as stored: see plexsh.library.pathtext)."""
        return {
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "where": self.where,
            "verified": self.verified,
            "in_plex_layout": self.in_plex_layout,
            "item_id": self.item_id,
            "file_id": self.file_id,
        }


@dataclass
class Group:
    """Files that hold the same thing: the same bytes ("exact") or the same film or episode ("media").

    `identity` names what they share ("Heat (1995)", "Fargo S01E03", or the SHA-256 of an exact
    group); `keep` is one of `members`, and `reason` says in one line why it is the one kept.
    """

    kind: str
    confidence: str
    identity: str
    members: list[Candidate]
    keep: Candidate
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a group's kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"a group's confidence is one of {', '.join(CONFIDENCES)}, not {self.confidence!r}")
        if self.keep not in self.members:
            raise ValueError("a group keeps one of its own members")

    @property
    def others(self) -> list[Candidate]:
        """The members that are not kept: what `remove` or `link` would act on."""
        return [member for member in self.members if member != self.keep]

    @property
    def reclaimable(self) -> int:
        """Bytes freed by removing every member but the kept one."""
        return sum(member.size for member in self.others)

    def as_dict(self) -> dict:
        """The group as JSON (docs/json.md): members in order, the kept one's path and why."""
        return {
            "kind": self.kind,
            "confidence": self.confidence,
            "identity": self.identity,
            "members": [member.as_dict() for member in self.members],
            "keep": self.keep.path,
            "reason": self.reason,
            "reclaimable": self.reclaimable,
        }
