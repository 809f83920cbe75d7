"""The 360-degree card as people use it: exact counts, each section paged on its own, and
loyalty points and support tickets handled from the card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import LoyaltyEntry, Order, SupportTicket, TicketStatus
from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead
from emulator import SentMessage
from tests.bot.conftest import Person, Team, Telegram
from tests.bot.test_export import staff_of
from tests.bot.test_search_and_customers import inline_answer

ORDERS = 25


async def customer_with_orders(session: AsyncSession, person: Person) -> int:
    """A customer of ``person``'s won deal with 25 orders, one a day from 1 March."""
    rep = await staff_of(session, person)
    lead = await create_lead(
        session, actor=rep, draft=LeadDraft(contact_name="Olena", phone="+380671234567")
    )
    first = await convert_lead_to_order(
        session, actor=rep, lead_id=lead.id, external_id="A-0", amount="100"
    )
    first.created_at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    session.add_all(
        Order(
            customer_id=first.customer_id,
            external_id=f"A-{day}",
            amount_minor=10_000,
            currency="UAH",
            created_at=datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day),
        )
        for day in range(1, ORDERS)
    )
    await session.commit()
    return first.customer_id


async def card_of(telegram: Telegram, person: Person, customer_id: int) -> SentMessage:
    return await telegram.say(person, f"/customer {customer_id}")


async def test_the_card_counts_every_order_and_pages_its_sections_apart(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_with_orders(session, team.rep)

    card = await card_of(telegram, team.rep, customer_id)
    first = await telegram.press(team.rep, card, f"🧾 Orders ({ORDERS})")
    second = await telegram.press(team.rep, first, "Next ›")
    back = await telegram.press(team.rep, second, "« Card")
    timeline = await telegram.press(team.rep, back, "🕓 Timeline (3)")

    text = card.text or ""
    assert f"Orders: {ORDERS} orders · UAH2,500.00" in text
    assert "💰 Lifetime value: UAH2,500.00 · first order Mar 1, 2026 · last Mar 25, 2026" in text
    assert "• No. A-24 · UAH100.00" in text
    assert first.text is not None and f"Orders: {ORDERS}, page 1 of 4" in first.text
    assert "A-24" in first.text and "A-16" not in first.text
    assert second.text is not None and "page 2 of 4" in second.text and "A-16" in second.text
    assert timeline.text is not None and "Timeline: 3, page 1 of 1" in timeline.text


async def test_points_are_added_and_spent_with_a_reason_never_below_zero(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_with_orders(session, team.rep)
    card = await card_of(telegram, team.rep, customer_id)

    await telegram.press(team.rep, card, "➕ Add points")
    unreadable = await telegram.say(team.rep, "lots of points")
    added = await telegram.say(team.rep, "100 birthday gift")
    await telegram.press(team.rep, added, "➖ Spend points")
    refused = await telegram.say(team.rep, "150 discount")
    await telegram.press(team.rep, added, "➖ Spend points")
    spent = await telegram.say(team.rep, "30 discount on A-24")
    history = await telegram.press(team.rep, spent, "🎁 Loyalty (2)")

    assert unreadable.text is not None and "100 birthday gift" in unreadable.text
    assert added.text is not None and added.text.startswith("✅ Loyalty points +100.")
    assert "Loyalty points: 100" in added.text
    assert refused.text == "Not enough points: the balance is 100."
    assert spent.text is not None and "Loyalty points: 70" in spent.text
    assert history.text is not None
    assert "• -30 · discount on A-24" in history.text and "• +100 · birthday gift" in history.text
    await session.rollback()
    points = await session.scalar(
        select(func.sum(LoyaltyEntry.points)).where(LoyaltyEntry.customer_id == customer_id)
    )
    assert points == 70


async def test_a_ticket_is_opened_and_closed_with_a_note(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_with_orders(session, team.rep)
    card = await card_of(telegram, team.rep, customer_id)

    await telegram.press(team.rep, card, "🛟 New ticket")
    opened = await telegram.say(team.rep, "Zipper <broken>")
    tickets = await telegram.press(team.rep, opened, "🛟 Support (1)")
    await telegram.press(team.rep, tickets, "✅ Close: Zipper <broken>")
    closed = await telegram.say(team.rep, "Sent a new one")

    assert opened.text is not None and "Support: 1 open · 1 in all" in opened.text
    assert closed.text is not None and "Support: 0 open · 1 in all" in closed.text
    assert "Zipper <broken> · closed" in closed.text and "↳ Sent a new one" in closed.text
    await session.rollback()
    ticket = await session.scalar(select(SupportTicket))
    assert ticket is not None and ticket.status is TicketStatus.CLOSED
    assert ticket.closing_note == "Sent a new one"


async def test_another_rep_cannot_open_the_card_or_change_its_points(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_with_orders(session, team.rep)

    refused = await card_of(telegram, team.other_rep, customer_id)
    usage = await telegram.say(team.other_rep, "/customer abc")
    forged = await telegram.press_for_answer(
        team.other_rep, usage, data=f"ca:{customer_id}:add", forged=True
    )

    assert refused.text == "Немає доступу"
    assert usage.text is not None and "/customer 42" in usage.text
    assert forged == "Немає доступу"


async def test_an_inline_answer_about_a_customer_opens_the_card_when_its_command_is_tapped(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_with_orders(session, team.rep)

    answer = await inline_answer(telegram, team.rep, "4567")
    shared = next(r for r in answer["results"] if r["id"] == f"customer-{customer_id}")
    command = f"/customer_{customer_id}"
    card = await telegram.say(team.rep, command)

    assert command in shared["input_message_content"]["message_text"]
    assert card.text is not None and card.text.startswith("🧑 Olena · customer #")
    assert f"Orders: {ORDERS} orders" in card.text
