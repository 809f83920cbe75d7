"""What the lead card shows besides the lead (its latest entries, tags, order totals, whether
another lead shares a contact), read in one statement, the same on both databases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import ActivityKind, Order
from crm.schemas import LeadDraft
from crm.services import cards, leads, tags, timeline
from crm.services.staff import staff_by_telegram_id
from tests.crm.conftest import Stages, Team


async def test_a_card_shows_the_latest_entries_tags_totals_per_currency_and_a_shared_email(
    session: AsyncSession, team: Team
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Олена", email="olena@example.com")
    )
    await leads.create_lead(
        session,
        actor=team.other_rep,
        draft=LeadDraft(contact_name="O. Petrenko", email="Olena@Example.com"),
        allow_duplicate=True,
    )
    await tags.tag_lead(session, actor=team.rep, lead_id=lead.id, names=["ярмарок", "vip", "opt"])
    for n in range(1, 5):
        await timeline.add_note(session, actor=team.rep, lead_id=lead.id, text=f"note {n}")
    order = await leads.convert_lead_to_order(
        session, actor=team.rep, lead_id=lead.id, external_id="A-1", amount="400.50"
    )
    session.add_all(
        [
            Order(
                customer_id=order.customer_id, external_id="B-2", amount_minor=1000, currency="EUR"
            ),
            Order(
                customer_id=order.customer_id, external_id="C-3", amount_minor=99, currency="UAH"
            ),
        ]
    )
    await session.commit()

    card = await cards.lead_card(session, actor=team.rep, lead_id=lead.id)

    assert [tag.name for tag in card.tags] == ["opt", "vip", "ярмарок"]
    assert card.has_duplicates
    assert [(entry.kind, entry.text) for entry in card.recent_activities] == [
        (ActivityKind.CONVERSION, "A-1"),
        (ActivityKind.STAGE_CHANGE, None),
        (ActivityKind.NOTE, "note 4"),
    ]
    assert card.statistics.orders == 3
    assert card.statistics.paid == {"UAH": Decimal("401.49"), "EUR": Decimal("10.00")}
    assert card.next_task is None


async def test_a_new_lead_without_customer_counts_nothing_and_shares_nothing(
    session: AsyncSession, team: Team
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Іван", phone="0671234567")
    )
    await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Someone else", phone="0931234567")
    )
    await session.commit()

    card = await cards.lead_card(session, actor=team.rep, lead_id=lead.id)

    assert (card.tags, card.has_duplicates, card.next_task) == ([], False, None)
    assert (card.statistics.orders, card.statistics.paid) == (0, {})
    assert [entry.lead_id for entry in card.recent_activities] == [lead.id] * len(
        card.recent_activities
    )


async def test_the_card_is_one_statement_once_the_update_knows_the_stages_version(
    session: AsyncSession, team: Team
) -> None:
    lead = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="Ада"))
    await session.commit()
    actor = await staff_by_telegram_id(session, team.rep.telegram_id)
    assert actor is not None
    await cards.card_of(session, actor=actor, lead=lead)
    statements: list[str] = []

    def run(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", run)
    try:
        await cards.card_of(session, actor=actor, lead=lead)
    finally:
        event.remove(engine, "before_cursor_execute", run)

    assert len(statements) == 1


async def test_a_managers_move_of_a_reps_lead_answers_with_the_owner_on_the_card(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="Ада"))
    await session.commit()
    session.expunge_all()
    manager = await staff_by_telegram_id(session, team.manager.telegram_id)
    assert manager is not None

    card = await leads.move_to_stage(
        session, actor=manager, lead_id=lead.id, stage_id=stages.qualified.id, seen_version=1
    )

    assert isinstance(card, cards.LeadCard)
    assert card.lead.stage.name == "Qualified"
    assert card.lead.responsible is not None
    assert card.lead.responsible.display_name == "Тарас Мельник"
