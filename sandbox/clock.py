"""The sandbox's time: real time plus however far the person moved it forward."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.models import utcnow


class SandboxClock:
    """Called like ``utcnow``; the scheduler and the outbox sender read this one, so moving it
    forward makes reminders, idle-deal nudges and digests come due without waiting."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def advance(self, by: timedelta) -> datetime:
        if by <= timedelta():
            raise ValueError("the sandbox clock only moves forward")
        self.ahead += by
        return self()
