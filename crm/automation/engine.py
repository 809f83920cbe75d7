"""Running the rules of one recorded event, in their order, in the transaction that marks
the record done.

Each rule acts inside a savepoint: a rule that fails is rolled back alone, switched off and
the admins told why, and the rules after it still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm import events, outbox
from crm.automation.acting import acting_as_rule
from crm.automation.actions import ACTIONS, Acting, RuleBroken
from crm.automation.records import Taken, commit_durably
from crm.automation.spec import (
    NARROWING_FACTS,
    Condition,
    HasTag,
    LeadFacts,
    ResponsibleInTeam,
    RuleSpec,
)
from crm.errors import Conflict, CrmError
from crm.models import Lead, Role, Rule, RuleEvent, Staff, Tag, TeamMember, lead_tags, utcnow

RULE_FAILED = "rule_failed"


def spec_of(rule: Rule) -> RuleSpec:
    try:
        return RuleSpec.model_validate(rule.spec)
    except ValidationError:
        raise RuleBroken("rule-unreadable") from None


# Conditions on what the lead row does not hold, read from the database only when asked.
_READ_WHEN_ASKED = (HasTag, ResponsibleInTeam)

# A database to read a lead's tags and teams from: a session, or a connection.
Reader = AsyncSession | AsyncConnection


@dataclass(frozen=True, slots=True)
class Listening:
    """An enabled rule as the runner checks it: its conditions on the lead's own columns
    apart from those on its tags and teams (read only when the others hold)."""

    rule_id: int
    spec: RuleSpec
    own: tuple[Condition, ...]
    asked: tuple[Condition, ...]

    @classmethod
    def of(cls, rule_id: int, spec: RuleSpec) -> Listening:
        asked = tuple(c for c in spec.conditions if isinstance(c, _READ_WHEN_ASKED))
        own = tuple(c for c in spec.conditions if not isinstance(c, _READ_WHEN_ASKED))
        return cls(rule_id, spec, own, asked)


class Listeners:
    """The enabled rules of one trigger, in order, with those an event's facts fire kept by
    what narrows them (the stage entered, the source...): an event walks only its own."""

    KEPT = 1024

    def __init__(self, rules: list[Listening]) -> None:
        self.rules = rules
        self._fired: dict[tuple[object, ...], list[Listening]] = {}

    def fired_by(self, facts: dict[str, Any], *, rule_id: int | None = None) -> list[Listening]:
        """The rules an event with ``facts`` fires, in order; a timed record's (``rule_id``)
        is its one rule."""
        if rule_id is not None:
            return [r for r in self.rules if r.rule_id == rule_id and r.spec.when.accepts(facts)]
        key = tuple(facts.get(name) for name in NARROWING_FACTS)
        fired = self._fired.get(key)
        if fired is None:
            if len(self._fired) >= self.KEPT:
                self._fired.clear()
            fired = self._fired[key] = [r for r in self.rules if r.spec.when.accepts(facts)]
        return fired


class SpecCache:
    """Rules read once per process: a rule's spec never changes once saved (a changed rule
    is a new rule), so the runner keeps each parsed, kept by id and creation time, as SQLite
    may give a deleted rule's id to the next. Which rules are on, in what order, is kept per
    trigger while the rules' version (bumped by the database on any change to a rule) is the
    one the transaction read; without a version it is asked of the database."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._specs: dict[tuple[int, datetime], RuleSpec] = {}
        self._enabled: dict[str, Listeners] = {}
        self._enabled_version: int | None = None

    def kept(self, trigger: str, *, rules_version: int | None) -> Listeners | None:
        """The enabled rules of ``trigger`` kept at ``rules_version``; None: not kept, ask
        :meth:`listeners`."""
        if rules_version is None or rules_version != self._enabled_version:
            return None
        return self._enabled.get(trigger)

    async def listeners(
        self, session: AsyncSession, trigger: str, *, rules_version: int | None = None
    ) -> Listeners:
        """The enabled rules of ``trigger``, in order; a rule that no longer reads is
        switched off."""
        if rules_version is None or rules_version != self._enabled_version:
            self._enabled.clear()
            self._enabled_version = rules_version
        enabled = self._enabled.get(trigger)
        if enabled is None:
            read, all_read = await self._read_enabled(session, trigger)
            enabled = Listeners([Listening.of(rule_id, spec) for rule_id, spec in read])
            if rules_version is not None and all_read:
                self._enabled[trigger] = enabled
        return enabled

    async def specs_for(
        self, session: AsyncSession, record: RuleEvent, *, rules_version: int | None = None
    ) -> list[tuple[int, RuleSpec]]:
        """The enabled rules of the record's trigger, in order (a timed record's one rule)."""
        enabled = await self.listeners(session, record.trigger, rules_version=rules_version)
        return [(r.rule_id, r.spec) for r in enabled.rules if record.rule_id in (None, r.rule_id)]

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
    if taken.lead is None:
        return []
    record = taken.record
    enabled = await (specs or SpecCache()).listeners(
        session, taken.trigger, rules_version=taken.rules_version
    )
    fired = enabled.fired_by(taken.facts, rule_id=taken.rule_id)
    acted: list[str] = []
    known = taken.lead
    lead: Lead | None = None
    while (found := await first_holding(session, taken.lead_id, known, fired)) is not None:
        listening, fired = fired[found], fired[found + 1 :]
        if lead is None:
            await commit_durably(session)
            lead = await session.get(Lead, record.lead_id)
            if lead is None:
                break
        rule = await session.get_one(Rule, listening.rule_id)
        if await _acted(session, rule, listening.spec, lead, record=record, now=now):
            acted.append(rule.name)
        await session.refresh(lead)
        known = LeadFacts.of(lead, [])
    return acted


async def nothing_fires(reader: Reader, taken: Taken, specs: SpecCache) -> bool:
    """Whether the taken record is known, without a session, to fire no rule whose
    conditions hold: its lead is gone, or none of the rules kept at the version the take
    read holds for the lead as the take read it. False when the rules are not kept."""
    if taken.lead is None:
        return True
    enabled = specs.kept(taken.trigger, rules_version=taken.rules_version)
    if enabled is None:
        return False
    fired = enabled.fired_by(taken.facts, rule_id=taken.rule_id)
    return await first_holding(reader, taken.lead_id, taken.lead, fired) is None


async def first_holding(
    reader: Reader, lead_id: int, known: LeadFacts, fired: Sequence[Listening]
) -> int | None:
    """The index of the first of ``fired`` whose conditions the lead meets; None: none.
    ``known`` is the lead's own columns; its tags and its responsible's teams are read (once)
    only when a rule whose other conditions hold asks (all of a rule's conditions must hold,
    so the others failing is its answer whatever the tags and teams)."""
    facts: LeadFacts | None = None
    for index, listening in enumerate(fired):
        if not all(c.holds(known) for c in listening.own):
            continue
        if listening.asked:
            if facts is None:
                facts = await _with_tags_and_teams(reader, lead_id, known, fired[index:])
            if not all(c.holds(facts) for c in listening.asked):
                continue
        return index
    return None


async def _with_tags_and_teams(
    reader: Reader, lead_id: int, known: LeadFacts, fired: Sequence[Listening]
) -> LeadFacts:
    """``known`` with the lead's tags and its responsible's teams, each read only if one of
    ``fired`` whose own conditions hold asks."""
    asked = [c for r in fired if all(c.holds(known) for c in r.own) for c in r.asked]
    tags: frozenset[str] = frozenset()
    if any(isinstance(c, HasTag) for c in asked):
        tags = frozenset(await reader.scalars(_TAGS, {"lead_id": lead_id}))
    teams: frozenset[int] = frozenset()
    if known.responsible_id is not None and any(isinstance(c, ResponsibleInTeam) for c in asked):
        teams = frozenset(await reader.scalars(_TEAMS, {"staff_id": known.responsible_id}))
    return known.with_(tags=tags, teams=teams)


_TAGS = (
    select(Tag.name)
    .join(lead_tags)
    .where(lead_tags.c.lead_id == bindparam("lead_id", type_=Integer))
)
_TEAMS = select(TeamMember.team_id).where(
    TeamMember.staff_id == bindparam("staff_id", type_=Integer)
)


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
