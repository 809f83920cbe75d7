"""The lead card's tasks: the open one due first and how many are open and done, read in one
statement, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import utcnow
from crm.schemas import LeadDraft
from crm.services import cards, leads, tasks
from tests.crm.conftest import Team


async def test_a_card_without_tasks_has_none_due_and_counts_nothing(
    session: AsyncSession, team: Team
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Олена"), allow_duplicate=True
    )
    await session.flush()

    card = await cards.lead_card(session, actor=team.rep, lead_id=lead.id)

    assert card.next_task is None
    assert (card.statistics.open_tasks, card.statistics.done_tasks) == (0, 0)


async def test_a_card_shows_the_open_task_due_first_and_counts_open_and_done(
    session: AsyncSession, team: Team
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Тарас"), allow_duplicate=True
    )
    now = utcnow()
    for title, days in (("Later", 3), ("Sooner", 1), ("Done first", 0)):
        await tasks.create_task(
            session, actor=team.rep, title=title, due_at=now + timedelta(days=days), lead_id=lead.id
        )
    await session.flush()
    done = await cards.lead_card(session, actor=team.rep, lead_id=lead.id)
    assert done.next_task is not None and done.next_task.title == "Done first"
    await tasks.complete_task(session, actor=team.rep, task_id=done.next_task.id)
    await session.flush()

    card = await cards.lead_card(session, actor=team.rep, lead_id=lead.id)

    assert card.next_task is not None and card.next_task.title == "Sooner"
    assert (card.statistics.open_tasks, card.statistics.done_tasks) == (2, 1)
