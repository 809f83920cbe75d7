"""Domain events: what happened, collected during a transaction and delivered after commit.

Services call :func:`record` on the session; the caller takes them with
:func:`take_collected` once the transaction has committed, so nobody is told about a change
that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from crm.models.enums import LostReason

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
    """Lost for ``reason_code``; ``reason_text`` holds the rep's words when the code is OTHER.
    Each reader gets the code in their own language (the ``lost-reason-*`` locale keys)."""

    lead_id: int
    reason_code: LostReason
    reason_text: str | None


@dataclass(frozen=True, slots=True)
class LeadAssigned(DomainEvent):
    lead_id: int
    from_user_id: int | None
    to_user_id: int


@dataclass(frozen=True, slots=True)
class ContactReturned(DomainEvent):
    """Someone with an open lead wrote again (a web form, WhatsApp): the lead's owner is told."""

    lead_id: int
    responsible_id: int | None
    source: str


@dataclass(frozen=True, slots=True)
class TaskDone(DomainEvent):
    task_id: int
    lead_id: int | None


@dataclass(frozen=True, slots=True)
class CustomerWrote(DomainEvent):
    """A customer wrote over a messaging channel (WhatsApp, the website's chat)."""

    lead_id: int
    channel: str


@dataclass(frozen=True, slots=True)
class OrderLinked(DomainEvent):
    """An order now belongs to a lead: converted from it, or (``from_shop``) a new order from
    the shop that opened or joined it."""

    lead_id: int
    order_id: int
    from_shop: bool = False


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """What a rolled-back transaction did never happened: nobody is told of it."""
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)


def record(session: AsyncSession, happened: DomainEvent) -> None:
    session.sync_session.info.setdefault(_KEY, []).append(happened)


def take_collected(session: AsyncSession) -> list[DomainEvent]:
    """Remove and return the events recorded on ``session``."""
    events: list[DomainEvent] = session.sync_session.info.pop(_KEY, [])
    return events
