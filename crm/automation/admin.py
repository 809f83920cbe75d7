"""What ``/rules`` calls: admins build, dry-run, list, switch, reorder and delete rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.automation.spec import (
    NAME_MAX,
    TIMED_TRIGGERS,
    AddTag,
    AssignInTeam,
    AssignInTurn,
    FieldEquals,
    HasTag,
    MoveToStage,
    NotifyPerson,
    NotifyTeam,
    RemoveTag,
    ResponsibleInTeam,
    ResponsibleIs,
    RuleSpec,
    SendWebhook,
    StageIs,
    Trigger,
    ValueBetween,
)
from crm.errors import NotFound, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    FieldDefinition,
    Lead,
    Order,
    Role,
    Rule,
    Staff,
    Stage,
    StageKind,
    Task,
    Team,
    Webhook,
    utcnow,
)
from crm.money import parse_amount, to_minor_units
from crm.services.access import require_role
from crm.services.fields import field_definitions
from crm.services.pipelines import default_pipeline, pipeline_stages
from crm.services.tags import normalize_tag

DRY_RUN_DAYS = 30
DRY_RUN_SHOWN = 5
RULES_MAX = 200


async def list_rules(session: AsyncSession, *, actor: Staff) -> list[Rule]:
    require_role(actor, Role.ADMIN)
    return list(await session.scalars(select(Rule).order_by(Rule.position, Rule.id)))


async def admin_rule(session: AsyncSession, *, actor: Staff, rule_id: int) -> Rule:
    require_role(actor, Role.ADMIN)
    rule = await session.get(Rule, rule_id)
    if rule is None:
        raise NotFound(f"rule {rule_id}")
    return rule


async def create_rule(
    session: AsyncSession, *, actor: Staff, name: str, spec: RuleSpec, now: datetime | None = None
) -> Rule:
    """Save a rule, last in the order and switched on, once what it refers to checks out."""
    require_role(actor, Role.ADMIN)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("rule-name-invalid", field="name", details={"max": NAME_MAX})
    await check_references(session, spec)
    count = await session.scalar(select(func.count()).select_from(Rule)) or 0
    if count >= RULES_MAX:
        raise ValidationFailed("rules-too-many", field="rules", details={"limit": RULES_MAX})
    last = await session.scalar(select(func.max(Rule.position))) or 0
    rule = Rule(
        name=name,
        position=last + 1,
        enabled=True,
        trigger=spec.when.trigger.value,
        spec=spec.model_dump(mode="json"),
        created_by_id=actor.id,
        created_at=now or utcnow(),
    )
    session.add(rule)
    await session.flush()
    return rule


async def check_references(session: AsyncSession, spec: RuleSpec) -> None:
    """Every stage, person, team, webhook, tag and field the rule names exists (and people
    are active)."""
    stage_ids = {spec.when.stage_id} if spec.when.stage_id is not None else set()
    staff_ids: set[int] = set()
    team_ids: set[int] = set()
    webhook_ids: set[int] = set()
    for part in (*spec.conditions, *spec.actions):
        match part:
            case StageIs(stage_id=stage_id) | MoveToStage(stage_id=stage_id):
                stage_ids.add(stage_id)
            case ResponsibleIs(staff_id=staff_id) | NotifyPerson(staff_id=staff_id):
                staff_ids.add(staff_id)
            case AssignInTurn(staff_ids=picked):
                staff_ids.update(picked)
            case (
                ResponsibleInTeam(team_id=team_id)
                | AssignInTeam(team_id=team_id)
                | NotifyTeam(team_id=team_id)
            ):
                team_ids.add(team_id)
            case SendWebhook(webhook_id=webhook_id):
                webhook_ids.add(webhook_id)
            case HasTag(tag=tag) | AddTag(tag=tag) | RemoveTag(tag=tag):
                if normalize_tag(tag) != tag:
                    raise ValidationFailed("tag-invalid", field="tags")
            case FieldEquals(key=key):
                if (
                    await session.scalar(
                        select(FieldDefinition.id).where(FieldDefinition.key == key)
                    )
                    is None
                ):
                    raise ValidationFailed("custom-field-unknown", field=key)
    await _all_exist(
        session,
        select(Stage.id).where(Stage.id.in_(stage_ids)),
        stage_ids,
        "rule-stage-gone",
        "stage_id",
    )
    active_staff = select(Staff.id).where(Staff.id.in_(staff_ids), Staff.is_active.is_(True))
    await _all_exist(session, active_staff, staff_ids, "rule-person-gone", "staff_id")
    teams = select(Team.id).where(Team.id.in_(team_ids))
    await _all_exist(session, teams, team_ids, "rule-team-gone", "team_id")
    hooks = select(Webhook.id).where(Webhook.id.in_(webhook_ids), Webhook.deleted_at.is_(None))
    await _all_exist(session, hooks, webhook_ids, "rule-webhook-gone", "webhook_id")


async def _all_exist(
    session: AsyncSession, found: Select[int], ids: set[int], code: str, field: str
) -> None:
    """Refuse the rule when ``found`` does not return every one of ``ids``."""
    if set(await session.scalars(found)) != ids:
        raise ValidationFailed(code, field=field)


async def set_enabled(
    session: AsyncSession, *, actor: Staff, rule_id: int, enabled: bool, now: datetime | None = None
) -> Rule:
    """Switch a rule on or off. Switched back on, a timed rule looks from now on, not at the
    time it was off, and what made it fail is forgotten."""
    rule = await admin_rule(session, actor=actor, rule_id=rule_id)
    if enabled and not rule.enabled:
        rule.failure = None
        if rule.trigger in TIMED_TRIGGERS:
            rule.scanned_to = now or utcnow()
    rule.enabled = enabled
    await session.flush()
    return rule


async def move_rule(session: AsyncSession, *, actor: Staff, rule_id: int, offset: int) -> Rule:
    """Swap the rule with its neighbour above (-1) or below (+1); at an end, nothing moves."""
    rules = await list_rules(session, actor=actor)
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        raise NotFound(f"rule {rule_id}")
    other = index + (1 if offset > 0 else -1)
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
        for position, rule in enumerate(rules, start=1):
            rule.position = position
        await session.flush()
    return rules[other] if 0 <= other < len(rules) else rules[index]


async def delete_rule(session: AsyncSession, *, actor: Staff, rule_id: int) -> None:
    rule = await admin_rule(session, actor=actor, rule_id=rule_id)
    await session.delete(rule)
    await session.flush()


@dataclass(frozen=True, slots=True)
class DryRun:
    """How many leads the rule would have matched in the last ``DRY_RUN_DAYS``, and the
    first of them, newest first."""

    count: int
    first: list[Lead]


async def dry_run(
    session: AsyncSession, *, actor: Staff, spec: RuleSpec, now: datetime | None = None
) -> DryRun:
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    matching = and_(
        Lead.id.in_(_fired_in(spec, now - timedelta(days=DRY_RUN_DAYS), now)),
        *(condition.where() for condition in spec.conditions),
    )
    count = await session.scalar(select(func.count()).select_from(Lead).where(matching)) or 0
    first = await session.scalars(
        select(Lead).where(matching).order_by(Lead.id.desc()).limit(DRY_RUN_SHOWN)
    )
    return DryRun(count=count, first=list(first))


def _fired_in(spec: RuleSpec, since: datetime, now: datetime) -> Select[Any]:
    """The leads the rule's trigger fired for between ``since`` and ``now``, each from an
    index on the event's time."""
    when = spec.when
    match when.trigger:
        case Trigger.LEAD_CREATED:
            return _leads_where(Lead.created_at >= since, _equal(Lead.source, when.source))
        case Trigger.STAGE_ENTERED:
            return select(Activity.lead_id).where(
                Activity.kind == ActivityKind.STAGE_CHANGE,
                Activity.created_at >= since,
                Activity.to_stage_id == when.stage_id,
            )
        case Trigger.LEAD_WON:
            return _leads_where(Lead.won_at >= since)
        case Trigger.LEAD_LOST:
            reason = when.reason.value if when.reason else None
            return _leads_where(Lead.lost_at >= since, _equal(Lead.lost_reason_code, reason))
        case Trigger.LEAD_IDLE:
            idle_for = timedelta(days=when.days or 0)
            return (
                select(Lead.id)
                .join(Stage, Stage.id == Lead.stage_id)
                .where(
                    Lead.last_activity_at > since - idle_for,
                    Lead.last_activity_at <= now - idle_for,
                    Stage.kind == StageKind.OPEN,
                )
            )
        case Trigger.TASK_OVERDUE:
            return select(Task.lead_id).where(
                Task.due_at >= since,
                Task.due_at <= now,
                or_(Task.done_at.is_(None), Task.done_at > Task.due_at),
            )
        case Trigger.SHOP_ORDER:
            return select(Order.lead_id).where(
                Order.created_at >= since, Order.intake_channel_id.is_not(None)
            )
        case Trigger.CUSTOMER_WROTE:
            # Messages taken in land on the lead's timeline with no author.
            return (
                select(Activity.lead_id)
                .join(Lead, Lead.id == Activity.lead_id)
                .where(
                    Activity.kind == ActivityKind.MESSAGE,
                    Activity.created_at >= since,
                    Activity.author_id.is_(None),
                    _equal(Lead.source, when.channel),
                )
            )


def _leads_where(*conditions: ColumnElement[bool]) -> Select[Any]:
    return select(Lead.id).where(*conditions)


def _equal(column: Any, value: object | None) -> ColumnElement[bool]:
    return column == value if value is not None else and_(True)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What a rule's ids name, for showing and building rules: the default pipeline's
    stages, the people, the custom fields, the teams and the webhooks (those not deleted)."""

    stages: list[Stage]
    people: list[Staff]
    fields: list[FieldDefinition]
    teams: list[Team]
    webhooks: list[Webhook]

    def stage(self, stage_id: int) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def person(self, staff_id: int) -> Staff | None:
        return next((p for p in self.people if p.id == staff_id), None)

    def field(self, key: str) -> FieldDefinition | None:
        return next((f for f in self.fields if f.key == key), None)

    def team(self, team_id: int) -> Team | None:
        return next((t for t in self.teams if t.id == team_id), None)

    def webhook(self, webhook_id: int) -> Webhook | None:
        return next((w for w in self.webhooks if w.id == webhook_id), None)

    @property
    def active_people(self) -> list[Staff]:
        return [p for p in self.people if p.is_active]


async def rule_vocabulary(session: AsyncSession, *, actor: Staff) -> Vocabulary:
    require_role(actor, Role.ADMIN)
    pipeline = await default_pipeline(session)
    return Vocabulary(
        stages=await pipeline_stages(session, pipeline_id=pipeline.id),
        people=list(await session.scalars(select(Staff).order_by(Staff.display_name, Staff.id))),
        fields=await field_definitions(session),
        teams=list(await session.scalars(select(Team).order_by(Team.name, Team.id))),
        webhooks=list(
            await session.scalars(
                select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
            )
        ),
    )


def parse_value_range(text: str) -> ValueBetween:
    """``100-5000``, ``100-`` or ``100`` (at least), ``-5000`` (at most), in the money's
    major units."""
    low, _, high = text.strip().partition("-")
    try:
        at_least = to_minor_units(parse_amount(low)) if low.strip() else None
        at_most = to_minor_units(parse_amount(high)) if high.strip() else None
    except ValidationFailed:
        raise ValidationFailed("rule-value-range-invalid", field="value") from None
    if at_least is None and at_most is None:
        raise ValidationFailed("rule-value-range-invalid", field="value")
    if at_least is not None and at_most is not None and at_least > at_most:
        raise ValidationFailed("rule-value-range-invalid", field="value")
    return ValueBetween(at_least=at_least, at_most=at_most)
