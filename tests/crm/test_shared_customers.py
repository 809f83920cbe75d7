"""A customer with deals of two reps: each rep sees the customer and their own deal's work,
never the other's notes, tasks or orders; managers see everything."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Conversation, Lead, Order, Staff, Task, utcnow
from crm.schemas import LeadDraft
from crm.services import cards, customer_card, leads, tasks, timeline
from crm.services.customer_card import CustomerCard, Section
from tests.crm.conftest import Stages, Team

PHONE = "+380671234567"
SECRET_NOTE = "discount 40% for Big Client"
SECRET_TASK = "Send Big Client the 40% offer"


@dataclass(frozen=True)
class SharedCustomer:
    customer_id: int
    first_deal: Lead  # the rep's, converted to order A-1
    second_deal: Lead  # the other rep's, created anyway as a duplicate


async def shared_customer(session: AsyncSession, team: Team) -> SharedCustomer:
    first = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Big Client", phone=PHONE)
    )
    order = await leads.convert_lead_to_order(
        session, actor=team.rep, lead_id=first.id, external_id="A-1", amount="40000"
    )
    await timeline.add_note(session, actor=team.rep, lead_id=first.id, text=SECRET_NOTE)
    await tasks.create_task(
        session, actor=team.rep, title=SECRET_TASK, due_at=utcnow(), lead_id=first.id
    )
    await tasks.create_task(
        session,
        actor=team.rep,
        title="Customer-wide reminder of the rep's",
        due_at=utcnow(),
        customer_id=order.customer_id,
    )
    session.add_all(
        [
            Order(
                customer_id=order.customer_id,
                external_id="SHOP-7",
                amount_minor=900,
                currency="UAH",
            ),
            Conversation(customer_id=order.customer_id, channel="WhatsApp"),
        ]
    )
    second = await leads.create_lead(
        session,
        actor=team.other_rep,
        draft=LeadDraft(contact_name="Big Client again", phone=PHONE),
        allow_duplicate=True,
    )
    await timeline.add_note(
        session, actor=team.other_rep, lead_id=second.id, text="the other rep's own note"
    )
    await session.commit()
    assert second.customer_id == order.customer_id
    return SharedCustomer(order.customer_id, first, second)


@dataclass(frozen=True)
class Seen:
    """The 360 card as ``actor`` opens it, and the first page of the sections checked here."""

    card: CustomerCard
    orders: list[Order]
    deals: list[Lead]
    open_tasks: list[Task]
    timeline: list[Activity]


def texts(seen: Seen) -> list[str | None]:
    return [activity.text for activity in seen.timeline]


async def summary_for(session: AsyncSession, actor: Staff, shared: SharedCustomer) -> Seen:
    customer_id = shared.customer_id
    sections = (Section.ORDERS, Section.DEALS, Section.TASKS, Section.TIMELINE)
    pages = [
        await customer_card.section_page(
            session, actor=actor, customer_id=customer_id, section=section, page=0
        )
        for section in sections
    ]
    card = await customer_card.customer_card(session, actor=actor, customer_id=customer_id)
    return Seen(card, *(page.items for page in pages))


async def test_a_rep_sees_the_shared_customer_but_not_the_other_reps_deal_work(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    shared = await shared_customer(session, team)

    seen = await summary_for(session, team.other_rep, shared)

    assert seen.card.customer.phones == [PHONE]
    assert seen.card.conversation_count == 1
    assert [order.external_id for order in seen.orders] == ["SHOP-7"]
    assert (seen.card.counts[Section.ORDERS], seen.card.lifetime_value) == (
        1,
        {"UAH": Decimal("9.00")},
    )
    assert [deal.id for deal in seen.deals] == [shared.second_deal.id]
    assert seen.card.deals.others == 1
    assert seen.open_tasks == []
    assert texts(seen) == ["the other rep's own note", None]
    assert all(activity.lead_id == shared.second_deal.id for activity in seen.timeline)


async def test_the_first_rep_does_not_see_the_second_reps_note_either(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    shared = await shared_customer(session, team)

    seen = await summary_for(session, team.rep, shared)

    assert SECRET_NOTE in texts(seen)
    assert "the other rep's own note" not in texts(seen)
    assert sorted(order.external_id for order in seen.orders) == ["A-1", "SHOP-7"]
    assert sorted(task.title for task in seen.open_tasks) == [
        "Customer-wide reminder of the rep's",
        SECRET_TASK,
    ]
    assert (len(seen.deals), seen.card.deals.others) == (1, 1)


async def test_a_manager_sees_every_deal_and_all_their_work(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    shared = await shared_customer(session, team)

    seen = await summary_for(session, team.manager, shared)

    assert {SECRET_NOTE, "the other rep's own note"} <= set(texts(seen))
    assert sorted(order.external_id for order in seen.orders) == ["A-1", "SHOP-7"]
    assert len(seen.open_tasks) == 2
    assert (len(seen.deals), seen.card.deals.others) == (2, 0)


async def test_the_lead_card_counts_only_the_orders_its_reader_may_see(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    shared = await shared_customer(session, team)

    others_card = await cards.lead_card(
        session, actor=team.other_rep, lead_id=shared.second_deal.id
    )
    managers_card = await cards.lead_card(
        session, actor=team.manager, lead_id=shared.second_deal.id
    )

    assert (others_card.statistics.orders, others_card.statistics.paid) == (
        1,
        {"UAH": Decimal("9.00")},
    )
    assert managers_card.statistics.orders == 2
