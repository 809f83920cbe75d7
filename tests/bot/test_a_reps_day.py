"""A rep's full day, end to end through the emulator: invited by a manager, they join, add a lead
with the wizard, move it along, write a note, set a reminder, win the deal and convert it to an
order; then what the rep saw, what the manager was told and what the database holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import (
    Activity,
    ActivityKind,
    Customer,
    Lead,
    Order,
    Role,
    Staff,
    Stage,
    StageKind,
    Task,
    utcnow,
)
from emulator import SentMessage, SimulatedUser
from emulator.errors import JsonObject
from handlers.common.editing import NOT_MODIFIED
from tests.bot.conftest import Person, Team, Telegram
from tests.bot.test_follow_ups import KYIV, tomorrow_at_ten_in_kyiv
from tests.bot.test_invite_and_settings import INVITE_LINK, open_invite_link
from tests.bot.test_lead_creation import press_on, type_in

Row = TypeVar("Row")
TELEGRAM_TEXT_LIMIT = 4096
NBSP = "\N{NO-BREAK SPACE}"  # Ukrainian money groups digits with it
NEWCOMER = SimulatedUser(id=601, first_name="Nazar")
CLIENT = "Olena Petrenko"
NOTE = "Wants the oak table delivered on Friday, pays by card"
FOLLOW_UP = "Confirm the delivery date"
ORDER_NUMBER = "A-2031"


async def look_at_what_the_bot_committed(session: AsyncSession) -> None:
    """End the test's transaction: the next read starts a new one, which sees the bot's commits.
    Objects loaded before are expired then: read them again."""
    await session.rollback()


async def the_only(session: AsyncSession, query: Select[Row]) -> Row:
    """The one row the query finds, loaded objects refreshed."""
    (row,) = (await session.scalars(query.execution_options(populate_existing=True))).all()
    return row


async def invite_link_for_a_rep(telegram: Telegram, manager: Person) -> SentMessage:
    """The manager sends /invite and picks the sales rep role; returns the link's message."""
    picker = await telegram.say(manager, "/invite")
    return await telegram.press(manager, picker, "менеджер з продажу")


def invite_token(shown: SentMessage) -> str:
    link = INVITE_LINK.search(shown.text or "")
    assert link is not None, f"no invite link in {shown.text!r}"
    return link.group(1)


async def join_with_the_link(
    telegram: Telegram, session: AsyncSession, user: SimulatedUser, token: str
) -> tuple[Person, SentMessage]:
    """A brand-new person opens the deep link; returns them as staff and the bot's welcome."""
    welcome = await open_invite_link(telegram, user, token)
    await look_at_what_the_bot_committed(session)
    staff = await the_only(session, select(Staff).where(Staff.telegram_id == user.id))
    return Person(user, staff), welcome


async def create_lead_with_the_wizard(telegram: Telegram, rep: Person) -> SentMessage:
    """/lead answered step by step: name, phone, value, source, stage; returns the card."""
    await telegram.say(rep, "/lead")
    await telegram.say(rep, CLIENT)
    await type_in(telegram, rep, "067 123 45 67", count=2)
    source_prompt = await telegram.say(rep, "12 000")
    stage_prompt = await press_on(telegram, rep, source_prompt, "WhatsApp")
    return await press_on(telegram, rep, stage_prompt, "New")


async def write_a_note(telegram: Telegram, rep: Person, card: SentMessage) -> SentMessage:
    """📝 Note, then the note typed; returns the card the bot sends with it."""
    await telegram.press(rep, card, "📝 Note")
    return await telegram.say(rep, NOTE)


async def set_a_reminder_for_tomorrow_at_ten(
    telegram: Telegram, rep: Person, card: SentMessage
) -> SentMessage:
    """⏰ Task, the quick "Tomorrow 10:00" and a title typed; returns the card sent after it."""
    times = await telegram.press(rep, card, "⏰ Task")
    await telegram.press(rep, times, "⏰ Tomorrow 10:00")
    return await telegram.say(rep, FOLLOW_UP)


async def convert_to_an_order(
    telegram: Telegram, rep: Person, card: SentMessage, amount: str
) -> tuple[SentMessage, SentMessage]:
    """🧾 To order, the order number and the amount typed; returns the amount question and the
    card sent at the end."""
    await telegram.press(rep, card, "🧾 To order")
    ask_amount = await telegram.say(rep, ORDER_NUMBER)
    return ask_amount, await telegram.say(rep, amount)


async def api_errors_besides_unchanged_edits(telegram: Telegram) -> list[JsonObject]:
    """What the emulator refused the bot, but for a card re-shown unchanged (which the bot
    expects: ``show_in_place`` lets Telegram say so rather than compare)."""
    errors = await telegram.control.api_errors()
    return [error for error in errors if NOT_MODIFIED not in error["description"]]


async def messages_since(telegram: Telegram, person: Person, count: int) -> list[SentMessage]:
    return (await telegram.control.messages(person.user.id))[count:]


def button_texts(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def utf16_length(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


async def longest_text_sent(telegram: Telegram, people: Sequence[Person]) -> int:
    """The longest text the bot put in these chats, in any version of any message."""
    lengths = [0]
    for person in people:
        for message in await telegram.control.messages(person.user.id):
            versions = [message.text, message.caption]
            versions += [body.get("text") or body.get("caption") for body in message.history]
            lengths += [utf16_length(text) for text in versions if text]
    return max(lengths)


async def test_a_reps_full_day_from_the_invite_to_an_order(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    # Morning: the manager invites a new sales rep, who opens the link and joins.
    invite = await invite_link_for_a_rep(telegram, team.manager)
    rep, welcome = await join_with_the_link(telegram, session, NEWCOMER, invite_token(invite))
    told_the_manager_before = len(await telegram.control.messages(team.manager.user.id))

    assert welcome.text == (
        "Welcome, Nazar! You joined the team as sales rep. Send /help to see what I can do."
    )

    # A client calls: the rep adds the lead with the wizard.
    card = await create_lead_with_the_wizard(telegram, rep)

    assert (card.text or "").startswith(f"📇 {CLIENT} · #")
    assert "📞 +380671234567" in (card.text or "")
    assert "Stage: New" in (card.text or "")
    assert "💰 UAH12,000.00" in (card.text or "")
    assert "Responsible: Nazar" in (card.text or "")
    assert "Source: WhatsApp" in (card.text or "")

    # The conversation goes well: two taps on "Next stage ▶" move the lead to Proposal.
    qualified = await telegram.press(rep, card, "Next stage ▶")
    proposal = await telegram.press(rep, qualified, "Next stage ▶")

    assert "Stage: Qualified" in (qualified.text or "")
    assert "Stage: Proposal" in (proposal.text or "")

    # What the client asked for goes into a note.
    noted = await write_a_note(telegram, rep, proposal)

    assert (noted.text or "").startswith("📝 Note saved.")
    assert f"note: {NOTE}" in (noted.text or "")

    # A reminder for tomorrow morning.
    before = utcnow()
    planned = await set_a_reminder_for_tomorrow_at_ten(telegram, rep, noted)
    after = utcnow()

    assert (planned.text or "").startswith(f"⏰ Task saved: {FOLLOW_UP}")
    assert f"⏰ Next: {FOLLOW_UP}" in (planned.text or "")

    # The client says yes: the deal is won, then converted to the shop's order.
    won = await telegram.press(rep, planned, "✅ Won")

    assert "Stage: Won" in (won.text or "")
    assert "✅ Won" not in button_texts(won)
    assert "🧾 To order" in button_texts(won)

    ask_amount, converted = await convert_to_an_order(telegram, rep, won, "11 500,50")

    assert (ask_amount.text or "").startswith(f"Order No. {ORDER_NUMBER}: what is the amount")
    assert button_texts(ask_amount) == ["Use UAH12,000.00"]
    assert "Stage: Won" in (converted.text or "")
    assert "🧾 Order #" in (converted.text or "")
    assert "🧾 To order" not in button_texts(converted)

    # What the database holds at the end of the day.
    await look_at_what_the_bot_committed(session)
    staff = await the_only(session, select(Staff).where(Staff.telegram_id == NEWCOMER.id))
    assert (staff.role, staff.display_name, staff.is_active) == (Role.REP, "Nazar", True)

    lead = await the_only(session, select(Lead))
    order = await the_only(session, select(Order))
    customer = await the_only(session, select(Customer))
    assert lead.responsible_id == staff.id
    assert (lead.contact_name, lead.phone) == (CLIENT, "+380671234567")
    assert lead.stage.kind == StageKind.WON
    assert (lead.value_minor, lead.currency) == (1_200_000, "UAH")
    assert lead.order_id == order.id
    assert f"🧾 Order #{order.id}" in (converted.text or "")
    assert (order.external_id, order.amount_minor, order.currency) == (
        ORDER_NUMBER,
        1_150_050,
        "UAH",
    )
    assert order.lead_id == lead.id
    assert order.customer_id == customer.id == lead.customer_id
    assert customer.name == CLIENT and customer.phones == ["+380671234567"]

    timeline = await session.execute(
        select(Activity.kind, Stage.name, Activity.text, Activity.author_id)
        .outerjoin(Stage, Stage.id == Activity.to_stage_id)
        .where(Activity.lead_id == lead.id)
        .order_by(Activity.id)
    )
    assert [tuple(entry) for entry in timeline] == [
        (ActivityKind.CREATED, None, None, staff.id),
        (ActivityKind.STAGE_CHANGE, "Qualified", None, staff.id),
        (ActivityKind.STAGE_CHANGE, "Proposal", None, staff.id),
        (ActivityKind.NOTE, None, NOTE, staff.id),
        (ActivityKind.STAGE_CHANGE, "Won", None, staff.id),
        (ActivityKind.CONVERSION, None, ORDER_NUMBER, staff.id),
    ]

    task = await the_only(session, select(Task))
    assert (task.title, task.lead_id, task.assignee_id) == (FOLLOW_UP, lead.id, staff.id)
    assert task.remind_at in {tomorrow_at_ten_in_kyiv(before), tomorrow_at_ten_in_kyiv(after)}
    assert task.remind_at is not None and task.remind_at.astimezone(KYIV).time() == time(10)
    assert task.due_at == task.remind_at and task.done_at is None

    # The manager heard of the new lead and of the win, in Ukrainian, and of nothing else.
    new_lead_notice, won_notice = await messages_since(
        telegram, team.manager, told_the_manager_before
    )
    assert new_lead_notice.text == (
        f"🆕 Новий лід {CLIENT}, джерело: WhatsApp, автор: Nazar (#{lead.id})"
    )
    assert won_notice.text == (
        f"🏆 Угоду виграно: {CLIENT} на 12{NBSP}000,00{NBSP}₴ — Nazar (#{lead.id})"
    )

    # And Telegram itself saw a well-behaved bot.
    assert await telegram.rate_limit_hits() == 0
    callbacks = await telegram.control.callbacks()
    # The role, source, stage, next twice, note, task, tomorrow 10:00, won and to order.
    assert len(callbacks) == 10
    unanswered = [
        callback["data"]
        for callback in callbacks
        if await telegram.control.callback_answer(callback["id"]) is None
    ]
    assert unanswered == []
    assert not any(callback["forged"] for callback in callbacks)
    assert await api_errors_besides_unchanged_edits(telegram) == []
    everyone = [team.admin, team.manager, team.rep, team.other_rep, rep]
    assert await longest_text_sent(telegram, everyone) <= TELEGRAM_TEXT_LIMIT
