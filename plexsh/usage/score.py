"""The usage score: how much a file or title is used, from how often and how lately it was played (pure)."""

from __future__ import annotations

from typing import Iterable

DEFAULT_HALF_LIFE_DAYS = 30.0
DAY = 86400.0

# Category floors, highest first: a score of 1 is one play today (or two a half-life ago).
CATEGORIES = (("very high", 4.0), ("high", 2.0), ("medium", 0.75), ("low", 0.25), ("very low", 0.0))
NEVER = "never"


def decayed(value: float, seconds: float, half_life_days: float) -> float:
    """`value` after `seconds` of exponential decay that halves it every `half_life_days`.

    >>> decayed(1.0, 30 * DAY, 30), decayed(8.0, 90 * DAY, 30), decayed(1.0, 0, 30)
    (0.5, 1.0, 1.0)
    """
    if seconds <= 0 or value == 0:
        return value
    return value * 0.5 ** (seconds / (half_life_days * DAY))


def usage_score(play_times: Iterable[float], now: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> float:
    """Frequency and recency in one number: every play counts 1 on its day, halved every half-life since.

    Worked example, half-life 30 days: plays today, 30 days ago and 60 days ago score
    1 + 0.5 + 0.25 = 1.75 ("medium"); one play 60 days ago alone scores 0.25 ("low"); four plays
    this morning score 4 ("very high"). More plays raise it, time lowers it, and nothing is ever
    forgotten entirely: old favourites rank above files never played.

    >>> day = 86400
    >>> usage_score([1000 * day, 970 * day, 940 * day], now=1000 * day, half_life_days=30)
    1.75
    >>> category(_), category(usage_score([940 * day], 1000 * day, 30)), category(usage_score([], 1000 * day))
    ('medium', 'low', 'never')
    """
    return sum(decayed(1.0, now - t, half_life_days) for t in play_times)


def score_now(score: float, score_at: float | None, now: float, half_life_days: float) -> float:
    """A score stored as of `score_at`, decayed to `now` (the totals keep scores so, not the plays).

    >>> score_now(1.75, 0.0, 30 * DAY, 30)
    0.875
    """
    if score_at is None:
        return 0.0
    return decayed(score, now - score_at, half_life_days)


def category(score: float, plays: int | None = None) -> str:
    """The score in words: very high, high, medium, low, very low; `never` when nothing was ever played.

    >>> category(5), category(2.0), category(1.0), category(0.3), category(0.01), category(0, plays=0)
    ('very high', 'high', 'medium', 'low', 'very low', 'never')
    """
    if plays == 0 or (plays is None and score <= 0):
        return NEVER
    for name, floor in CATEGORIES:
        if score >= floor:
            return name
    return CATEGORIES[-1][0]
