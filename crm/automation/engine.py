"""Running the rules of one recorded event, in their order, in the transaction that marks
the record done.

Each rule acts inside a savepoint: a rule that fails is rolled back alone, switched off and
the admins told why, and the rules after it still run.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events, outbox
from crm.automation.acting import acting_as_rule
from crm.automation.actions import ACTIONS, Acting, RuleBroken
from crm.automation.records import Taken, commit_durably
from crm.automation.spec import HasTag, LeadFacts, ResponsibleInTeam, RuleSpec
from crm.errors import Conflict, CrmError
from crm.models import Lead, Role, Rule, RuleEvent, Staff, Tag, TeamMember, lead_tags, utcnow

RULE_FAILED = "rule_failed"


def spec_of(rule: Rule) -> RuleSpec:
    try:
        return RuleSpec.model_validate(rule.spec)
    except ValidationError:
        raise RuleBroken("rule-unreadable") from None


class SpecCache:
    """Rules read once per process: a rule's spec never changes once saved (a changed rule
    is a new rule), so the runner keeps each parsed, kept by id and creation time, as SQLite
    may give a deleted rule's id to the next. Which rules are on, in what order, is kept per
    trigger while the rules' version (bumped by the database on any change to a rule) is the
    one the transaction read; without a version it is asked of the database."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._specs: dict[tuple[int, datetime], RuleSpec] = {}
        self._enabled: dict[str, list[tuple[int, RuleSpec]]] = {}
        self._enabled_version: int | None = None

    async def specs_for(
        self, session: AsyncSession, record: RuleEvent, *, rules_version: int | None = None
    ) -> list[tuple[int, RuleSpec]]:
        """The enabled rules of the record's trigger, in order (a timed record's one rule);
        a rule that no longer reads is switched off."""
        if rules_version is None or rules_version != self._enabled_version:
            self._enabled.clear()
            self._enabled_version = rules_version
        enabled = self._enabled.get(record.trigger)
        if enabled is None:
            enabled, all_read = await self._read_enabled(session, record.trigger)
            if rules_version is not None and all_read:
                self._enabled[record.trigger] = enabled
        return [each for each in enabled if record.rule_id in (None, each[0])]

    async def _read_enabled(
        self, session: AsyncSession, trigger: str
    ) -> tuple[list[tuple[int, RuleSpec]], bool]:
        """The enabled rules of ``trigger`` in order, and whether each of them read."""
        query = select(Rule.id, Rule.created_at).where(
            Rule.enabled.is_(True), Rule.trigger == trigger
        )
        keys = [
            (rule_id, created)
            for rule_id, created in await session.execute(query.order_by(Rule.position, Rule.id))
        ]
        await self._read(session, [key for key in keys if key not in self._specs])
        enabled = [(key[0], self._specs[key]) for key in keys if key in self._specs]
        return enabled, len(enabled) == len(keys)

    async def _read(self, session: AsyncSession, keys: list[tuple[int, datetime]]) -> None:
        if not keys:
            return
        if len(self._specs) + len(keys) > self.LIMIT:
            self._specs.clear()
        rules = await session.scalars(select(Rule).where(Rule.id.in_([k[0] for k in keys])))
        for rule in rules:
            try:
                self._specs[(rule.id, rule.created_at)] = spec_of(rule)
            except RuleBroken as broken:
                await switch_off(session, rule, broken.code, now=utcnow())


async def run_rules(
    session: AsyncSession, taken: Taken, *, now: datetime, specs: SpecCache | None = None
) -> list[str]:
    """Run every rule the taken record fires, in order; the names of the rules that acted.
    The lead itself is read only for a rule whose conditions hold."""
    record = taken.record
    if taken.lead is None:
        return []
    known = await (specs or SpecCache()).specs_for(
        session, record, rules_version=taken.rules_version
    )
    fired = [(rule_id, spec) for rule_id, spec in known if spec.when.accepts(record.facts)]
    fired_specs = [spec for _, spec in fired]
    acted: list[str] = []
    facts = await _facts(session, record.lead_id, taken.lead, fired_specs)
    lead: Lead | None = None
    for rule_id, spec in fired:
        if not spec.matches(facts):
            continue
        if lead is None:
            await commit_durably(session)
            lead = await session.get(Lead, record.lead_id)
            if lead is None:
                break
        rule = await session.get_one(Rule, rule_id)
        if await _acted(session, rule, spec, lead, record=record, now=now):
            acted.append(rule.name)
        await session.refresh(lead)
        facts = await _facts(session, lead.id, LeadFacts.of(lead, []), fired_specs)
    return acted


# Conditions on what the lead row does not hold, read from the database only when asked.
_READ_WHEN_ASKED = (HasTag, ResponsibleInTeam)


async def _facts(
    session: AsyncSession, lead_id: int, known: LeadFacts, specs: list[RuleSpec]
) -> LeadFacts:
    """The lead as conditions see it: ``known`` (its own columns) with its tags and its
    responsible's teams, each read only when a condition asks, in a rule whose other
    conditions hold (all of a rule's conditions must hold, so the others failing is its
    answer whatever the tags and teams)."""
    conditions = [c for spec in specs if _may_match(spec, known) for c in spec.conditions]
    tags: frozenset[str] = frozenset()
    if any(isinstance(c, HasTag) for c in conditions):
        tags = frozenset(
            await session.scalars(
                select(Tag.name).join(lead_tags).where(lead_tags.c.lead_id == lead_id)
            )
        )
    teams: frozenset[int] = frozenset()
    if known.responsible_id is not None and any(
        isinstance(c, ResponsibleInTeam) for c in conditions
    ):
        teams = frozenset(
            await session.scalars(
                select(TeamMember.team_id).where(TeamMember.staff_id == known.responsible_id)
            )
        )
    return known.with_(tags=tags, teams=teams)


def _may_match(spec: RuleSpec, known: LeadFacts) -> bool:
    return all(c.holds(known) for c in spec.conditions if not isinstance(c, _READ_WHEN_ASKED))


async def _acted(
    session: AsyncSession,
    rule: Rule,
    spec: RuleSpec,
    lead: Lead,
    *,
    record: RuleEvent,
    now: datetime,
) -> bool:
    """Apply the rule's actions in order, all or none; False when the rule failed (it is
    switched off). A conflict with another writer is not the rule's fault: it propagates,
    and the record is tried again."""
    earlier = events.take_collected(session)
    try:
        async with session.begin_nested():
            author = await _author(session, rule)
            acting = Acting(session, rule, author, lead, now, record)
            with acting_as_rule(session, name=rule.name, depth=record.depth):
                for action in spec.actions:
                    await ACTIONS[type(action)](acting, action)
    except Conflict:
        raise
    except CrmError as error:
        events.take_collected(session)  # what the rolled-back rule did never happened
        _record_all(session, earlier)
        await switch_off(session, rule, error.code, now=now)
        return False
    _record_all(session, [*earlier, *events.take_collected(session)])
    return True


def _record_all(session: AsyncSession, happened: list[events.DomainEvent]) -> None:
    for each in happened:
        events.record(session, each)


async def _author(session: AsyncSession, rule: Rule) -> Staff:
    """Whose rights the rule acts with: its author's, while they are an active admin."""
    author = await session.get(Staff, rule.created_by_id)
    if author is None or not author.is_active or author.role != Role.ADMIN:
        raise RuleBroken("rule-author-not-admin")
    return author


async def switch_off(session: AsyncSession, rule: Rule, code: str, *, now: datetime) -> None:
    """Switch the rule off for ``code`` and tell every active admin why."""
    await commit_durably(session)
    rule.enabled = False
    rule.failure = code[:64]
    admins = await session.scalars(
        select(Staff).where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
    )
    for admin in admins:
        outbox.enqueue(
            session,
            recipient_id=admin.id,
            kind=RULE_FAILED,
            payload={"rule_id": rule.id, "rule": rule.name, "reason": rule.failure},
            due_at=now,
        )
    await session.flush()
