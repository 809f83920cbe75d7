"""Domain events: what happened, collected during a transaction and delivered after commit.

Services call :func:`record` on the session; the caller takes them with
:func:`take_collected` once the transaction has committed, so nobody is told about a change
that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

_KEY = "crm_events"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    actor_id: int | None


@dataclass(frozen=True, slots=True)
class LeadCreated(DomainEvent):
    lead_id: int
    responsible_id: int | None
    source: str


@dataclass(frozen=True, slots=True)
class StageChanged(DomainEvent):
    lead_id: int
    from_stage_id: int
    to_stage_id: int


@dataclass(frozen=True, slots=True)
class LeadWon(DomainEvent):
    lead_id: int
    value: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class LeadLost(DomainEvent):
    lead_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class LeadAssigned(DomainEvent):
    lead_id: int
    from_user_id: int | None
    to_user_id: int


@dataclass(frozen=True, slots=True)
class TaskDue(DomainEvent):
    task_id: int
    assignee_id: int


def record(session: AsyncSession, event: DomainEvent) -> None:
    session.sync_session.info.setdefault(_KEY, []).append(event)


def take_collected(session: AsyncSession) -> list[DomainEvent]:
    """Remove and return the events recorded on ``session``."""
    events: list[DomainEvent] = session.sync_session.info.pop(_KEY, [])
    return events
