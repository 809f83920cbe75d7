"""A rep touches only their own leads; two people moving one lead at once move it once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import Conflict, Forbidden
from crm.models import Activity, ActivityKind, Lead, LostReason, Task
from crm.schemas import LeadChanges, LeadDraft
from crm.services import board, cards, customer_card, leads, search, tags, tasks, timeline
from crm.services.staff import deactivate_staff
from tests.crm.conftest import Stages, Team

Attempt = Callable[[AsyncSession, Team, int, Stages], Awaitable[object]]
# The card the rep would have seen of the untouched lead: only access stands in the way.
NEW_LEAD_VERSION = 1

ATTEMPTS: dict[str, Attempt] = {
    "open the card": lambda s, t, lead_id, st: cards.lead_card(s, actor=t.rep, lead_id=lead_id),
    "read the timeline": lambda s, t, lead_id, st: timeline.lead_timeline(
        s, actor=t.rep, lead_id=lead_id
    ),
    "move it": lambda s, t, lead_id, st: leads.move_to_stage(
        s, actor=t.rep, lead_id=lead_id, stage_id=st.qualified.id, seen_version=NEW_LEAD_VERSION
    ),
    "step it along": lambda s, t, lead_id, st: leads.move_to_next_stage(
        s, actor=t.rep, lead_id=lead_id, seen_version=NEW_LEAD_VERSION
    ),
    "list its stages": lambda s, t, lead_id, st: leads.stage_choices(
        s, actor=t.rep, lead_id=lead_id, seen_version=NEW_LEAD_VERSION
    ),
    "win it": lambda s, t, lead_id, st: leads.win_with_value(
        s, actor=t.rep, lead_id=lead_id, seen_version=NEW_LEAD_VERSION, value="1"
    ),
    "lose it": lambda s, t, lead_id, st: leads.mark_lost(
        s, actor=t.rep, lead_id=lead_id, seen_version=NEW_LEAD_VERSION, reason=LostReason.PRICE
    ),
    "edit it": lambda s, t, lead_id, st: leads.update_lead(
        s, actor=t.rep, lead_id=lead_id, changes=LeadChanges(title="mine now")
    ),
    "add a note": lambda s, t, lead_id, st: timeline.add_note(
        s, actor=t.rep, lead_id=lead_id, text="hello"
    ),
    "tag it": lambda s, t, lead_id, st: tags.tag_lead(
        s, actor=t.rep, lead_id=lead_id, names=["vip"]
    ),
    "convert it": lambda s, t, lead_id, st: leads.convert_lead_to_order(
        s, actor=t.rep, lead_id=lead_id, external_id="X", amount="1"
    ),
    "set a task on it": lambda s, t, lead_id, st: tasks.create_task(
        s, actor=t.rep, title="call", due_at=func_now(), lead_id=lead_id
    ),
}


def func_now():  # type: ignore[no-untyped-def]
    from crm.models import utcnow

    return utcnow()


@pytest.fixture
async def lead_of_other_rep(session: AsyncSession, team: Team) -> Lead:
    lead = await leads.create_lead(
        session,
        actor=team.other_rep,
        draft=LeadDraft(contact_name="Sophia Clark", phone="+380931234567", value="900"),
    )
    await session.commit()
    return lead


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=list(ATTEMPTS))
async def test_a_rep_cannot_touch_another_reps_lead(
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
    lead_of_other_rep: Lead,
    attempt: str,
) -> None:
    async with session_factory() as session:
        with pytest.raises(Forbidden):
            await ATTEMPTS[attempt](session, team, lead_of_other_rep.id, stages)
        await session.rollback()

    async with session_factory() as session:
        lead = await session.get(Lead, lead_of_other_rep.id)
        assert lead is not None
        assert (lead.stage_id, lead.title, lead.version, lead.order_id) == (
            stages.new.id,
            "Sophia Clark",
            lead_of_other_rep.version,
            None,
        )
        assert await lead.awaitable_attrs.tags == []
        assert await session.scalar(select(func.count()).select_from(Activity)) == 1
        assert await session.scalar(select(func.count()).select_from(Task)) == 0


async def test_a_rep_neither_finds_nor_counts_another_reps_leads(
    session: AsyncSession, team: Team, lead_of_other_rep: Lead
) -> None:
    found = await search.search_leads(session, actor=team.rep, text="Sophia")
    figures = await board.pipeline_board(session, actor=team.rep)
    managers_figures = await board.pipeline_board(session, actor=team.manager)

    assert found == []
    assert figures.lead_count == 0
    assert managers_figures.lead_count == 1


async def test_a_rep_cannot_open_a_customer_without_a_lead_of_theirs(
    session: AsyncSession, team: Team, lead_of_other_rep: Lead
) -> None:
    await leads.convert_lead_to_order(
        session, actor=team.other_rep, lead_id=lead_of_other_rep.id, external_id="1", amount="9"
    )
    await session.commit()

    with pytest.raises(Forbidden):
        await customer_card.customer_card(
            session,
            actor=team.rep,
            customer_id=lead_of_other_rep.customer_id,  # type: ignore[arg-type]
        )


async def test_a_deactivated_rep_is_locked_out_at_once(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="A"))
    await session.commit()

    moved = await deactivate_staff(
        session, actor=team.admin, staff_id=team.rep.id, reassign_to_id=team.other_rep.id
    )
    await session.commit()

    assert moved == 1
    with pytest.raises(Forbidden):
        await board.pipeline_board(session, actor=team.rep)
    with pytest.raises(Forbidden):
        await cards.lead_card(session, actor=team.rep, lead_id=lead.id)
    card = await cards.lead_card(session, actor=team.other_rep, lead_id=lead.id)
    assert card.recent_activities[0].kind == ActivityKind.ASSIGNMENT


async def test_two_people_moving_one_lead_at_once_move_it_once(
    session_factory: async_sessionmaker[AsyncSession], team: Team, stages: Stages
) -> None:
    async with session_factory() as session:
        lead = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="A"))
        await session.commit()
    both_read = asyncio.Barrier(2)

    async def move(target_stage: int) -> str:
        async with session_factory() as session:
            actor = await session.merge(team.manager, load=True)
            seen = await session.get(Lead, lead.id)
            await both_read.wait()
            try:
                assert seen is not None
                await leads.move_to_stage(
                    session,
                    actor=actor,
                    lead_id=lead.id,
                    stage_id=target_stage,
                    seen_version=seen.version,
                )
                await session.commit()
            except Conflict:
                await session.rollback()
                return "conflict"
            return "moved"

    outcomes = await asyncio.gather(move(stages.qualified.id), move(stages.proposal.id))

    assert sorted(outcomes) == ["conflict", "moved"]
    async with session_factory() as session:
        moves = (
            await session.scalars(
                select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE)
            )
        ).all()
        current = await session.get(Lead, lead.id)
        assert len(moves) == 1
        assert current is not None and current.stage_id == moves[0].to_stage_id
        assert current.version == lead.version + 1
