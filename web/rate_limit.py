"""A per-key rate limit against spam bots: each key may send ``per_minute`` requests a minute,
in bursts up to that many; one more is refused with the seconds to wait.

The buckets live in this process: with several instances behind a balancer each allows its
share, which is what a limit against runaway senders needs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# Keys are remembered up to this many; the least recently seen are forgotten first.
MAX_KEYS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def wait_needed(self, key: str) -> int:
        """Take one request for ``key``: 0 when allowed, else the whole seconds to wait."""
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > MAX_KEYS:
            del self._buckets[next(iter(self._buckets))]
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.per_second))
