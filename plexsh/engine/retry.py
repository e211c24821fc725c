"""Retry policy for transfers: what each error kind leads to, and backoff delays with jitter."""

from __future__ import annotations

import random
from typing import Literal

Decision = Literal["fresh", "backoff", "fail"]

# Copier error kinds (plus the supervisor's own "stall" and "verify") -> what to do next.
_DECISIONS: dict[str, Decision] = {
    "source_changed": "fresh",  # re-fetch at once from byte 0: never store a mix of two versions
    "verify": "fresh",  # a checksum mismatch: start again from scratch
    "no_space": "fail",  # kept for resume once there is room
    "dest_unwritable": "fail",
    "conflict": "fail",  # another file appeared at the destination: never replaced unasked
    "source_unreadable": "backoff",  # a NAS that went away may come back
    "permission_denied": "fail",  # the NAS answered: plexsh may not read it, and waiting changes nothing
    "source_refused": "fail",  # not a regular file inside its source (a FIFO, a link out of it)
    "network": "backoff",  # rsync: connection lost, timeouts, daemon not answering
    "fatal": "fail",  # rsync: usage, unsupported, unknown module, refused login, out of memory
    "stall": "backoff",
    "other": "backoff",
}


def decide(kind: str | None) -> Decision:
    """What a failed attempt of a given error kind leads to.

    >>> [decide(k) for k in ("source_changed", "no_space", "stall", "surprise", "permission_denied")]
    ['fresh', 'fail', 'backoff', 'backoff', 'fail']
    """
    return _DECISIONS.get(kind or "other", "backoff")


def backoff_delay(retry: int, base: float, maximum: float, mode: str = "exponential",
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `retry` (1 for the first), capped, with jitter.

    The delay is drawn between half and all of the nominal one ("equal jitter"), so workers
    that failed together do not retry together.

    >>> r = random.Random(0)
    >>> [round(backoff_delay(n, 2, 300, rng=r), 2) for n in (1, 2, 3, 10)]
    [1.84, 3.52, 5.68, 188.84]
    >>> backoff_delay(3, 2, 300, "constant", rng=random.Random(1)) <= 2
    True
    """
    rng = rng or random
    retry = max(1, retry)
    if mode == "constant":
        nominal = base
    elif mode == "linear":
        nominal = base * retry
    else:
        nominal = base * 2 ** min(retry - 1, 60)
    nominal = min(nominal, maximum) if maximum > 0 else nominal
    return nominal * rng.uniform(0.5, 1.0)
