"""Two reps sharing a customer (the second created their lead anyway on the duplicate
warning): neither sees the other's notes, tasks or orders in the chat, also not by forging
a button; managers see everything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Task, utcnow
from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead
from crm.services.staff import staff_by_telegram_id
from crm.services.tasks import create_task
from crm.services.timeline import add_note
from emulator import SentMessage
from handlers.customers import CustomerView
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.task_keyboards import TaskAction, TaskActionKind
from tests.bot.conftest import Team, Telegram

SECRET_NOTE = "discount 40% for Big Client"
SECRET_TASK = "Send Big Client the 40% offer"
SECRETS = (SECRET_NOTE, SECRET_TASK, "A-1", "40,000", "40 000")


@dataclass(frozen=True)
class FirstDeal:
    lead: Lead
    task: Task


async def first_reps_deal(session: AsyncSession, team: Team) -> FirstDeal:
    """Taras's lead for Big Client, won as order A-1, with his private note and task."""
    rep = await staff_by_telegram_id(session, team.rep.user.id)
    assert rep is not None
    lead = await create_lead(
        session, actor=rep, draft=LeadDraft(contact_name="Big Client", phone="+380671234567")
    )
    await convert_lead_to_order(
        session, actor=rep, lead_id=lead.id, external_id="A-1", amount="40000"
    )
    await add_note(session, actor=rep, lead_id=lead.id, text=SECRET_NOTE)
    task = await create_task(
        session, actor=rep, title=SECRET_TASK, due_at=utcnow(), lead_id=lead.id
    )
    await session.commit()
    return FirstDeal(lead, task)


async def second_reps_card(telegram: Telegram, team: Team) -> SentMessage:
    """Оля adds the same phone, is warned it is Taras's, and creates her lead anyway; returns
    her card once the manager has been told of the new lead."""
    manager_told = len(await telegram.control.messages(team.manager.user.id)) + 1
    warning = await telegram.say(team.other_rep, "/lead Big Client again +380671234567")
    card = await telegram.press(team.other_rep, warning, "➕ Створити все одно")
    await telegram.control.wait_for_messages(team.manager.user.id, manager_told)
    return card


def shows_no_secret(message: SentMessage) -> bool:
    text = message.text or ""
    return not any(secret in text for secret in SECRETS)


async def test_the_second_rep_sees_the_customer_but_not_the_first_reps_note_task_or_order(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await first_reps_deal(session, team)
    card = await second_reps_card(telegram, team)

    customer = await telegram.press(team.other_rep, card, "🧑 Клієнт")
    sections = [button["text"] for button in customer.buttons]
    deals = await telegram.press(team.other_rep, customer, "💼 Угоди (1)")

    text = customer.text or ""
    assert text.startswith("🧑 Big Client · клієнт #")
    assert "📞 +380671234567" in text
    assert "Ще одна угода — в іншого менеджера." in text
    assert shows_no_secret(customer), text
    assert sections[:7] == [
        "🧾 Замовлення (0)",
        "💬 Повідомлення (0)",
        "🎁 Бонуси (0)",
        "🛟 Підтримка (0)",
        "💼 Угоди (1)",
        "⏰ Задачі (0)",
        "🕓 Історія (1)",
    ]
    assert sections[-1] == "« Назад"
    assert [b["text"] for b in deals.buttons if b["callback_data"].startswith("ld:")] == [
        "💼 Big Client again · Новий"
    ]
    assert shows_no_secret(deals), deals.text
    assert shows_no_secret(card)


async def test_forged_buttons_with_the_first_reps_ids_show_the_second_rep_nothing_of_his(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    first = await first_reps_deal(session, team)
    card = await second_reps_card(telegram, team)
    assert first.lead.customer_id is not None
    his_lead = {"lead_id": first.lead.id, "version": first.lead.version}

    answers = [
        await telegram.press_for_answer(team.other_rep, card, data=data, forged=True)
        for data in (
            LeadAction(action=LeadActionKind.OPEN, **his_lead).pack(),
            LeadAction(action=LeadActionKind.CUSTOMER, **his_lead).pack(),
            TaskAction(task_id=first.task.id, action=TaskActionKind.DONE, page=0).pack(),
        )
    ]
    unchanged = await telegram.control.message(card.chat_id, card.message_id)
    customer = await telegram.press(
        team.other_rep,
        card,
        "forged",
        forged=CustomerView(customer_id=first.lead.customer_id).pack(),
    )

    assert answers == ["Немає доступу"] * 3
    assert unchanged.text == card.text
    await session.refresh(first.task)
    assert first.task.done_at is None
    assert (customer.text or "").startswith("🧑 Big Client")
    assert shows_no_secret(customer), customer.text


async def test_a_manager_sees_both_deals_and_the_first_reps_note(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await first_reps_deal(session, team)
    await second_reps_card(telegram, team)
    found = await telegram.say(team.manager, "/find Big Client")

    customer = await telegram.press(team.manager, found, "🧑 Клієнт: Big Client")
    tasks = await telegram.press(team.manager, customer, "⏰ Задачі (1)")
    customer = await telegram.press(team.manager, tasks, "« Картка")
    timeline_button = next(b["text"] for b in customer.buttons if "Історія" in b["text"])
    timeline = await telegram.press(team.manager, customer, timeline_button)
    customer = await telegram.press(team.manager, timeline, "« Картка")
    deals = await telegram.press(team.manager, customer, "💼 Угоди (2)")

    text = customer.text or ""
    assert SECRET_NOTE in (timeline.text or "")
    assert SECRET_TASK in (tasks.text or "")
    assert "A-1" in text
    assert "Угоди: відкритих 1 · виграних 1 · програних 0" in text
    assert "іншого менеджера" not in text
    buttons = [b["text"] for b in deals.buttons if b["callback_data"].startswith("ld:")]
    assert sorted(buttons) == ["💼 Big Client again · Новий", "💼 Big Client · Виграно"]


async def test_inline_search_offers_the_shared_customer_without_the_other_reps_deal(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await first_reps_deal(session, team)
    await second_reps_card(telegram, team)
    query_id = await telegram.control.inline_query(team.other_rep.user, "4567")
    await telegram.settled()

    answer = await telegram.control.inline_answer(query_id)

    assert answer is not None
    assert [result["title"] for result in answer["results"]] == [
        "Big Client again",
        "🧑 Клієнт: Big Client",
    ]
    assert await session.scalar(select(Lead.id).where(Lead.title == "Big Client")) is not None
