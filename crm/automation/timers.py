"""The timed triggers, written by the scheduler's rounds: a lead idle N days in its stage,
a task come due and still open.

Each timed rule keeps the moment up to which it has looked (``rules.scanned_to``); a round
takes the window from there to now with a conditional UPDATE, so of two schedulers only one
looks at a window, and writes a record per lead that crossed the line inside it (an index
range: ``ix_leads_activity``, ``ix_tasks_due``). A lead idle since before the window was
recorded by an earlier round; one touched since has a newer last activity and a new spell.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.automation.actions import RuleBroken
from crm.automation.engine import spec_of
from crm.automation.spec import TIMED_TRIGGERS, Trigger
from crm.inserts import insert_unless_present
from crm.models import Lead, Rule, RuleEvent, Stage, StageKind, Task
from crm.wakeups import Queue, queued


async def record_timed_events(session: AsyncSession, *, now: datetime) -> int:
    """Write the timed records of every enabled timed rule up to ``now``; how many."""
    rules = await session.scalars(
        select(Rule)
        .where(Rule.enabled.is_(True), Rule.trigger.in_(TIMED_TRIGGERS))
        .execution_options(populate_existing=True)
    )
    written = 0
    for rule in list(rules):
        since = await _take_window(session, rule, now)
        if since is None:
            continue
        try:
            days = spec_of(rule).when.days or 0
        except RuleBroken:
            continue  # the runner switches it off when it meets it
        if rule.trigger == Trigger.LEAD_IDLE:
            written += await _idle_leads(session, rule, since, now, timedelta(days=days))
        else:
            written += await _overdue_tasks(session, rule, since, now)
    return written


async def _take_window(session: AsyncSession, rule: Rule, now: datetime) -> datetime | None:
    """The start of the window this round looks at, or None when another round took it."""
    since = rule.scanned_to or rule.created_at
    unchanged: ColumnElement[bool] = (
        Rule.scanned_to.is_(None) if rule.scanned_to is None else Rule.scanned_to == since
    )
    taken = await session.scalar(
        update(Rule)
        .where(Rule.id == rule.id, unchanged)
        .values(scanned_to=now)
        .returning(Rule.id)
        .execution_options(synchronize_session=False)
    )
    return since if taken is not None else None


async def _idle_leads(
    session: AsyncSession, rule: Rule, since: datetime, now: datetime, idle_for: timedelta
) -> int:
    crossed = await session.execute(
        select(Lead.id, Lead.last_activity_at)
        .join(Stage, Stage.id == Lead.stage_id)
        .where(
            Lead.last_activity_at > since - idle_for,
            Lead.last_activity_at <= now - idle_for,
            Stage.kind == StageKind.OPEN,
        )
    )
    written = 0
    for lead_id, last_activity in crossed:
        key = f"idle:{rule.id}:{lead_id}:{last_activity.timestamp()}"
        written += await _record(session, rule, lead_id, {}, key)
    return written


async def _overdue_tasks(session: AsyncSession, rule: Rule, since: datetime, now: datetime) -> int:
    came_due = await session.execute(
        select(Task.id, Task.lead_id).where(
            Task.due_at > since,
            Task.due_at <= now,
            Task.done_at.is_(None),
            Task.lead_id.is_not(None),
        )
    )
    written = 0
    for task_id, lead_id in came_due:
        key = f"overdue:{rule.id}:{task_id}"
        written += await _record(session, rule, lead_id, {"task_id": task_id}, key)
    return written


async def _record(
    session: AsyncSession, rule: Rule, lead_id: int | None, facts: dict[str, object], key: str
) -> int:
    added = await insert_unless_present(
        session,
        RuleEvent,
        unique=["dedup_key"],
        values={
            "trigger": rule.trigger,
            "lead_id": lead_id,
            "facts": facts,
            "depth": 1,
            "rule_id": rule.id,
            "dedup_key": key,
        },
    )
    if added is None:
        return 0
    queued(session, Queue.RULE_EVENTS)
    return 1
