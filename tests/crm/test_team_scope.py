"""Teams scope what a manager sees: for random teams, people and leads, no read path returns
a lead outside the reader's scope, and nobody outside it is told about one.

The scope is checked against a model written here from the rule as the README states it
(admins everything; a manager in no team everything; a manager in teams their own and their
teammates' work; a rep their own), not from the code under test.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import events
from crm.digests import team_figures
from crm.errors import Forbidden
from crm.models import (
    Customer,
    Lead,
    OutboxMessage,
    Role,
    SegmentTarget,
    Staff,
    Task,
)
from crm.notifications import enqueue_for_events
from crm.reminders import escalate_overdue_tasks
from crm.reports.outcomes import created_by, reps
from crm.reports.periods import typed_period
from crm.services import teams
from crm.services.board import pipeline_board, stage_leads
from crm.services.cards import lead_card
from crm.services.customer_card import Section, section_page
from crm.services.exports import ExportKind, export_table
from crm.services.pipelines import default_pipeline
from crm.services.search import latest_leads, search_leads
from crm.services.segments import save_segment, segment_members

NOW = datetime.now(UTC)
OVERDUE = NOW - timedelta(days=3)


@dataclass(frozen=True)
class World:
    roles: list[Role]
    # Each team: the indexes of its members, and of its head among them (or None).
    teams: list[tuple[frozenset[int], int | None]]
    # Each lead: the index of its responsible person, or None.
    leads: list[int | None]
    # Each task: its assignee, and the lead it is on (an index into leads), if any.
    tasks: list[tuple[int, int | None]]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    roles = draw(st.lists(st.sampled_from(list(Role)), min_size=2, max_size=5))
    people = st.integers(0, len(roles) - 1)
    team_list = []
    for members in draw(st.lists(st.frozensets(people, max_size=4), max_size=3)):
        heads = [i for i in sorted(members) if roles[i] != Role.REP]
        head = draw(st.sampled_from([None, *heads]))
        team_list.append((members, head))
    leads = draw(st.lists(st.none() | people, max_size=6))
    on_lead = st.none() | st.integers(0, len(leads) - 1) if leads else st.none()
    tasks = draw(st.lists(st.tuples(people, on_lead), max_size=3))
    return World(roles, team_list, leads, tasks)


def sees(world: World, reader: int, owner: int | None) -> bool:
    """The model of the rule."""
    role = world.roles[reader]
    my_teams = [members for members, _ in world.teams if reader in members]
    if role == Role.ADMIN or (role == Role.MANAGER and not my_teams):
        return True
    if owner is None:
        return False
    return owner == reader or (
        role == Role.MANAGER and any(owner in members for members in my_teams)
    )


def sees_task(world: World, reader: int, task: tuple[int, int | None]) -> bool:
    assignee, lead = task
    return sees(world, reader, assignee) or (
        lead is not None and sees(world, reader, world.leads[lead])
    )


@dataclass
class Built:
    staff: list[Staff]
    maker: Staff
    leads: list[Lead]
    tasks: list[Task]
    customer: Customer


async def build(session: AsyncSession, world: World) -> Built:
    """The people, then the teams through the admins' own use cases, then leads and tasks."""
    staff = [
        Staff(telegram_id=7000 + i, display_name=f"Person {i}", role=role)
        for i, role in enumerate(world.roles)
    ]
    # Someone to make the teams, outside the world: an admin of no team changes no scope
    # but is one more reader who sees everything.
    maker = Staff(telegram_id=6999, display_name="Maker", role=Role.ADMIN)
    session.add_all([*staff, maker])
    await session.flush()
    for number, (members, head) in enumerate(world.teams):
        team = await teams.create_team(session, actor=maker, name=f"Office {number}")
        for member in sorted(members):
            await teams.add_member(session, actor=maker, team_id=team.id, staff_id=staff[member].id)
        if head is not None:
            await teams.set_head(session, actor=maker, team_id=team.id, staff_id=staff[head].id)
    pipeline = await default_pipeline(session)
    customer = Customer(name="Shared customer")
    session.add(customer)
    await session.flush()
    leads = [
        Lead(
            stage_id=pipeline.stages[0].id,
            title=f"Acme deal {number}",
            search_text=f"acme deal {number}",
            responsible_id=None if owner is None else staff[owner].id,
            customer_id=customer.id,
            value_minor=100,
        )
        for number, owner in enumerate(world.leads)
    ]
    session.add_all(leads)
    await session.flush()
    tasks = [
        Task(
            title=f"Call {number}",
            due_at=OVERDUE,
            remind_at=OVERDUE,
            assignee_id=staff[assignee].id,
            lead_id=None if lead is None else leads[lead].id,
        )
        for number, (assignee, lead) in enumerate(world.tasks)
    ]
    session.add_all(tasks)
    await session.flush()
    return Built(staff, maker, leads, tasks, customer)


async def read_paths(session: AsyncSession, built: Built, reader: Staff) -> dict[str, set[int]]:
    """The ids of the leads each read path gives ``reader``."""
    pipeline = await default_pipeline(session)
    period = typed_period(
        date.today() - timedelta(days=1), date.today() + timedelta(days=1), zone="UTC"
    )
    segment = await save_segment(
        session, actor=built.maker, name="All", target=SegmentTarget.LEADS, filters={}
    )
    found = {
        "search": {lead.id for lead in await search_leads(session, actor=reader, text="acme")},
        "inline mode": {lead.id for lead in await latest_leads(session, actor=reader, limit=50)},
        "board": {
            lead.id
            for stage in pipeline.stages
            for lead in (
                await stage_leads(session, actor=reader, stage_id=stage.id, page_size=50)
            ).items
        },
        "export": {
            row[0]
            for row in (await export_table(session, actor=reader, kind=ExportKind.LEADS)).rows
        },
        "segment": {
            lead.id
            for lead in (await segment_members(session, actor=reader, segment_id=segment.id)).items
        },
        "card": set(),
        "customer card": set(),
    }
    for lead in built.leads:
        with suppress(Forbidden):
            found["card"].add((await lead_card(session, actor=reader, lead_id=lead.id)).lead.id)
    try:
        deals = await section_page(
            session, actor=reader, customer_id=built.customer.id, section=Section.DEALS, page=0
        )
        found["customer card"] = {deal.id for deal in deals.items}
    except Forbidden:
        pass
    found["tasks export"] = {
        row[0] for row in (await export_table(session, actor=reader, kind=ExportKind.TASKS)).rows
    }
    # Figures: the counts must be those of the leads in scope.
    board = await pipeline_board(session, actor=reader)
    found["board count"] = set(range(board.lead_count))
    created = await created_by(session, actor=reader, period=period, key=Lead.responsible_id)
    found["report count"] = set(range(sum(created.values())))
    if reader.oversees_others:
        digest = await team_figures(
            session,
            reader=reader,
            since=NOW - timedelta(days=1),
            until=NOW + timedelta(days=1),
            now=NOW,
        )
        found["digest count"] = set(range(digest.new_count))
        people = {
            row.rep.id
            for row in await reps(session, actor=reader, period=period, now=NOW)
            if row.rep
        }
        found["report people"] = people
    await session.delete(segment)
    return found


async def recipients(session: AsyncSession) -> dict[tuple[str, int], set[int]]:
    """Who the outbox tells, about which lead or task; the outbox is emptied."""
    told: dict[tuple[str, int], set[int]] = {}
    for message in await session.scalars(select(OutboxMessage)):
        about = message.payload.get("lead_id") or message.payload.get("task_id")
        told.setdefault((message.kind, about), set()).add(message.recipient_id)
    await session.execute(delete(OutboxMessage))
    return told


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
async def test_no_read_path_and_no_notification_leaves_the_readers_scope(
    session_factory: async_sessionmaker[AsyncSession], world: World
) -> None:
    # One transaction per example, rolled back at its end: the next starts from nothing.
    async with session_factory() as session:
        built = await build(session, world)
        ids = [lead.id for lead in built.leads]
        for index, reader in enumerate(built.staff):
            expected = {ids[n] for n, owner in enumerate(world.leads) if sees(world, index, owner)}
            for path, found in (await read_paths(session, built, reader)).items():
                if path.endswith("count"):
                    assert len(found) == len(expected), (path, world.roles[index])
                elif path == "tasks export":
                    assert found == {
                        built.tasks[n].id
                        for n, task in enumerate(world.tasks)
                        if sees_task(world, index, task)
                    }, path
                elif path == "report people":
                    in_scope = {
                        built.staff[n].id
                        for n, role in enumerate(world.roles)
                        if sees(world, index, n) and role == Role.REP
                    }
                    assert in_scope <= found, path
                    for person in found:
                        n = next(i for i, s in enumerate(built.staff) if s.id == person)
                        assert sees(world, index, n), path
                else:
                    assert found == expected, (path, world.roles[index])

        # Notifications: of each lead's creation and win, the managers and admins whose scope
        # holds it are told, and nobody else.
        await recipients(session)
        happened: list[events.DomainEvent] = []
        for lead in built.leads:
            happened += [
                events.LeadCreated(
                    actor_id=None, lead_id=lead.id, responsible_id=lead.responsible_id, source="x"
                ),
                events.LeadWon(actor_id=None, lead_id=lead.id, value=None, currency="UAH"),
            ]
        await enqueue_for_events(session, happened, now=NOW)
        told = await recipients(session)
        overseers = [n for n, role in enumerate(world.roles) if role != Role.REP]
        for number, lead in enumerate(built.leads):
            owner = world.leads[number]
            should = {built.staff[n].id for n in overseers if sees(world, n, owner)}
            assert told.get(("lead_won", lead.id), set()) - {built.maker.id} == should
            created = told.get(("lead_created", lead.id), set()) - {built.maker.id}
            assert created == should
            assigned = told.get(("lead_assigned", lead.id), set())
            assert assigned <= ({built.staff[owner].id} if owner is not None else set())

        # Overdue tasks: the managers who see the task, not its assignee.
        await escalate_overdue_tasks(session, now=NOW)
        told = await recipients(session)
        for number, task in enumerate(built.tasks):
            assignee = world.tasks[number][0]
            should = {
                built.staff[n].id
                for n in overseers
                if n != assignee and sees_task(world, n, world.tasks[number])
            }
            assert told.get(("task_overdue", task.id), set()) - {built.maker.id} == should
