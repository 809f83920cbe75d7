"""/find, inline search and the customer card, as people in Telegram see them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import (
    Conversation,
    ConversationMessage,
    Direction,
    Lead,
    LoyaltyEntry,
    Staff,
    SupportTicket,
)
from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead
from crm.services.staff import staff_by_telegram_id
from crm.services.tags import tag_lead
from emulator import SentMessage
from emulator.errors import JsonObject
from handlers.customer_views import CustomerView, fit_lines
from handlers.search import FindPage
from tests.bot.conftest import Person, Team, Telegram

LARGEST_ID = 2**63 - 1


async def acting(session: AsyncSession, person: Person) -> Staff:
    """The person's staff record in a new transaction, which sees what the bot committed."""
    await session.rollback()
    staff = await staff_by_telegram_id(session, person.user.id)
    assert staff is not None
    return staff


async def lead_id_titled(session: AsyncSession, title: str) -> int:
    lead_id = await session.scalar(select(Lead.id).where(Lead.title == title))
    assert lead_id is not None
    return lead_id


@asynccontextmanager
async def until_told(telegram: Telegram, watcher: Person) -> AsyncIterator[None]:
    """After the block, wait until ``watcher`` is notified of what it did. The bot notifies
    only once its transaction committed, so the database then holds the change."""
    told_before = len(await telegram.control.messages(watcher.user.id))
    yield
    await telegram.control.wait_for_messages(watcher.user.id, told_before + 1)


async def add_lead(telegram: Telegram, team: Team, command: str, *, by: Person) -> SentMessage:
    """A rep's ``/lead``; returns the card once the lead is in the database."""
    async with until_told(telegram, team.manager):
        return await telegram.say(by, command)


async def inline_answer(telegram: Telegram, person: Person, query: str) -> JsonObject:
    """Type ``@bot query`` and wait for the bot's answer."""
    query_id = await telegram.control.inline_query(person.user, query)
    async with asyncio.timeout(5):
        # The emulator's control API offers no wait for inline answers: ask until there is one.
        while (answer := await telegram.control.inline_answer(query_id)) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return answer


def titles(answer: JsonObject) -> list[str]:
    return [result["title"] for result in answer["results"]]


def lead_buttons(message: SentMessage) -> list[str]:
    return [b["text"] for b in message.buttons if b["callback_data"].startswith("ld:")]


async def test_find_by_cyrillic_name_in_any_case_opens_the_card_in_place(
    telegram: Telegram, team: Team
) -> None:
    await add_lead(telegram, team, "/lead Олена Петренко +380671234567 12000 UAH", by=team.rep)
    await add_lead(telegram, team, "/lead Taras Shevchenko +380501112233", by=team.rep)

    lower = await telegram.say(team.rep, "/find олена")
    upper = await telegram.say(team.rep, "/find ОЛЕНА")
    card = await telegram.press(team.rep, lower, "Олена Петренко")

    for found in (lower, upper):
        assert found.text is not None
        assert "1 lead" in found.text
        assert "Олена Петренко · +380671234567 · New · UAH12,000.00" in found.text
        assert "Taras" not in found.text
    assert card.message_id == lower.message_id
    assert card.text is not None and card.text.startswith("📇 Олена Петренко")


async def test_find_by_the_last_phone_digits_and_by_tag(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    await add_lead(telegram, team, "/lead Petro +380509876543", by=team.rep)
    rep = await acting(session, team.rep)
    await tag_lead(
        session, actor=rep, lead_id=await lead_id_titled(session, "Petro"), names=["VIP"]
    )
    await session.commit()

    by_digits = await telegram.say(team.rep, "/find 4567")
    by_tag = await telegram.say(team.rep, "/find #vip")

    assert lead_buttons(by_digits) == ["Olena"]
    assert lead_buttons(by_tag) == ["Petro"]


async def test_find_without_text_explains_and_nothing_found_is_said_kindly(
    telegram: Telegram, team: Team
) -> None:
    usage = await telegram.say(team.rep, "/find")
    nothing = await telegram.say(team.rep, "/find <i>nobody</i> & co")

    assert usage.text is not None and "/find 4567" in usage.text
    assert nothing.text is not None
    assert "Nothing found for «<i>nobody</i> & co»" in nothing.text
    assert nothing.reply_markup is None


async def test_a_rep_does_not_find_another_reps_lead_but_a_manager_does(
    telegram: Telegram, team: Team
) -> None:
    await add_lead(telegram, team, "/lead Олена Чужа +380931234567", by=team.other_rep)

    rep_sees = await telegram.say(team.rep, "/find Олена")
    manager_sees = await telegram.say(team.manager, "/find Олена")

    assert rep_sees.text is not None and "Чужа" not in rep_sees.text
    assert lead_buttons(rep_sees) == []
    assert lead_buttons(manager_sees) == ["Олена Чужа"]
    assert manager_sees.text is not None and "1 лід," in manager_sees.text


async def test_many_results_come_eight_to_a_page(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = await acting(session, team.rep)
    for number in range(1, 11):
        draft = LeadDraft(contact_name=f"Client {number:02}", phone=f"+3806712300{number:02}")
        await create_lead(session, actor=rep, draft=draft)
    await session.commit()

    first = await telegram.say(team.rep, "/find client")
    second = await telegram.press(team.rep, first, "Next ›")
    never_asked = FindPage(search_id=LARGEST_ID, page=0).pack()
    forgotten = await telegram.press_for_answer(team.rep, second, data=never_asked, forged=True)

    assert first.text is not None and "10 leads, page 1 of 2" in first.text
    assert len(lead_buttons(first)) == 8
    assert second.text is not None and "page 2 of 2" in second.text
    assert len(lead_buttons(second)) == 2
    assert forgotten == "This list is out of date. Send /find again."


async def test_an_html_name_is_escaped_in_search_results(telegram: Telegram, team: Team) -> None:
    await add_lead(telegram, team, "/lead <b>Boss</b> & Co +380671234567", by=team.rep)

    found = await telegram.say(team.rep, "/find boss")
    shared = await inline_answer(telegram, team.rep, "boss")

    assert found.text is not None and "<b>Boss</b> & Co" in found.text
    assert found.html is not None and "&lt;b&gt;Boss&lt;/b&gt; &amp; Co" in found.html
    text = shared["results"][0]["input_message_content"]["message_text"]
    assert "<b>&lt;b&gt;Boss&lt;/b&gt; &amp; Co</b>" in text


async def test_inline_search_answers_only_with_leads_the_person_may_see(
    telegram: Telegram, team: Team
) -> None:
    await add_lead(telegram, team, "/lead Olena Mine +380671234567 12000 UAH", by=team.rep)
    await add_lead(telegram, team, "/lead Olena Theirs +380931234567", by=team.other_rep)

    searched = await inline_answer(telegram, team.rep, "olena")
    latest = await inline_answer(telegram, team.rep, "")
    theirs = await inline_answer(telegram, team.rep, "+380931234567")
    managers = await inline_answer(telegram, team.manager, "")

    assert titles(searched) == ["Olena Mine"]
    assert titles(latest) == ["Olena Mine"]
    assert titles(theirs) == []
    assert sorted(titles(managers)) == ["Olena Mine", "Olena Theirs"]
    assert searched["is_personal"] is True
    assert 0 < searched["cache_time"] <= 60
    shared = searched["results"][0]
    assert shared["description"] == "+380671234567 · New · UAH12,000.00"
    assert "<b>Olena Mine</b>" in shared["input_message_content"]["message_text"]


async def test_inline_search_also_offers_the_customer_of_a_converted_lead(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await add_lead(telegram, team, "/lead Olena +380671234567 12000 UAH", by=team.rep)
    rep = await acting(session, team.rep)
    await convert_lead_to_order(
        session,
        actor=rep,
        lead_id=await lead_id_titled(session, "Olena"),
        external_id="A-1",
        amount="12000",
    )
    await session.commit()

    answer = await inline_answer(telegram, team.rep, "4567")

    assert titles(answer) == ["Olena", "🧑 Customer: Olena"]


async def customer_with_history(
    telegram: Telegram, team: Team, session: AsyncSession, name: str
) -> SentMessage:
    """A rep's lead converted to order A-1001, with a conversation, points and a ticket;
    returns the lead card opened from /find."""
    await add_lead(telegram, team, f"/lead {name} +380671234567 12000 UAH", by=team.rep)
    rep = await acting(session, team.rep)
    lead_id = await lead_id_titled(session, name)
    order = await convert_lead_to_order(
        session, actor=rep, lead_id=lead_id, external_id="A-1001", amount="12000"
    )
    conversation = Conversation(customer_id=order.customer_id, channel="WhatsApp")
    session.add(conversation)
    await session.flush()
    session.add_all(
        [
            ConversationMessage(
                conversation_id=conversation.id,
                direction=Direction.INBOUND,
                text="Is my <order> on the way?",
            ),
            LoyaltyEntry(customer_id=order.customer_id, points=120, reason="order A-1001"),
            SupportTicket(customer_id=order.customer_id, subject="Late delivery"),
        ]
    )
    await session.commit()
    found = await telegram.say(team.rep, "/find 4567")
    return await telegram.press(team.rep, found, found.buttons[0]["text"])


async def test_the_customer_card_after_converting_shows_the_order_and_the_deal(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await customer_with_history(telegram, team, session, "Olena Petrenko")

    customer = await telegram.press(team.rep, card, "🧑 Customer")
    deals = await telegram.press(team.rep, customer, "💼 Deals (1)")
    deal = await telegram.press(team.rep, deals, "💼 Olena Petrenko · Won")
    customer = await telegram.press(team.rep, deal, "🧑 Customer")
    timeline_button = next(b["text"] for b in customer.buttons if "Timeline" in b["text"])
    timeline = await telegram.press(team.rep, customer, timeline_button)
    back = await telegram.press(team.rep, timeline, "« Card")

    text = customer.text or ""
    assert text.startswith("🧑 Olena Petrenko · customer #")
    assert "📞 +380671234567" in text
    assert "💰 Lifetime value: UAH12,000.00 · first order " in text
    assert "Orders: 1 order · UAH12,000.00" in text
    assert "• No. A-1001 · UAH12,000.00 · " in text
    assert "Conversations: 1 · 1 message" in text
    assert "WhatsApp" in text and "Is my <order> on the way?" in text
    assert "Loyalty points: 120" in text
    assert "Support: 1 open · 1 in all" in text and "Late delivery · open" in text
    assert "Deals: 0 open · 1 won · 0 lost" in text
    assert deals.text is not None and "Deals: 1, page 1 of 1" in deals.text
    assert deal.text is not None and deal.text.startswith("📇 Olena Petrenko")
    assert timeline.text is not None and "converted to an order: A-1001" in timeline.text
    assert back.text == customer.text


async def test_an_html_name_is_escaped_in_the_customer_card(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await customer_with_history(telegram, team, session, "<b>Boss</b> & Co")

    customer = await telegram.press(team.rep, card, "🧑 Customer")

    assert customer.text is not None and "🧑 <b>Boss</b> & Co · customer #" in customer.text
    assert customer.html is not None and "&lt;b&gt;Boss&lt;/b&gt; &amp; Co" in customer.html
    assert len(customer.text) <= 4096


async def test_a_ukrainian_manager_reads_the_customer_card_in_ukrainian(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await customer_with_history(telegram, team, session, "Олена")
    found = await telegram.say(team.manager, "/find Олена")

    customer = await telegram.press(team.manager, found, "🧑 Клієнт: Олена")

    assert customer.text is not None
    assert "Замовлення: 1 замовлення" in customer.text
    assert "Угоди: відкритих 0 · виграних 1 · програних 0" in customer.text
    assert "« Назад" not in [button["text"] for button in customer.buttons]


def test_a_long_card_keeps_whole_lines_within_the_limit() -> None:
    lines = ["<b>" + "x" * 3000 + "</b>", "y" * 2000]

    assert fit_lines(lines, 4096) == lines[0] + "\n…"
    assert fit_lines(lines[1:], 4096) == lines[1]


def test_search_callbacks_fit_in_64_bytes_with_the_largest_ids() -> None:
    packed = [
        FindPage(search_id=LARGEST_ID, page=LARGEST_ID).pack(),
        CustomerView(customer_id=LARGEST_ID).pack(),
    ]

    assert all(len(data.encode()) <= 64 for data in packed)
