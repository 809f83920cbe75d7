"""The durable record the rules read: one row per event some enabled rule listens for,
written in the transaction of the change (so a rollback leaves none and a commit cannot lose
it), taken by one runner in the transaction of what its rules did, which marks it done (so
nothing runs twice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate

from crm import events, listeners
from crm.automation.acting import change_depth
from crm.automation.spec import NARROWING_FACTS, LeadFacts, Trigger
from crm.claims import picked_once_on
from crm.models import CacheVersion, Lead, Rule, RuleEvent, RuleEventStatus, table_of, utcnow
from crm.models.base import UtcDateTime
from crm.wakeups import Queue, queued

# A person's change fires rules (depth 1); a rule's change fires rules once more (depth 2);
# what those change fires nothing, so no set of rules can loop.
MAX_DEPTH = 2
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(minutes=10)
ERROR_MAX = 500
# Records done or given up on are kept this long (for a look at what ran), then forgotten.
KEEP_SETTLED = timedelta(days=30)
FORGOTTEN_PER_ROUND = 5000
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
    """Write a row for each event an enabled rule listens for, narrowing and all (a rule on
    entering another stage does not listen for this one). Called with the events of the
    transaction, right before its commit."""
    depth = change_depth(session) + 1
    if depth > MAX_DEPTH:
        return
    for each in filter(None, map(what_happened, happened)):
        if not await listeners.rules_may_listen(session, each.trigger):
            continue
        narrowed_by = next((name for name in NARROWING_FACTS if name in each.facts), None)
        parameters = {
            "trigger": each.trigger,
            "lead_id": each.lead_id,
            "facts": each.facts,
            "depth": depth,
            "now": utcnow(),
        }
        if narrowed_by is not None:
            parameters["narrowed"] = each.facts[narrowed_by]
        written = await session.execute(_insert_if_listened(narrowed_by), parameters)
        if written.rowcount:  # type: ignore[attr-defined]
            queued(session, Queue.RULE_EVENTS)


@cache
def _insert_if_listened(narrowed_by: str | None) -> Insert:
    """One statement that writes the row only when an enabled rule listens for its trigger
    and, for a trigger an event's fact narrows (``narrowed_by``: the stage entered, the
    source...), the rule is not narrowed to another value: asking first and writing then
    would take two round trips. Checked by the change's own transaction, at its commit, so a
    rule committed before it is seen and none is missed through a stale copy. Built once per
    narrowing: building it anew took about as long as running it."""
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
    if narrowed_by is not None:
        path = Rule.spec[("when", narrowed_by)]
        narrowing: ColumnElement[Any]
        narrowed: BindParameter[Any]
        if narrowed_by == "stage_id":
            narrowing = path.as_integer()
            narrowed = bindparam("narrowed", type_=Integer)
        else:
            narrowing = path.as_string()
            narrowed = bindparam("narrowed", type_=String)
        listened = listened.where(or_(narrowing.is_(None), narrowing == narrowed))
    return (
        insert(RuleEvent)
        .from_select(list(row), select(*row.values()).where(listened))
        .execution_options(dml_strategy="raw")
    )


# The take is a Core statement on the tables: through the ORM, its bulk UPDATE machinery
# and the loading of an instance took as long as the statement itself.
_EVENTS = table_of(RuleEvent)
_LEADS = Lead.__table__


def _due(now: BindParameter[datetime]) -> Select[Any]:
    """The oldest pending row that is due, locked ``FOR UPDATE SKIP LOCKED``."""
    return (
        select(_EVENTS.c.id)
        .where(_EVENTS.c.status == RuleEventStatus.PENDING, _EVENTS.c.due_at <= now)
        .order_by(_EVENTS.c.due_at, _EVENTS.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


# What the rules' conditions ask of the record's lead, read with the record (tags and teams
# are read only when a condition asks).
_LEAD_FACTS = (
    _LEADS.c.source,
    _LEADS.c.stage_id,
    _LEADS.c.value_minor,
    _LEADS.c.responsible_id,
    _LEADS.c.custom_fields,
)


@dataclass(frozen=True)
class Taken:
    # The taken row's columns.
    values: dict[str, Any]
    # The rules' version the transaction read (None: not known).
    rules_version: int | None
    # Whether other records were due (some perhaps being taken by another runner).
    more_due: bool
    # The record's lead as conditions see it, without tags and teams; None: the lead is gone.
    lead: LeadFacts | None

    @property
    def trigger(self) -> str:
        trigger: str = self.values["trigger"]
        return trigger

    @property
    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = self.values["facts"]
        return facts

    @property
    def lead_id(self) -> int:
        lead_id: int = self.values["lead_id"]
        return lead_id

    @property
    def rule_id(self) -> int | None:
        rule_id: int | None = self.values["rule_id"]
        return rule_id

    @cached_property
    def record(self) -> RuleEvent:
        """The record as an instance, not in the session: a rollback leaves it as taken, with
        the attempts an error needs. Built only when asked (a record whose rules do nothing
        needs none), as building one took longer than checking 100 rules."""
        return RuleEvent(**self.values)


async def take_due(db: AsyncSession | AsyncConnection, *, now: datetime) -> Taken | None:
    """The oldest due row, taken and marked done in one statement: the first write of the
    transaction that applies its rules, so that transaction's commit is what makes it done and
    its rollback (or a crash) leaves it to run again. Two runners never take the same row: the
    lock is held until the commit, and the other skips the row or, once it is committed, sees
    it done. With it, in the same round trip, the rules' version (None: not known) and whether
    other rows were due, and what conditions ask of its lead (the lead itself is read only for
    a rule that acts). None when no row is due. On a connection the statement is run as it is
    (no ORM execution around it)."""
    dialect = _dialect(db)
    if dialect not in _TAKE:
        _TAKE[dialect] = _take(dialect)
    taken = (await db.execute(_TAKE[dialect], {"now": now})).one_or_none()
    if taken is None:
        return None
    columns, facts = len(_EVENTS.c), len(_EVENTS.c) + len(_LEAD_FACTS)
    values = dict(zip(_EVENTS.c.keys(), taken[:columns], strict=True))
    source, *lead = taken[columns:facts]
    rules_version, more_due = taken[facts : facts + 2]
    known = None if source is None else LeadFacts.of_row(source, *lead)
    return Taken(values, rules_version, more_due, known)


def _dialect(db: AsyncSession | AsyncConnection) -> str:
    if isinstance(db, AsyncConnection):
        return db.dialect.name
    return db.get_bind().dialect.name


async def commit_durably(session: AsyncSession) -> None:
    """Have the commit of a transaction that took a record wait for the disk again: what
    it writes now (what the rules did) a crash must not lose. See :func:`_take`."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.set_config("synchronous_commit", "on", True)))


# take_due's statement, built once per dialect: building it anew took longer than running it.
_TAKE: dict[str, ReturningUpdate[Any]] = {}


def _take(dialect: str) -> ReturningUpdate[Any]:
    """On PostgreSQL an UPDATE ... FROM leads that returns the lead's facts as well, saving the
    runner a round trip (a record's lead always exists: deleting a lead deletes its records).
    SQLite's RETURNING sees only the updated table: there they are subqueries by the lead's
    id, each one look-up in the leads' primary key."""
    now = bindparam("now", type_=UtcDateTime)
    rules_version = (
        select(CacheVersion.__table__.c.version)
        .where(CacheVersion.__table__.c.name == RULES_VERSION)
        .scalar_subquery()
    )
    other = _EVENTS.alias()
    more_due = exists().where(other.c.status == RuleEventStatus.PENDING, other.c.due_at <= now)
    taken = update(_EVENTS).where(
        _EVENTS.c.id.in_(picked_once_on(dialect, _due(now), "next_rule_event"))
    )
    if dialect == "postgresql":
        # Its subqueries see the rows as they were before the statement: the taken one is
        # left out by hand.
        more_due = more_due.where(other.c.id != _EVENTS.c.id).correlate(_EVENTS)
        # Its commit does not wait for the disk (an fsync, as long as the rest of the
        # transaction): a record whose rules did nothing, lost in a crash, is pending again
        # and only looked at once more. What rules do is committed durably (commit_durably).
        asynchronous_commit = func.set_config("synchronous_commit", "off", True)
        taken = taken.where(_LEADS.c.id == _EVENTS.c.lead_id).returning(
            *_EVENTS.c, *_LEAD_FACTS, rules_version, more_due, asynchronous_commit
        )
    else:
        # SQLite's RETURNING sees the row already taken, so more_due sees only the others.
        lead = [
            select(column).where(_LEADS.c.id == _EVENTS.c.lead_id).scalar_subquery()
            for column in _LEAD_FACTS
        ]
        taken = taken.returning(*_EVENTS.c, *lead, rules_version, more_due)
    return taken.values(status=RuleEventStatus.DONE, done_at=now)


async def record_error(
    session: AsyncSession, *, record: RuleEvent, now: datetime, error: str
) -> None:
    """An error that was not the rule's (the database, a bug): try again later, with backoff,
    and give up after ``MAX_ATTEMPTS``. The row is pending again, its taking rolled back."""
    attempts = record.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:ERROR_MAX]}
    if attempts >= MAX_ATTEMPTS:
        values["status"] = RuleEventStatus.FAILED
    else:
        values["due_at"] = now + min(BACKOFF_CAP, timedelta(seconds=2**attempts))
    await session.execute(
        update(RuleEvent)
        .where(RuleEvent.id == record.id, RuleEvent.status == RuleEventStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def forget_settled_records(
    session: AsyncSession, *, now: datetime, keep: timedelta = KEEP_SETTLED
) -> int:
    """Delete records done or given up on that came due more than ``keep`` ago, at most
    ``FORGOTTEN_PER_ROUND`` (found through the queue's index of status and due time); how
    many. Pending ones are never touched."""
    oldest = (
        select(RuleEvent.id)
        .where(
            RuleEvent.status.in_([RuleEventStatus.DONE, RuleEventStatus.FAILED]),
            RuleEvent.due_at < now - keep,
        )
        .limit(FORGOTTEN_PER_ROUND)
        .correlate(None)
    )
    result = await session.execute(
        delete(RuleEvent)
        .where(RuleEvent.id.in_(oldest))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
