"""Automation rules: fired once per event, in order, after the commit, from a durable record;
never looping; surviving a runner that dies mid-way; switched off when they fail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.database import create_engine
from crm.automation import records
from crm.automation.actions import RULE_FIRED, RULE_NOTICE
from crm.automation.admin import create_rule, dry_run, move_rule, set_enabled
from crm.automation.engine import RULE_FAILED, run_rules
from crm.automation.runner import Looked, RuleRunner
from crm.automation.spec import (
    AddTag,
    AssignInTeam,
    AssignInTurn,
    CreateTask,
    HasTag,
    LeadFacts,
    MoveToStage,
    NotifyPerson,
    NotifyTeam,
    ResponsibleInTeam,
    RuleSpec,
    SendWebhook,
    SourceIs,
    Trigger,
    ValueBetween,
    When,
)
from crm.automation.timers import record_timed_events
from crm.db import create_session_factory
from crm.errors import ValidationFailed
from crm.models import (
    Activity,
    Lead,
    LeadSource,
    OutboxMessage,
    Role,
    Rule,
    RuleEvent,
    RuleEventStatus,
    Staff,
    Stage,
    Task,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from crm.models import Team as Branch
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services.conversations import InboundMessage, receive_message
from crm.services.leads import create_lead, move_to_stage
from crm.wakeups import Queue, Wakeups
from tests.crm.conftest import Stages, Team
from tests.waking import AN_HOUR, FAILS_AFTER_SECONDS, LateClock


class Woken:
    def __init__(self) -> None:
        self.times = 0

    def wake(self) -> None:
        self.times += 1


def utc_runner(session_factory: async_sessionmaker[AsyncSession], **kwargs: object) -> RuleRunner:
    return RuleRunner(session_factory, Woken(), **kwargs)  # type: ignore[arg-type]


async def run_all(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """Run rules until no record is left; how many records ran."""
    ran = 0
    worker = utc_runner(session_factory)
    while claimed := await worker.run_due():
        ran += claimed
    return ran


async def new_rule(
    session: AsyncSession,
    team: Team,
    name: str,
    when: When,
    actions: Sequence[object],
    conditions: Sequence[object] = (),
) -> Rule:
    spec = RuleSpec.model_validate(
        {
            "when": when.model_dump(),
            "conditions": [c.model_dump() for c in conditions],  # type: ignore[attr-defined]
            "actions": [a.model_dump() for a in actions],  # type: ignore[attr-defined]
        }
    )
    rule = await create_rule(session, actor=team.admin, name=name, spec=spec)
    await session.commit()
    return rule


async def add_lead(
    session: AsyncSession, team: Team, title: str = "Olena", **extra: object
) -> Lead:
    lead = await create_lead(
        session,
        actor=team.rep,
        draft=LeadDraft(contact_name=title, **extra),  # type: ignore[arg-type]
    )
    await commit_with_notifications(session)
    return lead


async def tags_of(session: AsyncSession, lead_id: int) -> list[str]:
    lead = await session.get_one(Lead, lead_id, populate_existing=True)
    await session.refresh(lead, attribute_names=["tags"])
    return [tag.name for tag in lead.tags]


async def activities_by_rule(session: AsyncSession, lead_id: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Activity.rule_name, Activity.kind)
        .where(Activity.lead_id == lead_id, Activity.rule_name.is_not(None))
        .order_by(Activity.id)
    )
    return [(name, kind.value) for name, kind in rows]


CREATED = When(trigger=Trigger.LEAD_CREATED)


async def test_rules_run_after_the_commit_once_per_event_and_in_order(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    await new_rule(session, team, "First tags", CREATED, [AddTag(tag="first")])
    # Runs second, so it sees what the first did.
    await new_rule(
        session,
        team,
        "Then notify",
        CREATED,
        [NotifyPerson(staff_id=team.manager.id), AddTag(tag="second")],
        conditions=[HasTag(tag="first")],
    )
    lead = await add_lead(session, team)
    assert await tags_of(session, lead.id) == []  # nothing yet: the rules run after the commit

    assert await run_all(session_factory) == 1
    assert await run_all(session_factory) == 0

    assert await tags_of(session, lead.id) == ["first", "second"]
    assert await activities_by_rule(session, lead.id) == [
        ("First tags", "system"),
        ("Then notify", "system"),
        ("Then notify", "system"),
    ]
    notices = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == RULE_NOTICE))
    assert [(n.recipient_id, n.payload["rule"]) for n in notices] == [
        (team.manager.id, "Then notify")
    ]


async def test_a_change_is_recorded_only_when_an_enabled_rule_listens_for_it(
    session: AsyncSession, team: Team
) -> None:
    off = await new_rule(session, team, "Off", CREATED, [AddTag(tag="x")])
    await set_enabled(session, actor=team.admin, rule_id=off.id, enabled=False)
    await new_rule(session, team, "Won", When(trigger=Trigger.LEAD_WON), [AddTag(tag="y")])
    await add_lead(session, team, "Nobody listens")
    assert await session.scalar(select(func.count()).select_from(RuleEvent)) == 0

    await set_enabled(session, actor=team.admin, rule_id=off.id, enabled=True)
    lead = await add_lead(session, team, "Listened")
    recorded = await session.execute(
        select(RuleEvent.trigger, RuleEvent.lead_id, RuleEvent.facts, RuleEvent.depth)
    )
    assert recorded.all() == [(Trigger.LEAD_CREATED, lead.id, {"source": lead.source}, 1)]


async def test_a_change_is_recorded_only_when_a_rule_s_narrowing_lets_it_through(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    """A rule on entering one stage, or on leads from one source, does not listen for the
    others: such a change writes no record for the runner to look at."""
    proposal = stages.proposal.id
    entered = When(trigger=Trigger.STAGE_ENTERED, stage_id=proposal)
    await new_rule(session, team, "Proposal", entered, [AddTag(tag="x")])
    from_site = When(trigger=Trigger.LEAD_CREATED, source=LeadSource.WEBSITE_CHAT)
    await new_rule(session, team, "From the site", from_site, [AddTag(tag="y")])

    lead = await add_lead(session, team, "By hand")
    for stage_id in (stages.qualified.id, proposal):
        lead = await session.get_one(Lead, lead.id, populate_existing=True)
        await move_to_stage(
            session, actor=team.rep, lead_id=lead.id, stage_id=stage_id, seen_version=lead.version
        )
        await commit_with_notifications(session)

    recorded = await session.execute(select(RuleEvent.trigger, RuleEvent.facts))
    assert recorded.all() == [(Trigger.STAGE_ENTERED, {"stage_id": proposal})]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_rule_made_while_a_change_is_under_way_sees_the_change(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
) -> None:
    """Whether a change is recorded is asked by its own transaction at its commit: a rule
    committed while the change was under way is seen (on SQLite the rule's commit waits for
    the change's)."""
    proposal = stages.proposal.id
    await new_rule(
        session,
        team,
        "Qualified",
        When(trigger=Trigger.STAGE_ENTERED, stage_id=stages.qualified.id),
        [AddTag(tag="qualified")],
    )
    lead = await add_lead(session, team)
    assert await run_all(session_factory) == 0

    async with session_factory() as changing:
        await move_to_stage(
            changing, actor=team.rep, lead_id=lead.id, stage_id=proposal, seen_version=lead.version
        )
        await changing.flush()
        entered = When(trigger=Trigger.STAGE_ENTERED, stage_id=proposal)
        await new_rule(session, team, "Proposal", entered, [AddTag(tag="proposal")])
        await commit_with_notifications(changing)

    assert await run_all(session_factory) == 1
    assert await tags_of(session, lead.id) == ["proposal"]


async def test_a_runner_sees_every_change_to_the_rules_between_two_events(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    """The runner keeps the rules in memory between events; any change to them, through the
    app or straight in the database, is seen by the next event."""
    runner = utc_runner(session_factory)
    first = await new_rule(session, team, "First", CREATED, [AddTag(tag="first")])
    before = await add_lead(session, team, "Before")
    assert await runner.run_due() == 1

    await set_enabled(session, actor=team.admin, rule_id=first.id, enabled=False)
    await new_rule(session, team, "Second", CREATED, [AddTag(tag="second")])
    switched = await add_lead(session, team, "Switched")
    assert await runner.run_due() == 1

    await session.execute(update(Rule).values(enabled=True))
    await session.commit()
    both = await add_lead(session, team, "Both")
    assert await runner.run_due() == 1

    assert await tags_of(session, before.id) == ["first"]
    assert await tags_of(session, switched.id) == ["second"]
    assert await tags_of(session, both.id) == ["first", "second"]


async def test_a_rolled_back_change_fires_nothing(session: AsyncSession, team: Team) -> None:
    await new_rule(session, team, "Tag", CREATED, [AddTag(tag="x")])
    await create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="Gone"))
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(RuleEvent)) == 0


async def test_two_rules_moving_a_lead_back_and_forth_stop_one_level_deep(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
) -> None:
    qualified, proposal = stages.qualified.id, stages.proposal.id
    await new_rule(
        session,
        team,
        "Forth",
        When(trigger=Trigger.STAGE_ENTERED, stage_id=qualified),
        [MoveToStage(stage_id=proposal)],
    )
    await new_rule(
        session,
        team,
        "Back",
        When(trigger=Trigger.STAGE_ENTERED, stage_id=proposal),
        [MoveToStage(stage_id=qualified)],
    )
    lead = await add_lead(session, team)
    await move_to_stage(
        session, actor=team.rep, lead_id=lead.id, stage_id=qualified, seen_version=lead.version
    )
    await commit_with_notifications(session)

    await run_all(session_factory)

    moved = await session.get_one(Lead, lead.id, populate_existing=True)
    # The person's move fired "Forth"; its move fired "Back"; "Back"'s move fires nothing.
    assert moved.stage_id == qualified
    assert await activities_by_rule(session, lead.id) == [
        ("Forth", "stage_change"),
        ("Back", "stage_change"),
    ]
    left = await session.scalar(
        select(func.count()).select_from(RuleEvent).where(RuleEvent.status != RuleEventStatus.DONE)
    )
    assert left == 0


async def test_a_runner_killed_mid_way_leaves_the_rule_to_run_once_after_restart(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    await new_rule(session, team, "Follow up", CREATED, [CreateTask(hours=2)])
    lead = await add_lead(session, team)
    now = datetime.now(UTC)

    # The first runner takes the record and dies before its transaction commits.
    async with session_factory() as dying:
        taken = await records.take_due(dying, now=now)
        assert taken is not None
        await dying.rollback()

    restarted = utc_runner(session_factory, clock=lambda: now)
    assert await restarted.run_due() == 1
    assert await restarted.run_due() == 0

    tasks = list(await session.scalars(select(Task).where(Task.lead_id == lead.id)))
    assert [(t.title, t.assignee_id) for t in tasks] == [("Follow up", team.rep.id)]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_only_a_taking_whose_rules_acted_waits_for_the_disk_at_commit(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    """A record whose rules did nothing, lost in a crash, is only looked at again; what a
    rule did must not be lost."""
    await new_rule(
        session, team, "Big deal", CREATED, [AddTag(tag="big")], [ValueBetween(at_least=100)]
    )
    small = await add_lead(session, team, "Small")
    big = await add_lead(session, team, "Big", value="500")
    now = datetime.now(UTC)

    waits: list[str] = []
    for _ in range(2):
        async with session_factory() as running:
            taken = await records.take_due(running, now=now)
            assert taken is not None
            await run_rules(running, taken, now=now)
            setting = select(func.current_setting("synchronous_commit"))
            waits.append((await running.execute(setting)).scalar_one())
            await running.commit()

    assert waits == ["off", "on"]
    assert (await tags_of(session, small.id), await tags_of(session, big.id)) == ([], ["big"])


async def test_a_rule_whose_stage_was_deleted_is_switched_off_and_the_admins_told(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
) -> None:
    doomed = Stage(pipeline_id=stages.new.pipeline_id, name="Doomed", position=99)
    session.add(doomed)
    await session.commit()
    broken = await new_rule(
        session, team, "Broken", CREATED, [AddTag(tag="kept-out"), MoveToStage(stage_id=doomed.id)]
    )
    await new_rule(session, team, "Still runs", CREATED, [AddTag(tag="after")])
    await session.execute(delete(Stage).where(Stage.id == doomed.id))
    await session.commit()

    lead = await add_lead(session, team)
    await run_all(session_factory)

    rule = await session.get_one(Rule, broken.id, populate_existing=True)
    assert (rule.enabled, rule.failure) == (False, "rule-stage-gone")
    # The broken rule did none of its actions; the rule after it ran.
    assert await tags_of(session, lead.id) == ["after"]
    told = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == RULE_FAILED))
    assert [(m.recipient_id, m.payload["reason"]) for m in told] == [
        (team.admin.id, "rule-stage-gone")
    ]

    # Switched off, it no longer runs; switched on again, its failure is forgotten.
    await set_enabled(session, actor=team.admin, rule_id=broken.id, enabled=True)
    await session.commit()
    assert (await session.get_one(Rule, broken.id)).failure is None


async def test_round_robin_takes_the_picked_people_in_turn(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    picked = [team.rep.id, team.other_rep.id]
    await new_rule(session, team, "Share", CREATED, [AssignInTurn(staff_ids=tuple(picked))])
    leads = [await add_lead(session, team, f"Lead {n}") for n in range(3)]
    await run_all(session_factory)
    owners = [
        (await session.get_one(Lead, lead.id, populate_existing=True)).responsible_id
        for lead in leads
    ]
    assert owners == [team.rep.id, team.other_rep.id, team.rep.id]


async def test_rules_can_be_reordered(session: AsyncSession, team: Team) -> None:
    first = await new_rule(session, team, "A", CREATED, [AddTag(tag="a")])
    second = await new_rule(session, team, "B", CREATED, [AddTag(tag="b")])
    await move_rule(session, actor=team.admin, rule_id=second.id, offset=-1)
    await session.commit()
    names = await session.scalars(select(Rule.name).order_by(Rule.position))
    assert list(names) == ["B", "A"]
    assert first.id != second.id


async def test_the_dry_run_counts_what_the_runner_would_match(
    session: AsyncSession, team: Team
) -> None:
    await add_lead(session, team, "Small", value="10")
    big = await add_lead(session, team, "Big", value="5000")
    spec = RuleSpec(
        when=CREATED, conditions=(ValueBetween(at_least=100_000),), actions=(AddTag(tag="vip"),)
    )
    result = await dry_run(session, actor=team.admin, spec=spec)
    assert (result.count, [lead.id for lead in result.first]) == (1, [big.id])


async def test_a_lead_gone_idle_fires_its_rule_once_per_spell(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    rule = await new_rule(
        session, team, "Wake up", When(trigger=Trigger.LEAD_IDLE, days=3), [AddTag(tag="idle")]
    )
    lead = await add_lead(session, team)
    start = rule.created_at
    assert await record_timed_events(session, now=start + timedelta(days=2)) == 0
    await session.commit()
    four_days_on = start + timedelta(days=4)
    assert await record_timed_events(session, now=four_days_on) == 1
    await session.commit()
    assert await record_timed_events(session, now=four_days_on + timedelta(hours=1)) == 0
    await session.commit()
    await run_all(session_factory)
    assert await tags_of(session, lead.id) == ["idle"]


async def test_a_customer_writing_fires_the_rules_of_their_channel_only(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    await new_rule(
        session,
        team,
        "WhatsApp",
        When(trigger=Trigger.CUSTOMER_WROTE, channel=LeadSource.WHATSAPP),
        [AddTag(tag="whatsapp")],
    )
    await new_rule(
        session,
        team,
        "Chat",
        When(trigger=Trigger.CUSTOMER_WROTE, channel=LeadSource.WEBSITE_CHAT),
        [AddTag(tag="chat")],
    )
    intake = await receive_message(
        session,
        message=InboundMessage(
            channel=LeadSource.WHATSAPP,
            sender_id="380671234567",
            text="Hello",
            sent_at=datetime.now(UTC),
            sender_phone="+380671234567",
        ),
    )
    await commit_with_notifications(session)
    await run_all(session_factory)
    assert intake.lead_id is not None
    assert await tags_of(session, intake.lead_id) == ["whatsapp"]


async def test_a_task_come_due_fires_its_rule_once(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    rule = await new_rule(
        session, team, "Late", When(trigger=Trigger.TASK_OVERDUE), [AddTag(tag="late")]
    )
    lead = await add_lead(session, team)
    due = rule.created_at + timedelta(hours=1)
    session.add(Task(title="Call", due_at=due, assignee_id=team.rep.id, lead_id=lead.id))
    await session.commit()
    assert await record_timed_events(session, now=due - timedelta(minutes=1)) == 0
    assert await record_timed_events(session, now=due + timedelta(minutes=1)) == 1
    assert await record_timed_events(session, now=due + timedelta(minutes=2)) == 0
    await session.commit()
    await run_all(session_factory)
    assert await tags_of(session, lead.id) == ["late"]


CONDITIONS = [
    SourceIs(source=LeadSource.MANUAL),
    SourceIs(source=LeadSource.WHATSAPP),
    ValueBetween(at_least=100_000, at_most=200_000),
    ValueBetween(at_most=50_000),
    HasTag(tag="vip"),
    HasTag(tag="vip", present=False),
]


async def test_each_condition_asks_the_same_of_one_lead_as_of_the_database(
    session: AsyncSession, team: Team
) -> None:
    """The runner asks a loaded lead, the dry run asks SQL: both must agree."""
    leads = [
        await add_lead(session, team, "Small", value="100"),
        await add_lead(session, team, "Mid", value="1500", tags=["vip"]),
        await add_lead(session, team, "None"),
    ]
    for condition in CONDITIONS:
        in_sql = set(
            await session.scalars(
                select(Lead.id).where(Lead.id.in_([lead.id for lead in leads]), condition.where())
            )
        )
        in_memory = set()
        for lead in leads:
            loaded = await session.get_one(Lead, lead.id)
            facts = LeadFacts.of(loaded, await loaded.awaitable_attrs.tags)
            if condition.holds(facts):
                in_memory.add(lead.id)
        assert in_sql == in_memory, condition


# Rules that name a team or an outgoing webhook.


async def new_branch(
    session: AsyncSession, name: str, members: Sequence[Staff], head: Staff | None = None
) -> Branch:
    branch = Branch(name=name, head_id=head.id if head else None)
    session.add(branch)
    await session.flush()
    session.add_all(TeamMember(team_id=branch.id, staff_id=person.id) for person in members)
    await session.commit()
    return branch


async def test_round_robin_within_a_team_takes_its_active_members_in_turn(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    gone = Staff(telegram_id=1009, display_name="Left", role=Role.REP, is_active=False)
    session.add(gone)
    await session.commit()
    branch = await new_branch(session, "Kyiv", [team.other_rep, gone, team.rep])
    await new_rule(session, team, "Share", CREATED, [AssignInTeam(team_id=branch.id)])
    leads = [await add_lead(session, team, f"Lead {n}") for n in range(3)]
    await run_all(session_factory)
    owners = [
        (await session.get_one(Lead, lead.id, populate_existing=True)).responsible_id
        for lead in leads
    ]
    assert owners == [team.rep.id, team.other_rep.id, team.rep.id]


async def test_round_robin_within_an_emptied_team_switches_the_rule_off(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    branch = await new_branch(session, "Empty", [])
    rule = await new_rule(session, team, "Share", CREATED, [AssignInTeam(team_id=branch.id)])
    lead = await add_lead(session, team)
    await run_all(session_factory)
    off = await session.get_one(Rule, rule.id, populate_existing=True)
    assert (off.enabled, off.failure) == (False, "rule-nobody-to-assign")
    assert (await session.get_one(Lead, lead.id)).responsible_id == team.rep.id


async def test_the_team_condition_asks_the_responsible_s_teams(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    reps = await new_branch(session, "Reps", [team.rep])
    others = await new_branch(session, "Others", [team.other_rep])
    for branch in (reps, others):
        await new_rule(
            session,
            team,
            branch.name,
            CREATED,
            [AddTag(tag=branch.name.lower())],
            conditions=[ResponsibleInTeam(team_id=branch.id)],
        )
    lead = await add_lead(session, team)
    await run_all(session_factory)
    assert await tags_of(session, lead.id) == ["reps"]
    # The dry run's SQL agrees with the runner.
    for branch, expected in ((reps, {lead.id}), (others, set())):
        where = ResponsibleInTeam(team_id=branch.id).where()
        assert set(await session.scalars(select(Lead.id).where(where))) == expected


async def test_notifying_a_team_tells_its_head_and_members_who_may_see_the_lead(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    branch = await new_branch(
        session, "Lviv", [team.manager, team.rep, team.other_rep], head=team.manager
    )
    await new_rule(session, team, "Tell Lviv", CREATED, [NotifyTeam(team_id=branch.id)])
    lead = await add_lead(session, team)
    await run_all(session_factory)
    notices = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == RULE_NOTICE).order_by(OutboxMessage.id)
    )
    # The other rep may not see the rep's lead; the admin is not in the team.
    assert [(n.recipient_id, n.payload) for n in notices] == [
        (team.manager.id, {"lead_id": lead.id, "rule": "Tell Lviv"}),
        (team.rep.id, {"lead_id": lead.id, "rule": "Tell Lviv"}),
    ]
    assert await activities_by_rule(session, lead.id) == [("Tell Lviv", "system")]


async def test_a_rule_sends_the_lead_to_a_webhook_once_per_rule_and_event(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    hook = Webhook(url="https://example.com/hook", secret="whsec_c2VjcmV0", events=[])
    session.add(hook)
    await session.commit()
    first = await new_rule(session, team, "Push", CREATED, [SendWebhook(webhook_id=hook.id)])
    second = await new_rule(
        session,
        team,
        "Push twice",
        CREATED,
        [SendWebhook(webhook_id=hook.id), SendWebhook(webhook_id=hook.id)],
    )
    lead = await add_lead(session, team)
    await run_all(session_factory)
    await run_all(session_factory)

    record = await session.scalar(select(RuleEvent).where(RuleEvent.lead_id == lead.id))
    assert record is not None
    deliveries = list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
    assert [(d.webhook_id, d.event_id, d.event_type) for d in deliveries] == [
        (hook.id, f"evt_rule_{first.id}_{record.id}", RULE_FIRED),
        (hook.id, f"evt_rule_{second.id}_{record.id}", RULE_FIRED),
    ]
    body = json.loads(deliveries[0].body)
    assert (body["id"], body["type"]) == (deliveries[0].event_id, "rule.fired")
    assert body["data"]["rule"] == {"id": first.id, "name": "Push"}
    assert body["data"]["trigger"] == "lead_created"
    assert (body["data"]["lead"]["id"], body["data"]["lead"]["title"]) == (lead.id, lead.title)


async def test_a_rule_whose_webhook_was_deleted_is_switched_off(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    hook = Webhook(url="https://example.com/hook", secret="whsec_c2VjcmV0", events=[])
    session.add(hook)
    await session.commit()
    rule = await new_rule(session, team, "Push", CREATED, [SendWebhook(webhook_id=hook.id)])
    hook.deleted_at = datetime.now(UTC)
    await session.commit()
    await add_lead(session, team)
    await run_all(session_factory)
    off = await session.get_one(Rule, rule.id, populate_existing=True)
    assert (off.enabled, off.failure) == (False, "rule-webhook-gone")
    assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


async def test_a_rule_naming_a_missing_team_or_webhook_is_refused(
    session: AsyncSession, team: Team
) -> None:
    for action, code in (
        (NotifyTeam(team_id=404), "rule-team-gone"),
        (AssignInTeam(team_id=404), "rule-team-gone"),
        (SendWebhook(webhook_id=404), "rule-webhook-gone"),
    ):
        spec = RuleSpec(when=CREATED, actions=(action,))
        with pytest.raises(ValidationFailed) as refused:
            await create_rule(session, actor=team.admin, name="Bad", spec=spec)
        assert refused.value.code == code
    assert await session.scalar(select(func.count()).select_from(Rule)) == 0


class Committed:
    """The runner's outbox: woken after each record the runner commits."""

    def __init__(self) -> None:
        self.woken = asyncio.Event()

    def wake(self) -> None:
        self.woken.set()


async def test_a_commit_that_records_an_event_wakes_the_idle_runner_at_once(
    engine: AsyncEngine, session: AsyncSession, team: Team
) -> None:
    await new_rule(session, team, "Welcome", CREATED, [AddTag(tag="welcomed")])
    wakeups = Wakeups()
    session_factory = create_session_factory(engine, wakeups=wakeups)
    clock, committed = LateClock(), Committed()
    runner = RuleRunner(session_factory, committed, clock=clock, poll_seconds=AN_HOUR)
    wakeups.register(Queue.RULE_EVENTS, runner)
    running = asyncio.create_task(runner.run())
    await clock.read.wait()  # it looked, found nothing due by its clock, and waits an hour
    clock.catch_up()

    async with session_factory() as writer:
        lead = await add_lead(writer, team)
    await asyncio.wait_for(committed.woken.wait(), FAILS_AFTER_SECONDS)
    runner.stop()
    await running

    assert await tags_of(session, lead.id) == ["welcomed"]


async def test_a_database_that_does_not_answer_does_not_stop_the_runner() -> None:
    engine = create_engine("postgresql+asyncpg://crm@127.0.0.1:1/crm")  # nothing listens
    clock = LateClock()
    runner = RuleRunner(
        create_session_factory(engine), Committed(), clock=clock, poll_seconds=AN_HOUR
    )
    running = asyncio.create_task(runner.run())
    await clock.read.wait()
    clock.read.clear()
    runner.wake()

    await asyncio.wait_for(clock.read.wait(), FAILS_AFTER_SECONDS)  # it looked again
    runner.stop()
    await running
    await engine.dispose()


async def test_the_runner_knows_from_the_record_it_takes_whether_another_is_due(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    await new_rule(session, team, "Welcome", CREATED, [AddTag(tag="welcomed")])
    first = await add_lead(session, team, "Olena")
    second = await add_lead(session, team, "Petro")
    runner = utc_runner(session_factory)

    looks = [await runner.run_next(), await runner.run_next(), await runner.run_next()]

    assert looks == [Looked.RAN_ONE_OF_MORE, Looked.RAN_THE_LAST, Looked.NOTHING_DUE]
    assert [await tags_of(session, lead.id) for lead in (first, second)] == [
        ["welcomed"],
        ["welcomed"],
    ]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_runner_whose_connection_was_cut_runs_the_next_record_on_another(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    """The runner holds one connection while it runs; the server may end it at any time."""
    await new_rule(session, team, "Welcome", CREATED, [AddTag(tag="welcomed")])
    runner = utc_runner(session_factory)
    async with runner.holding_a_connection():
        first = await add_lead(session, team, "Olena")
        assert await runner.run_due() == 1
        await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await session.commit()
        second = await add_lead(session, team, "Petro")
        with pytest.raises(DBAPIError):  # run() logs it and looks again
            await runner.run_due()
        assert await runner.run_due() == 1

    assert [await tags_of(session, lead.id) for lead in (first, second)] == [
        ["welcomed"],
        ["welcomed"],
    ]
