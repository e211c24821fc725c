"""Recommendation rules: pure functions from titles' usage (plain data) and a clock to suggestions with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from plexsh.library.selection import spans
from plexsh.printable import quoted
from plexsh.sizes import format_size
from plexsh.usage.reports import FileUsage, TitleUsage

DAY = 86400.0
NEXT_COUNT = 3                 # `get "Show" next 3`
ARCHIVE_MIN_BYTES = 1 << 30    # "large": a local title of at least 1 GiB
ARCHIVE_CATEGORIES = ("very low", "low")
KEEP_CATEGORIES = ("very high", "high")
KEEP_SHOWN = 3


@dataclass(frozen=True)
class Recommendation:
    """One suggestion: what kind, about which title, why (one line), and the command that acts on it,
    as `verb TITLE args` where TITLE is how the title is typed (quoted, with a kind word or year if needed)."""

    kind: str            # next | season | cleanup | archive | keep
    item_id: int
    title: str
    reason: str
    verb: str
    args: str = ""
    bytes: int = 0       # what the command frees (cleanup, archive) or fetches (next, season)

    def command(self, pick: str | None = None) -> str:
        """The command text; `pick` is the title as typed (default: the title quoted)."""
        return " ".join(part for part in (self.verb, pick or quoted(self.title), self.args) if part)

    def as_dict(self, pick: str | None = None) -> dict:
        return {"kind": self.kind, "item_id": self.item_id, "title": self.title, "reason": self.reason,
                "command": self.command(pick), "bytes": self.bytes}


def _days(seconds: float) -> str:
    days = int(seconds // DAY)
    return "today" if days <= 0 else "1 day ago" if days == 1 else f"{days} days ago"


def _regular(files: Iterable[FileUsage]) -> list[FileUsage]:
    """Episode files outside the specials, in order (the next episode is never a special)."""
    return sorted((f for f in files if f.season not in (None, 0) and f.episodes), key=lambda f: f.order)


def episode_selection(files: Iterable[FileUsage]) -> str:
    """The selection words naming these episode files, season by season.

    >>> from plexsh.usage.reports import FileUsage as F
    >>> episode_selection([F(1, 1, 2, (3,)), F(2, 1, 2, (4,)), F(3, 1, 3, (1,))])
    's2 e3-4 s3 e1'
    """
    by_season: dict[int, set[int]] = {}
    for f in files:
        by_season.setdefault(f.season, set()).update(f.episodes)
    return " ".join(f"s{season} e{spans(eps).replace(', ', ',')}" for season, eps in sorted(by_season.items()))


def next_episodes(titles: Iterable[TitleUsage], now: float, count: int = NEXT_COUNT) -> list[Recommendation]:
    """For each show in progress, the episodes after the last one played that are not local yet.

    The action is `get "Show" next N` when those are the N after the last local episode (what `next`
    fetches), else the episodes by name. When they start a season added to the NAS after the last
    play, it is the new season that is suggested (`get "Show" s3`).
    """
    found = []
    for title in titles:
        if title.kind != "show":
            continue
        episodes = _regular(title.files)
        played = [f for f in episodes if f.uses]
        if not played:
            continue
        last = max(played, key=lambda f: f.order)
        after = [f for f in episodes if f.order > last.order]
        missing = [f for f in after if not f.local]
        if not missing:
            continue
        first = missing[0]
        last_played_at = max(f.last_use or 0 for f in played)
        season = [f for f in episodes if f.season == first.season]
        if (first.season > last.season and all(not f.local for f in season)
                and all(f.added > last_played_at for f in season)):
            size = sum(f.size for f in season)
            found.append(Recommendation(
                "season", title.item_id, title.title,
                f"season {first.season} appeared on the NAS after you watched {last.code}; "
                f"{len(season)} episode{'s' if len(season) != 1 else ''}, {format_size(size)}",
                "get", f"s{first.season}", size))
            continue
        wanted = missing[:count]
        local_after = [f for f in episodes if f.local]
        last_local = max(local_after, key=lambda f: f.order) if local_after else None
        by_next = [f for f in episodes if last_local is None or f.order > last_local.order][:count]
        args = f"next {len(wanted)}" if by_next == wanted else episode_selection(wanted)
        size = sum(f.size for f in wanted)
        codes = wanted[0].code + (f" to {wanted[-1].code}" if len(wanted) > 1 else "")
        found.append(Recommendation(
            "next", title.item_id, title.title,
            f"you watched {last.code} {_days(now - last_played_at)}; {codes} not local yet ({format_size(size)})",
            "get", args, size))
    return found


def cleanup(titles: Iterable[TitleUsage], now: float, after_days: float) -> list[Recommendation]:
    """Local copies to remove: seasons played to their end and untouched for `after_days`, and copies
    never played `after_days` after they were copied; with the space each frees."""
    limit = after_days * DAY
    found = []
    for title in titles:
        local = [f for f in title.files if f.local]
        if not local:
            continue
        if title.kind == "movie":
            if not title.uses and all(now - (f.synced_at or now) >= limit for f in local):
                copied = min(f.synced_at for f in local)
                found.append(Recommendation(
                    "cleanup", title.item_id, title.title,
                    f"never played since it was copied {_days(now - copied)}; {format_size(title.local_bytes)}",
                    "rm", "", title.local_bytes))
            continue
        episodes = _regular(title.files)
        done_seasons = set()
        for season in sorted({f.season for f in episodes}):
            in_season = [f for f in episodes if f.season == season]
            local_season = [f for f in in_season if f.local]
            end = title.season_ends.get(season, in_season[-1].order[1])
            if not local_season or not any(f.uses and end in f.episodes for f in in_season):
                continue
            touched = max((f.last_use or f.synced_at or 0) for f in local_season)
            if now - touched < limit:
                continue
            size = sum(f.local_size for f in local_season)
            done_seasons.add(season)
            found.append(Recommendation(
                "cleanup", title.item_id, title.title,
                f"watched S{season:02d} to the end {_days(now - touched)}; {format_size(size)}",
                "rm", f"s{season}", size))
        unplayed = [f for f in episodes if f.local and f.season not in done_seasons and not f.uses
                    and now - (f.synced_at or now) >= limit]
        if unplayed:
            size = sum(f.local_size for f in unplayed)
            copied = min(f.synced_at for f in unplayed)
            found.append(Recommendation(
                "cleanup", title.item_id, title.title,
                f"{len(unplayed)} episode{'s' if len(unplayed) != 1 else ''} never played since copied "
                f"{_days(now - copied)}; {format_size(size)}", "rm", episode_selection(unplayed), size))
    return sorted(found, key=lambda r: (-r.bytes, r.title.lower(), r.item_id, r.args))


def archive(titles: Iterable[TitleUsage], now: float, min_bytes: int = ARCHIVE_MIN_BYTES,
            skip: Iterable[int] = ()) -> list[Recommendation]:
    """Large local titles played but rarely (a low score): removing the copy frees the space, the NAS keeps them."""
    skip = set(skip)
    found = []
    for title in titles:
        if title.item_id in skip or not title.uses or title.local_bytes < min_bytes:
            continue
        if title.category in ARCHIVE_CATEGORIES:
            found.append(Recommendation(
                "archive", title.item_id, title.title,
                f"rarely used (score {title.score:.2f}, {title.category}), last played {_days(now - title.last_use)}; "
                f"{format_size(title.local_bytes)}", "rm", "", title.local_bytes))
    return sorted(found, key=lambda r: (-r.bytes, r.title.lower(), r.item_id))


def keep(titles: Iterable[TitleUsage], now: float, shown: int = KEEP_SHOWN) -> list[Recommendation]:
    """The most used local titles, so a user knows what not to remove."""
    used = sorted((t for t in titles if t.local_bytes and t.category in KEEP_CATEGORIES), key=lambda t: -t.score)
    return [Recommendation("keep", t.item_id, t.title,
                           f"your most used: {t.uses} play{'s' if t.uses != 1 else ''}, last {_days(now - t.last_use)} "
                           f"(score {t.score:.2f}, {t.category})", "usage", "", t.local_bytes)
            for t in used[:shown]]


# How many of each kind `recommend` lists: the most recently watched shows, the largest cleanups.
SHOWN = {"next": 10, "cleanup": 10, "archive": 5}


def recommendations(titles: Iterable[TitleUsage], now: float, cleanup_after_days: float,
                    archive_min_bytes: int = ARCHIVE_MIN_BYTES, shown: dict[str, int] = SHOWN,
                    next_found: list[Recommendation] | None = None) -> list[Recommendation]:
    """Every rule's suggestions in the order they are numbered: next episodes and new seasons (the
    shows watched most lately first), cleanup and archive (the most space first), keep. The same data
    gives the same list, so `recommend apply N` acts on what was shown. `next_found`: next_episodes'
    suggestions worked out already (by a caller that read the shows' episodes in batches)."""
    titles = sorted(titles, key=lambda t: (t.title.lower(), t.item_id))
    last_use = {t.item_id: t.last_use or 0 for t in titles}
    first = sorted(next_episodes(titles, now) if next_found is None else next_found, key=lambda r: (-last_use[r.item_id], r.title.lower(), r.item_id))
    cleaned = cleanup(titles, now, cleanup_after_days)
    archived = archive(titles, now, archive_min_bytes, skip={r.item_id for r in cleaned})
    return [*first[:shown["next"]], *cleaned[:shown["cleanup"]], *archived[:shown["archive"]], *keep(titles, now)]
