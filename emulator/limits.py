"""Telegram's flood limits on sending, as token buckets.

Telegram lets a bot send about 30 messages a second overall, about one a second to one chat
(short bursts pass) and 20 a minute to one group. Each limit here is a bucket that holds up to
``burst`` sends and refills at the allowed rate; a send that finds any bucket empty is answered
429 with ``retry_after`` set to the seconds until that bucket has a send again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimits:
    """Sending limits of one bot; None switches a limit off."""

    per_bot_per_second: float | None = 30.0
    per_bot_burst: int = 30
    per_chat_per_second: float | None = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: float | None = 20.0
    per_group_burst: int = 20

    @classmethod
    def unlimited(cls) -> RateLimits:
        return cls(per_bot_per_second=None, per_chat_per_second=None, per_group_per_minute=None)


@dataclass(frozen=True)
class RateLimitHit:
    """One 429 the emulator answered, kept so tests can assert a bot never caused one."""

    bot_id: int
    chat_id: int
    method: str
    limit: str
    retry_after: int
    at: float


@dataclass
class _TokenBucket:
    capacity: float
    refill_per_second: float
    tokens: float
    updated_at: float

    def seconds_until_available(self, now: float) -> float:
        self._refill(now)
        return max(0.0, (1 - self.tokens) / self.refill_per_second)

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated_at = now


@dataclass
class SendLimiter:
    """The buckets of one bot: one for the bot, one per chat, one more per group chat."""

    limits: RateLimits
    clock: Callable[[], float]
    _bot_bucket: _TokenBucket | None = field(default=None, init=False)
    _chat_buckets: dict[int, _TokenBucket] = field(default_factory=dict, init=False)
    _group_buckets: dict[int, _TokenBucket] = field(default_factory=dict, init=False)

    def try_send(self, chat_id: int) -> tuple[str, int] | None:
        """Count a send to chat_id; if a limit is exhausted, return its name and retry_after."""
        now = self.clock()
        buckets = self._buckets_for(chat_id, now)
        waits = {name: bucket.seconds_until_available(now) for name, bucket in buckets.items()}
        exhausted = max(waits, key=lambda name: waits[name], default=None)
        if exhausted is not None and waits[exhausted] > 0:
            return exhausted, max(1, math.ceil(waits[exhausted]))
        for bucket in buckets.values():
            bucket.take(now)
        return None

    def _buckets_for(self, chat_id: int, now: float) -> dict[str, _TokenBucket]:
        limits = self.limits
        buckets: dict[str, _TokenBucket] = {}
        if limits.per_bot_per_second is not None:
            if self._bot_bucket is None:
                self._bot_bucket = _new_bucket(limits.per_bot_burst, limits.per_bot_per_second, now)
            buckets["bot"] = self._bot_bucket
        if limits.per_chat_per_second is not None:
            buckets["chat"] = self._chat_buckets.setdefault(
                chat_id, _new_bucket(limits.per_chat_burst, limits.per_chat_per_second, now)
            )
        if limits.per_group_per_minute is not None and chat_id < 0:
            buckets["group"] = self._group_buckets.setdefault(
                chat_id, _new_bucket(limits.per_group_burst, limits.per_group_per_minute / 60, now)
            )
        return buckets


def _new_bucket(burst: int, per_second: float, now: float) -> _TokenBucket:
    return _TokenBucket(capacity=burst, refill_per_second=per_second, tokens=burst, updated_at=now)
