"""Who is told about what happened: domain events become outbox rows for each person who
wants to know, in the same transaction as the change, due when their working hours allow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Integer, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events, outbox, webhooks
from crm.audience import managers_and_owners_wanting, managers_wanting, staff_wanting
from crm.automation.records import record_for_rules
from crm.models import Notification, Staff, utcnow
from crm.services.access import readers_of, readers_of_lead
from crm.working_hours import next_working_moment

LEAD_CREATED = "lead_created"
LEAD_WON = "lead_won"
LEAD_LOST = "lead_lost"
LEAD_ASSIGNED = "lead_assigned"
LEAD_RETURNED = "lead_returned"
_LEAD_PARAMETER = "audience_lead_id"
_OWNER_PARAMETER = "audience_owner_id"


async def enqueue_for_events(
    session: AsyncSession, happened: Sequence[events.DomainEvent], *, now: datetime | None = None
) -> None:
    """Write an outbox row per event and interested person; the actor is never told of
    their own doing."""
    now = now or utcnow()
    new_lead_audiences = await _new_lead_audiences(session, happened)
    messages = [
        outbox.NewMessage(
            recipient_id=recipient.id,
            kind=kind,
            payload={"lead_id": _lead_id(event), "actor_id": event.actor_id},
            due_at=next_working_moment(recipient, now),
        )
        for event in happened
        for recipient, kind in await _audience(session, event, new_lead_audiences)
    ]
    await outbox.enqueue_many(session, messages)


# Who hears of a new lead given to an owner (None: nobody): the managers who see the owner's
# leads, and the owner if they want to be told.
NewLeadAudiences = dict[int | None, tuple[list[Staff], Staff | None]]


async def _new_lead_audiences(
    session: AsyncSession, happened: Sequence[events.DomainEvent]
) -> NewLeadAudiences:
    """The audiences of the new leads among ``happened``, by owner: asked once for them all,
    however many leads each owner was given (a web form's burst)."""
    owner_ids = {
        event.responsible_id for event in happened if isinstance(event, events.LeadCreated)
    }
    owned = await managers_and_owners_wanting(
        session,
        Notification.NEW_LEADS,
        readers_of_work=readers_of,
        owner_ids=sorted(owner_id for owner_id in owner_ids if owner_id is not None),
        owners_notification=Notification.ASSIGNED,
    )
    audiences: NewLeadAudiences = dict(owned.items())
    if None in owner_ids:
        managers = await managers_wanting(
            session,
            Notification.NEW_LEADS,
            about=_readers_of_owners_work(),
            params={_OWNER_PARAMETER: None},
        )
        audiences[None] = (managers, None)
    return audiences


async def _audience(
    session: AsyncSession, event: events.DomainEvent, new_lead_audiences: NewLeadAudiences
) -> list[tuple[Staff, str]]:
    match event:
        case events.LeadCreated(responsible_id=responsible_id):
            managers, owner = new_lead_audiences[responsible_id]
            told = [(m, LEAD_CREATED) for m in managers]
            if owner is not None and owner not in managers:
                told.append((owner, LEAD_ASSIGNED))
            return _without_actor(told, event.actor_id)
        case events.LeadWon(lead_id=lead_id):
            managers = await managers_wanting(
                session,
                Notification.WINS_AND_LOSSES,
                about=_readers_of_a_lead(),
                params=_lead(lead_id),
            )
            return _without_actor([(m, LEAD_WON) for m in managers], event.actor_id)
        case events.LeadLost(lead_id=lead_id):
            managers = await managers_wanting(
                session,
                Notification.WINS_AND_LOSSES,
                about=_readers_of_a_lead(),
                params=_lead(lead_id),
            )
            return _without_actor([(m, LEAD_LOST) for m in managers], event.actor_id)
        case events.ContactReturned(lead_id=lead_id, responsible_id=None):
            managers = await managers_wanting(
                session, Notification.NEW_LEADS, about=_readers_of_a_lead(), params=_lead(lead_id)
            )
            return [(m, LEAD_RETURNED) for m in managers]
        case events.ContactReturned(responsible_id=owner_id):
            owner = await _staff_wanting(session, owner_id, Notification.ASSIGNED)
            return [(owner, LEAD_RETURNED)] if owner is not None else []
        case events.LeadAssigned(to_user_id=owner_id):
            owner = await _staff_wanting(session, owner_id, Notification.ASSIGNED)
            told = [(owner, LEAD_ASSIGNED)] if owner is not None else []
            return _without_actor(told, event.actor_id)
        case _:
            return []


@cache
def _readers_of_a_lead() -> ColumnElement[bool]:
    """Who may read the lead bound as ``_LEAD_PARAMETER``: built once, since composing that
    rule costs more than the query it goes into."""
    return readers_of_lead(bindparam(_LEAD_PARAMETER, type_=Integer))


@cache
def _readers_of_owners_work() -> ColumnElement[bool]:
    """Who may read the leads of the person bound as ``_OWNER_PARAMETER``: built once."""
    return readers_of(bindparam(_OWNER_PARAMETER, type_=Integer))


def _lead(lead_id: int) -> dict[str, int]:
    return {_LEAD_PARAMETER: lead_id}


def _lead_id(event: events.DomainEvent) -> int | None:
    lead_id: int | None = getattr(event, "lead_id", None)
    return lead_id


def _without_actor(told: list[tuple[Staff, str]], actor_id: int | None) -> list[tuple[Staff, str]]:
    return [(staff, kind) for staff, kind in told if staff.id != actor_id]


async def _staff_wanting(
    session: AsyncSession, staff_id: int | None, notification: Notification
) -> Staff | None:
    if staff_id is None:
        return None
    return (await staff_wanting(session, [staff_id], notification)).get(staff_id)


async def commit_with_notifications(session: AsyncSession) -> None:
    """Commit the unit of work: what its events tell people is written to the outbox, the
    deliveries of outgoing webhooks and what the automation rules should look at to their
    records, all in the same transaction, so a commit means they will happen and a rollback
    that they won't."""
    happened = events.take_collected(session)
    await enqueue_for_events(session, happened)
    await webhooks.enqueue_deliveries(session, happened)
    await record_for_rules(session, happened)
    await session.commit()
