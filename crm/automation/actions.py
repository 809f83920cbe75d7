"""What a rule does, one function per kind of action, each calling the use case a person's
button calls, with the rights of the admin who made the rule.

A rule that cannot do what it says (its stage or person is gone) raises :class:`RuleBroken`
and is switched off; what only this lead lacks (no responsible to give a task, a value to be
won) skips the action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox
from crm.automation.spec import (
    AddTag,
    AssignInTurn,
    CreateTask,
    MoveToStage,
    NotifyPerson,
    RemoveTag,
)
from crm.errors import CrmError
from crm.models import ActivityKind, Lead, Rule, Staff, Stage
from crm.services.leads import assign_lead, move_to_stage
from crm.services.tags import tag_lead, untag_lead
from crm.services.tasks import create_task
from crm.services.timeline import add_lead_activity
from crm.working_hours import next_working_moment

RULE_NOTICE = "rule_notice"


class RuleBroken(CrmError):
    """The rule refers to something that is gone or no longer allowed: ``code`` says what."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Acting:
    session: AsyncSession
    rule: Rule
    author: Staff
    lead: Lead
    now: datetime


async def create_follow_up(acting: Acting, action: CreateTask) -> None:
    lead = acting.lead
    if lead.responsible_id is None:
        return
    responsible = await acting.session.get(Staff, lead.responsible_id)
    if responsible is None or not responsible.is_active:
        return
    due_at = next_working_moment(responsible, acting.now + timedelta(hours=action.hours))
    await create_task(
        acting.session,
        actor=acting.author,
        title=acting.rule.name,
        due_at=due_at,
        lead_id=lead.id,
        assignee_id=responsible.id,
    )
    add_lead_activity(
        acting.session,
        lead,
        kind=ActivityKind.SYSTEM,
        author=None,
        text=f"☑ {acting.rule.name} → {responsible.display_name}",
    )


async def assign_in_turn(acting: Acting, action: AssignInTurn) -> None:
    session, rule = acting.session, acting.rule
    # Locked (on PostgreSQL) so two leads at once go to two people.
    await session.refresh(rule, attribute_names=["last_assigned_id"], with_for_update=True)
    active = list(
        await session.scalars(
            select(Staff.id).where(Staff.id.in_(action.staff_ids), Staff.is_active.is_(True))
        )
    )
    if not active:
        raise RuleBroken("rule-nobody-to-assign")
    turn = [staff_id for staff_id in action.staff_ids if staff_id in active]
    after = turn.index(rule.last_assigned_id) + 1 if rule.last_assigned_id in turn else 0
    chosen = turn[after % len(turn)]
    rule.last_assigned_id = chosen
    await assign_lead(session, actor=acting.author, lead_id=acting.lead.id, responsible_id=chosen)


async def add_tag(acting: Acting, action: AddTag) -> None:
    await tag_lead(acting.session, actor=acting.author, lead_id=acting.lead.id, names=[action.tag])
    add_lead_activity(
        acting.session, acting.lead, kind=ActivityKind.SYSTEM, author=None, text=f"+#{action.tag}"
    )


async def remove_tag(acting: Acting, action: RemoveTag) -> None:
    await untag_lead(acting.session, actor=acting.author, lead_id=acting.lead.id, name=action.tag)
    add_lead_activity(
        acting.session, acting.lead, kind=ActivityKind.SYSTEM, author=None, text=f"−#{action.tag}"
    )


async def notify_person(acting: Acting, action: NotifyPerson) -> None:
    person = await acting.session.get(Staff, action.staff_id)
    if person is None or not person.is_active:
        raise RuleBroken("rule-person-gone")
    outbox.enqueue(
        acting.session,
        recipient_id=person.id,
        kind=RULE_NOTICE,
        payload={"lead_id": acting.lead.id, "rule": acting.rule.name},
        due_at=next_working_moment(person, acting.now),
    )
    add_lead_activity(
        acting.session,
        acting.lead,
        kind=ActivityKind.SYSTEM,
        author=None,
        text=f"🔔 {person.display_name}",
    )


async def move_lead(acting: Acting, action: MoveToStage) -> None:
    if acting.lead.stage_id == action.stage_id:
        return
    if await acting.session.get(Stage, action.stage_id) is None:
        raise RuleBroken("rule-stage-gone")
    # What the stage still needs of this lead (a value to be won) is answered, not raised:
    # the move is then left for a person, as the button would leave it.
    await move_to_stage(
        acting.session,
        actor=acting.author,
        lead_id=acting.lead.id,
        stage_id=action.stage_id,
        seen_version=acting.lead.version,
    )


Perform = Callable[[Acting, Any], Awaitable[None]]
# One entry per kind of action; a new kind (a team's round-robin, a webhook) is one more.
ACTIONS: dict[type[Any], Perform] = {
    CreateTask: create_follow_up,
    AssignInTurn: assign_in_turn,
    AddTag: add_tag,
    RemoveTag: remove_tag,
    NotifyPerson: notify_person,
    MoveToStage: move_lead,
}
