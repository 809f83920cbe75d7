"""What a rule does, one function per kind of action, each calling the use case a person's
button calls, with the rights of the admin who made the rule.

A rule that cannot do what it says (its stage or person is gone) raises :class:`RuleBroken`
and is switched off; what only this lead lacks (no responsible to give a task, a value to be
won) skips the action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox, webhooks
from crm.automation.spec import (
    AddTag,
    AssignInTeam,
    AssignInTurn,
    CreateTask,
    MoveToStage,
    NotifyPerson,
    NotifyTeam,
    RemoveTag,
    SendWebhook,
)
from crm.errors import CrmError
from crm.models import (
    ActivityKind,
    Lead,
    Rule,
    RuleEvent,
    Staff,
    Stage,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from crm.services.access import readers_of_lead
from crm.services.leads import assign_lead, move_to_stage
from crm.services.tags import tag_lead, untag_lead
from crm.services.tasks import create_task
from crm.services.timeline import add_lead_activity
from crm.working_hours import next_working_moment

RULE_NOTICE = "rule_notice"
RULE_FIRED = "rule.fired"


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
    # The recorded event the rule runs for.
    record: RuleEvent


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
    await _assign_next(acting, action.staff_ids)


async def assign_in_team(acting: Acting, action: AssignInTeam) -> None:
    team = await _team(acting, action.team_id)
    members = await acting.session.scalars(
        select(TeamMember.staff_id)
        .where(TeamMember.team_id == team.id)
        .order_by(TeamMember.staff_id)
    )
    await _assign_next(acting, list(members))


async def _assign_next(acting: Acting, staff_ids: Sequence[int]) -> None:
    """Give the lead to the active person after the one the rule gave its last lead to,
    in the order of ``staff_ids``."""
    session, rule = acting.session, acting.rule
    # Locked (on PostgreSQL) so two leads at once go to two people.
    await session.refresh(rule, attribute_names=["last_assigned_id"], with_for_update=True)
    active = list(
        await session.scalars(
            select(Staff.id).where(Staff.id.in_(staff_ids), Staff.is_active.is_(True))
        )
    )
    if not active:
        raise RuleBroken("rule-nobody-to-assign")
    turn = [staff_id for staff_id in staff_ids if staff_id in active]
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
    _notify(acting, [person], told=person.display_name)


async def notify_team(acting: Acting, action: NotifyTeam) -> None:
    """Its head and members, those who may see the lead (the others are not told of it)."""
    team = await _team(acting, action.team_id)
    members = select(TeamMember.staff_id).where(TeamMember.team_id == team.id)
    readers = await acting.session.scalars(
        select(Staff)
        .where(or_(Staff.id.in_(members), Staff.id == team.head_id))
        .where(readers_of_lead(acting.lead.id))
        .order_by(Staff.id)
    )
    _notify(acting, list(readers), told=team.name)


def _notify(acting: Acting, people: list[Staff], *, told: str) -> None:
    """A rule's notice about the lead to each of ``people``, and ``told`` on its timeline."""
    if not people:
        return
    for person in people:
        outbox.enqueue(
            acting.session,
            recipient_id=person.id,
            kind=RULE_NOTICE,
            payload={"lead_id": acting.lead.id, "rule": acting.rule.name},
            due_at=next_working_moment(person, acting.now),
        )
    add_lead_activity(
        acting.session, acting.lead, kind=ActivityKind.SYSTEM, author=None, text=f"🔔 {told}"
    )


async def _team(acting: Acting, team_id: int) -> Team:
    team = await acting.session.get(Team, team_id)
    if team is None:
        raise RuleBroken("rule-team-gone")
    return team


async def send_webhook(acting: Acting, action: SendWebhook) -> None:
    """The lead to the webhook as a ``rule.fired`` event, through its durable deliveries; the
    event id is the rule's and the recorded event's, so a receiver sees each once."""
    session, rule, record = acting.session, acting.rule, acting.record
    hook = await session.get(Webhook, action.webhook_id)
    if hook is None or hook.deleted_at is not None:
        raise RuleBroken("rule-webhook-gone")
    event_id = f"evt_rule_{rule.id}_{record.id}"
    sent = await session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id == event_id
        )
    )
    if sent is not None:  # the same webhook twice in one rule
        return
    data = {
        "rule": {"id": rule.id, "name": rule.name},
        "trigger": record.trigger,
        "lead": await webhooks.lead_data(session, acting.lead.id),
    }
    webhooks.enqueue_event(
        session, [hook.id], event_id=event_id, event_type=RULE_FIRED, data=data, now=acting.now
    )
    # The host only: a webhook's address may carry a token that the lead's readers must not see.
    host = urlsplit(hook.url).hostname or ""
    add_lead_activity(session, acting.lead, kind=ActivityKind.SYSTEM, author=None, text=f"↗ {host}")


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
# One entry per kind of action.
ACTIONS: dict[type[Any], Perform] = {
    CreateTask: create_follow_up,
    AssignInTurn: assign_in_turn,
    AssignInTeam: assign_in_team,
    AddTag: add_tag,
    RemoveTag: remove_tag,
    NotifyPerson: notify_person,
    NotifyTeam: notify_team,
    MoveToStage: move_lead,
    SendWebhook: send_webhook,
}
