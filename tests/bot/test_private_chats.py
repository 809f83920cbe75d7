"""The CRM answers staff in the private chat only: a /find typed in a group posts no
customer's phone there, only a pointer to the private chat."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead
from crm.services.staff import staff_by_telegram_id
from emulator import SentMessage
from handlers.customers import CustomerView
from tests.bot.conftest import BOT_USERNAME, Person, Team, Telegram

SALES_GROUP = -1001234567890
NEWS_CHANNEL = -1009876543210
PHONE = "+380671234567"
POINTER = (
    "I work in a private chat only, so nothing from the CRM shows up here. Write to me directly."
)


async def customer_of_the_rep(session: AsyncSession, person: Person) -> int:
    """Olena, the rep's lead converted to an order: a customer with a phone."""
    rep = await staff_by_telegram_id(session, person.user.id)
    assert rep is not None
    lead = await create_lead(
        session, actor=rep, draft=LeadDraft(contact_name="Olena Petrenko", phone=PHONE)
    )
    order = await convert_lead_to_order(
        session, actor=rep, lead_id=lead.id, external_id="A-1", amount="100"
    )
    await session.commit()
    return order.customer_id


async def in_the_group(telegram: Telegram, person: Person, text: str) -> None:
    await telegram.control.send_text(person.user, text, chat_id=SALES_GROUP)
    await telegram.settled()


async def group_messages(telegram: Telegram) -> list[SentMessage]:
    return await telegram.control.messages(SALES_GROUP)


async def test_find_in_a_group_posts_only_a_pointer_to_the_private_chat(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await customer_of_the_rep(session, team.rep)
    await telegram.control.create_group(SALES_GROUP, "Sales team")
    private_before = await telegram.control.messages(team.rep.user.id)

    await in_the_group(telegram, team.rep, "/find 4567")
    await in_the_group(telegram, team.other_rep, f"/find@{BOT_USERNAME} Olena")
    await in_the_group(telegram, team.rep, "/find@another_bot 4567")
    await in_the_group(telegram, team.rep, f"Olena wants a call back, {PHONE}")
    await in_the_group(telegram, team.manager, "/lead Big Client +380501112233 9000")

    said = [message.text for message in await group_messages(telegram)]
    assert said == [
        POINTER,
        "Я працюю лише в особистому чаті, тож тут нічого з CRM не показую. Напишіть мені напряму.",
        "Я працюю лише в особистому чаті, тож тут нічого з CRM не показую. Напишіть мені напряму.",
    ]
    assert await telegram.control.messages(team.rep.user.id) == private_before
    assert await telegram.control.api_errors() == []


async def test_a_button_pressed_in_a_group_shows_nothing_there(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_of_the_rep(session, team.rep)
    await telegram.control.create_group(SALES_GROUP, "Sales team")
    await in_the_group(telegram, team.rep, "/start")
    [pointer] = await group_messages(telegram)

    answer = await telegram.press_for_answer(
        team.rep, pointer, data=CustomerView(customer_id=customer_id).pack(), forged=True
    )

    assert answer == POINTER
    [still] = await group_messages(telegram)
    assert (still.text, still.edited) == (POINTER, False)


async def test_a_channel_post_gets_no_answer(telegram: Telegram, team: Team) -> None:
    channel = {"id": NEWS_CHANNEL, "type": "channel", "title": "News"}
    post = {"message_id": 1, "date": 1_700_000_000, "chat": channel, "text": "/find 4567"}
    await telegram.control.post_update({"channel_post": post})
    await telegram.settled()

    assert await telegram.control.messages(NEWS_CHANNEL) == []
    assert await telegram.control.api_errors() == []
