"""Automation rules: what 100 rules add to a person's change.

The baseline is the change alone: a lead moved to another stage in its own transaction
(the use case, the commit with its outbox rows), with the rules switched off. The two are
measured in turns of ten, so both see the same load on the machine. Measured against it, the same
change with 100 enabled rules listening for the stage change, half narrowed to another stage
and half with a condition the lead does not meet, so every rule is looked at and none acts:
the record written at commit, then the runner's transaction claiming it, evaluating the 100
rules and marking it done. Target: at most 2 ms on top of the change.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.report import Measurement
from bot.database import create_engine
from crm.automation.admin import create_rule
from crm.automation.engine import SpecCache
from crm.automation.runner import Looked, RuleRunner
from crm.automation.spec import AddTag, HasTag, LeadFacts, RuleSpec, StageIs, Trigger, When
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import Lead, Role, Rule, RuleEvent, Staff, Stage, StageKind
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services.leads import create_lead, move_to_stage
from crm.services.pipelines import default_pipeline, ensure_default_pipeline

RULES = 100
REPEAT = 200
WARMUP = 1
TURN = 10
TARGET_MS_ON_TOP = 2.0


class NobodyToWake:
    def wake(self) -> None:
        """No sender runs in the benchmark."""


async def _people_and_lead(
    factory: async_sessionmaker[AsyncSession],
) -> tuple[Staff, Staff, Lead, list[Stage]]:
    async with factory() as session:
        await ensure_default_pipeline(session)
        admin = Staff(telegram_id=1, display_name="Admin", role=Role.ADMIN)
        rep = Staff(telegram_id=2, display_name="Rep", role=Role.REP)
        session.add_all([admin, rep])
        await session.flush()
        lead = await create_lead(session, actor=rep, draft=LeadDraft(contact_name="Bench"))
        pipeline = await default_pipeline(session)
        stages = [s for s in pipeline.stages if s.kind == StageKind.OPEN]
        await commit_with_notifications(session)
    return admin, rep, lead, stages


async def _add_rules(
    factory: async_sessionmaker[AsyncSession], admin: Staff, elsewhere: Stage
) -> None:
    async with factory() as session:
        for number in range(RULES):
            narrowed = number % 2 == 0
            spec = RuleSpec(
                when=When(
                    trigger=Trigger.STAGE_ENTERED, stage_id=elsewhere.id if narrowed else None
                ),
                conditions=()
                if narrowed
                else (HasTag(tag="never"), StageIs(stage_id=elsewhere.id)),
                actions=(AddTag(tag="touched"),),
            )
            await create_rule(session, actor=admin, name=f"Rule {number}", spec=spec)
        await session.commit()


async def _evaluation_in_memory(factory: async_sessionmaker[AsyncSession], lead_id: int) -> float:
    """The rules' own work, without the database: each rule's trigger and conditions
    checked against the event and the lead, as the runner does once it has read them."""
    async with factory() as session:
        lead = await session.get_one(Lead, lead_id)
        record = RuleEvent(
            trigger=Trigger.STAGE_ENTERED, lead_id=lead_id, facts={"stage_id": lead.stage_id}
        )
        specs = [spec for _, spec in await SpecCache().specs_for(session, record)]
        facts = LeadFacts.of(lead, await lead.awaitable_attrs.tags)
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fired = [s for s in specs if s.when.accepts(record.facts) and s.matches(facts)]
        samples.append(time.perf_counter() - started)
    assert len(specs) == RULES and not fired
    return _median_ms(samples)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    factory = create_session_factory(engine)
    admin, rep, lead, stages = await _people_and_lead(factory)
    first, second, elsewhere = stages[0], stages[1], stages[2]
    runner = RuleRunner(factory, NobodyToWake())

    async def change() -> float:
        started = time.perf_counter()
        async with factory() as session:
            moved = await session.get_one(Lead, lead.id)
            target = second if moved.stage_id == first.id else first
            await move_to_stage(
                session, actor=rep, lead_id=lead.id, stage_id=target.id, seen_version=moved.version
            )
            await commit_with_notifications(session)
        return time.perf_counter() - started

    async def rules_after_change() -> tuple[float, float]:
        """The change (now writing the record), then the runner's transaction that takes the
        record and runs its rules."""
        changed = await change()
        started = time.perf_counter()
        assert await runner.run_next() is not Looked.NOTHING_DUE
        return changed, time.perf_counter() - started

    async def switch_rules(enabled: bool) -> None:
        async with factory() as session:
            await session.execute(update(Rule).values(enabled=enabled))
            await session.commit()

    await _add_rules(factory, admin, elsewhere)
    alone: list[float] = []
    with_rules: list[tuple[float, float]] = []
    # Taken in turns of a few, so both see the same load on the machine; rules change rarely,
    # so only the first event of a turn finds them changed (switched on again) and reads them.
    # The runner holds its connection as it does running (RuleRunner.run).
    async with runner.holding_a_connection():
        for round_number in range(WARMUP + REPEAT // TURN):
            await switch_rules(False)
            without = [await change() for _ in range(TURN)]
            await switch_rules(True)
            both = [await rules_after_change() for _ in range(TURN)]
            if round_number >= WARMUP:
                alone += without
                with_rules += both

    in_memory = await _evaluation_in_memory(factory, lead.id)
    await engine.dispose()
    baseline = _median_ms(alone)
    evaluating = _median_ms([run for _, run in with_rules])
    whole = _median_ms([sum(parts) for parts in with_rules])
    return [
        Measurement(
            name=f"{RULES} rules' conditions checked for one event, in memory",
            backend=backend,
            value=in_memory,
            unit="ms",
            baseline=baseline,
            baseline_name="the change alone",
            target=f"<= {TARGET_MS_ON_TOP:g} ms on top of the change",
            met=in_memory <= TARGET_MS_ON_TOP,
        ),
        Measurement(
            name=f"{RULES} rules evaluated for one event (the runner's transaction)",
            backend=backend,
            value=evaluating,
            unit="ms",
            baseline=baseline,
            baseline_name="the change alone",
            target=f"<= {TARGET_MS_ON_TOP:g} ms on top of the change",
            met=evaluating <= TARGET_MS_ON_TOP,
        ),
        Measurement(
            name=f"change + record + claim + {RULES} rules (whole path)",
            backend=backend,
            value=whole,
            unit="ms",
            baseline=baseline,
            baseline_name="the change alone",
            target=f"on top: {whole - baseline:.2f} ms (<= {TARGET_MS_ON_TOP:g})",
            met=whole - baseline <= TARGET_MS_ON_TOP,
        ),
    ]
