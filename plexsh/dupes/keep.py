"""Which copy of a duplicate group to keep, and why in one line: best resolution, then verified, then the Plex layout, then size."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping

from plexsh.library.catalog import quality_lines
from plexsh.library.names import ParsedName
from plexsh.sizes import format_size

from .groups import Candidate


def _lines(member: Candidate, parsed: Mapping[str, ParsedName] | None) -> int:
    """Lines of resolution the member's name gives (0 when it says none, or when names are not to be
    weighed: the members of an exact group are the same bytes whatever their names claim)."""
    if parsed is None or member.path not in parsed:
        return 0
    return quality_lines(parsed[member.path].resolution) or 0


def _resolution_words(member: Candidate, parsed: Mapping[str, ParsedName] | None) -> str:
    name = parsed.get(member.path) if parsed else None
    return name.resolution if name is not None and name.resolution else "no stated resolution"


def _rank(member: Candidate, parsed: Mapping[str, ParsedName] | None) -> tuple:
    """Bigger is better; the path (smallest first) breaks ties, so the same group always keeps the same copy."""
    return (_lines(member, parsed), member.verified, member.in_plex_layout, member.size)


def choose_keep(members: list[Candidate], parsed: Mapping[str, ParsedName] | None = None, *,
                verified_at: Mapping[str, float] | None = None) -> tuple[Candidate, str]:
    """The member to keep and the one-line reason it wins over the best of the others.

    `parsed` maps a member's path to what its name says (media groups); without it resolution is
    not weighed (exact groups: same bytes). `verified_at` maps a verified member's path to when
    plexsh verified it (unix seconds), for the reason's date.

    >>> a = Candidate("Movies/Heat (1995)/Heat.1995.1080p.mkv", 8, None, "local", verified=True)
    >>> b = Candidate("Heat.1995.2160p.mkv", 9, None, "local")
    >>> from plexsh.library.names import parse_path
    >>> keep, reason = choose_keep([a, b], {m.path: parse_path(m.path) for m in (a, b)})
    >>> keep is b, reason
    (True, '2160p beats 1080p')
    >>> choose_keep([b, a])[1]
    'verified (the others are not)'
    """
    if not members:
        raise ValueError("a group has members")
    ordered = sorted(members, key=lambda m: m.path)
    ordered.sort(key=lambda m: _rank(m, parsed), reverse=True)
    keep = ordered[0]
    if len(ordered) == 1:
        return keep, "the only copy"
    runner = ordered[1]
    if _lines(keep, parsed) > _lines(runner, parsed):
        return keep, f"{_resolution_words(keep, parsed)} beats {_resolution_words(runner, parsed)}"
    if keep.verified and not runner.verified:
        when = (verified_at or {}).get(keep.path)
        if when:
            return keep, f"verified on {datetime.fromtimestamp(when).date().isoformat()}"
        return keep, "verified (the others are not)"
    if keep.in_plex_layout and not runner.in_plex_layout:
        return keep, "inside the Plex layout"
    if keep.size > runner.size:  # of one quality, the larger file has the more bits per frame (plan.best_version too)
        return keep, f"the larger file ({format_size(keep.size)} beats {format_size(runner.size)})"
    return keep, "as good as the others: the first by path"
