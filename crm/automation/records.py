"""The durable record the rules read: one row per event some enabled rule listens for,
written in the transaction of the change (so a rollback leaves none and a commit cannot lose
it), taken by one runner in the transaction of what its rules did, which marks it done (so
nothing runs twice). A claim with a lease, as runners before this one made, is honoured
while it holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    String,
    bindparam,
    exists,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate

from crm import events, listeners
from crm.automation.acting import change_depth
from crm.automation.spec import Trigger
from crm.claims import picked_once
from crm.models import CacheVersion, Rule, RuleEvent, RuleEventStatus, utcnow
from crm.models.base import UtcDateTime

# A person's change fires rules (depth 1); a rule's change fires rules once more (depth 2);
# what those change fires nothing, so no set of rules can loop.
MAX_DEPTH = 2
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(minutes=10)
ERROR_MAX = 500
# The ``cache_versions`` row that every change to ``rules`` bumps (triggers of migration 0013).
RULES_VERSION = "rules"


@dataclass(frozen=True, slots=True)
class Happened:
    trigger: Trigger
    lead_id: int
    facts: dict[str, Any]


def what_happened(event: events.DomainEvent) -> Happened | None:
    """The rule trigger a domain event is, with what may narrow it; None for events no rule
    listens for."""
    match event:
        case events.LeadCreated(lead_id=lead_id, source=source):
            return Happened(Trigger.LEAD_CREATED, lead_id, {"source": source})
        case events.StageChanged(lead_id=lead_id, to_stage_id=stage_id):
            return Happened(Trigger.STAGE_ENTERED, lead_id, {"stage_id": stage_id})
        case events.LeadWon(lead_id=lead_id):
            return Happened(Trigger.LEAD_WON, lead_id, {})
        case events.LeadLost(lead_id=lead_id, reason_code=reason):
            return Happened(Trigger.LEAD_LOST, lead_id, {"reason": reason.value})
        case events.OrderLinked(lead_id=lead_id, order_id=order_id, from_shop=True):
            return Happened(Trigger.SHOP_ORDER, lead_id, {"order_id": order_id})
        case events.CustomerWrote(lead_id=lead_id, channel=channel):
            return Happened(Trigger.CUSTOMER_WROTE, lead_id, {"channel": channel})
        case _:
            return None


async def record_for_rules(session: AsyncSession, happened: Sequence[events.DomainEvent]) -> None:
    """Write a row for each event an enabled rule listens for. Called with the events of the
    transaction, right before its commit."""
    depth = change_depth(session) + 1
    if depth > MAX_DEPTH:
        return
    for each in filter(None, map(what_happened, happened)):
        if not await listeners.rules_may_listen(session, each.trigger):
            continue
        await session.execute(
            _INSERT_IF_LISTENED,
            {
                "trigger": each.trigger,
                "lead_id": each.lead_id,
                "facts": each.facts,
                "depth": depth,
                "now": utcnow(),
            },
        )


def _insert_if_listened() -> Insert:
    """One statement that writes the row only when an enabled rule listens for its trigger:
    asking first and writing then would take two round trips."""
    columns = RuleEvent.__table__.c
    trigger = bindparam("trigger", type_=columns.trigger.type)
    now = bindparam("now", type_=columns.due_at.type)
    row = {
        "trigger": trigger,
        "lead_id": bindparam("lead_id", type_=columns.lead_id.type),
        "facts": bindparam("facts", type_=columns.facts.type),
        "depth": bindparam("depth", type_=columns.depth.type),
        "status": literal(RuleEventStatus.PENDING, columns.status.type),
        "due_at": now,
        "attempts": literal(0, columns.attempts.type),
        "created_at": now,
    }
    listened = exists().where(Rule.enabled.is_(True), Rule.trigger == trigger)
    return (
        insert(RuleEvent)
        .from_select(list(row), select(*row.values()).where(listened))
        .execution_options(dml_strategy="raw")
    )


# Built once: building it anew took about as long as running it.
_INSERT_IF_LISTENED = _insert_if_listened()


def _due(
    now: datetime | BindParameter[datetime],
    *,
    limit: int,
    also_claimed_by: str | BindParameter[str] | None = None,
) -> Select[Any]:
    """The oldest ``limit`` pending rows that are due and nobody else's (a claim whose lease
    ran out is nobody's), locked ``FOR UPDATE SKIP LOCKED``."""
    free = or_(RuleEvent.claimed_until.is_(None), RuleEvent.claimed_until < now)
    if also_claimed_by is not None:
        free = or_(free, RuleEvent.claimed_by == also_claimed_by)
    return (
        select(RuleEvent.id)
        .where(RuleEvent.status == RuleEventStatus.PENDING, RuleEvent.due_at <= now, free)
        .order_by(RuleEvent.due_at, RuleEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def take_due(
    session: AsyncSession, *, worker: str, now: datetime
) -> tuple[RuleEvent, int | None] | None:
    """The oldest due row, claimed and marked done in one statement: the first write of the
    transaction that applies its rules, so that transaction's commit is what makes it done and
    its rollback (or a crash) leaves it to run again. Two runners never take the same row: the
    lock is held until the commit, and the other skips the row or, once it is committed, sees
    it done. With it, the rules' version (None: not known), read in the same round trip. None
    when no row is due."""
    dialect = session.get_bind().dialect.name
    if dialect not in _TAKE:
        _TAKE[dialect] = _take(session)
    taken = (await session.execute(_TAKE[dialect], {"now": now, "worker": worker})).one_or_none()
    return None if taken is None else (taken[0], taken[1])


# take_due's statement, built once per dialect: building it anew took longer than running it.
_TAKE: dict[str, ReturningUpdate[RuleEvent, int | None]] = {}


def _take(session: AsyncSession) -> ReturningUpdate[RuleEvent, int | None]:
    now = bindparam("now", type_=UtcDateTime)
    candidates = _due(now, limit=1, also_claimed_by=bindparam("worker", type_=String))
    rules_version = (
        select(CacheVersion.version).where(CacheVersion.name == RULES_VERSION).scalar_subquery()
    )
    return (
        update(RuleEvent)
        .where(RuleEvent.id.in_(picked_once(session, candidates, "next_rule_event")))
        .values(status=RuleEventStatus.DONE, done_at=now, claimed_by=None, claimed_until=None)
        .returning(RuleEvent, rules_version)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


async def record_error(
    session: AsyncSession, *, record: RuleEvent, worker: str, now: datetime, error: str
) -> None:
    """An error that was not the rule's (the database, a bug): try again later, with backoff,
    and give up after ``MAX_ATTEMPTS``. The row is ``worker``'s claim or, when taken by
    :func:`take_due`, nobody's once that transaction rolled back."""
    attempts = record.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:ERROR_MAX]}
    if attempts >= MAX_ATTEMPTS:
        values["status"] = RuleEventStatus.FAILED
    else:
        values["due_at"] = now + min(BACKOFF_CAP, timedelta(seconds=2**attempts))
    await session.execute(
        update(RuleEvent)
        .where(
            RuleEvent.id == record.id,
            RuleEvent.status == RuleEventStatus.PENDING,
            or_(RuleEvent.claimed_by == worker, RuleEvent.claimed_by.is_(None)),
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
