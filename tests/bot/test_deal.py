"""Converting a lead to an order and assigning it, as people in Telegram see them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Order, Role, Staff, StageKind
from emulator import SentMessage
from handlers.leads.deal_keyboards import AssignTo, StaffPage, UseLeadValue
from handlers.leads.keyboards import LeadAction, LeadActionKind
from tests.bot.conftest import Person, Team, Telegram
from tests.bot.test_search_and_customers import add_lead, until_told

T = TypeVar("T")
LARGEST_ID = 2**63 - 1
CONVERT = "🧾 To order"


async def orders_in_db(session: AsyncSession) -> list[Order]:
    return list(await current_rows(session, select(Order).order_by(Order.id)))


async def the_lead(session: AsyncSession) -> Lead:
    (lead,) = await current_rows(session, select(Lead))
    return lead


async def current_rows(session: AsyncSession, query: Select[T]) -> Sequence[T]:
    """Rows as the bot left them: a new transaction, and loaded objects refreshed."""
    await session.commit()
    return (await session.scalars(query.execution_options(populate_existing=True))).all()


def staff_id(person: Person) -> int:
    assert person.staff is not None
    return person.staff.id


def card_action(card: SentMessage, button: str) -> LeadAction:
    return LeadAction.unpack(card.button(button)["callback_data"])


async def start_converting(
    telegram: Telegram, team: Team, order_id: str
) -> tuple[SentMessage, SentMessage]:
    """A rep's lead worth 12 000 UAH, CONVERT pressed and the order number typed; returns the
    card and the question for the amount."""
    card = await add_lead(telegram, team, "/lead Olena +380671234567 12000 UAH", by=team.rep)
    await telegram.press(team.rep, card, CONVERT)
    return card, await telegram.say(team.rep, order_id)


async def test_convert_asks_the_order_number_then_the_amount_and_wins_the_lead(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567 12000 UAH", by=team.rep)

    await telegram.press(team.rep, card, CONVERT)
    ask_number = await telegram.latest(team.rep)
    ask_amount = await telegram.say(team.rep, "A-1001")
    async with until_told(telegram, team.manager):
        shown = await telegram.say(team.rep, "9 500,50")

    assert ask_number.text is not None and "Send the order number" in ask_number.text
    assert ask_amount.text is not None and "Order No. A-1001" in ask_amount.text
    assert [button["text"] for button in ask_amount.buttons] == ["Use UAH12,000.00"]
    orders = await orders_in_db(session)
    assert [(o.external_id, o.amount_minor, o.currency) for o in orders] == [
        ("A-1001", 950050, "UAH")
    ]
    lead = await the_lead(session)
    assert lead.stage.kind == StageKind.WON
    assert lead.order_id == orders[0].id
    assert shown.text is not None
    assert "Stage: Won" in shown.text and f"Order #{orders[0].id}" in shown.text
    assert CONVERT not in [button["text"] for button in shown.buttons]


async def test_the_suggested_value_converts_once_however_often_it_is_pressed(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card, ask_amount = await start_converting(telegram, team, "A-7")
    use_value = ask_amount.button("Use UAH12,000.00")["callback_data"]

    async with until_told(telegram, team.manager):
        done = await telegram.press_for_answer(team.rep, ask_amount, data=use_value)
    shown = await telegram.control.message(ask_amount.chat_id, ask_amount.message_id)
    again = await telegram.press_for_answer(team.rep, ask_amount, data=use_value, forged=True)
    old_card = await telegram.press_for_answer(
        team.rep, card, data=card.button(CONVERT)["callback_data"]
    )

    assert done == "Order No. A-7 created, the deal is won."
    assert shown.text is not None and "Stage: Won" in shown.text
    assert again == "This order has already been created, or the conversion was cancelled."
    assert old_card == "The lead was changed meanwhile: here is the latest card."
    orders = await orders_in_db(session)
    assert [(o.external_id, o.amount_minor) for o in orders] == [("A-7", 1_200_000)]


async def test_a_bad_order_number_or_amount_is_explained_and_asked_again(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    await telegram.press(team.rep, card, CONVERT)

    too_long = await telegram.say(team.rep, "A" * 65)
    ask_amount = await telegram.say(team.rep, "A-8")
    not_a_number = await telegram.say(team.rep, "twelve")
    negative = await telegram.say(team.rep, "-5")
    async with until_told(telegram, team.manager):
        shown = await telegram.say(team.rep, "100")

    assert too_long.text == "The order number must be 1 to 64 characters."
    assert ask_amount.reply_markup is None, "a lead without a value has nothing to suggest"
    assert not_a_number.text == "Send the amount as a number, e.g. 12000 or 12 000,50."
    assert negative.text == "The amount cannot be negative."
    assert shown.text is not None and "Stage: Won" in shown.text
    orders = await orders_in_db(session)
    assert [(o.external_id, o.amount_minor) for o in orders] == [("A-8", 10_000)]


async def test_a_command_while_converting_is_still_a_command(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    _, ask_amount = await start_converting(telegram, team, "A-9")

    board = await telegram.say(team.rep, "/pipeline")
    cancelled = await telegram.say(team.rep, "/cancel")
    after_cancel = await telegram.press_for_answer(
        team.rep, ask_amount, data=ask_amount.button("Use UAH12,000.00")["callback_data"]
    )

    assert board.text is not None and "1 lead" in board.text
    assert cancelled.text == "Cancelled."
    assert after_cancel == "This order has already been created, or the conversion was cancelled."
    assert await orders_in_db(session) == []


async def test_a_manager_assigns_a_lead_and_the_new_owner_is_told(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    new_owner_id = staff_id(team.other_rep)
    await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    found = await telegram.say(team.manager, "/find Olena")
    card = await telegram.press(team.manager, found, "Olena")
    told_before = len(await telegram.control.messages(team.other_rep.user.id))

    picker = await telegram.press(team.manager, card, "👤 Призначити")
    assigned = await telegram.press(team.manager, picker, "Оля · менеджер з продажу")
    told = await telegram.control.wait_for_messages(team.other_rep.user.id, told_before + 1)

    assert [button["text"] for button in picker.buttons] == [
        "Ada · адміністратор",
        "Марина · менеджер",
        "Taras · менеджер з продажу",
        "Оля · менеджер з продажу",
        "« Назад",
    ]
    assert assigned.text is not None and "Відповідальний: Оля" in assigned.text
    assert told[told_before].text == "👤 Тепер ви відповідальні за Olena, призначення: Марина (#1)"
    lead = await the_lead(session)
    assert lead.responsible_id == new_owner_id


async def test_a_rep_cannot_assign_even_with_forged_buttons(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep_id, other_id = staff_id(team.rep), staff_id(team.other_rep)
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    seen = card_action(card, CONVERT)
    assign = LeadAction(lead_id=seen.lead_id, action=LeadActionKind.ASSIGN, version=seen.version)
    pick = AssignTo(lead_id=seen.lead_id, staff_id=other_id, version=seen.version)

    menu = await telegram.press_for_answer(team.rep, card, data=assign.pack(), forged=True)
    picked = await telegram.press_for_answer(team.rep, card, data=pick.pack(), forged=True)

    assert "👤 Assign" not in [button["text"] for button in card.buttons]
    assert menu == picked == "Not allowed"
    lead = await the_lead(session)
    assert lead.responsible_id == rep_id
    assert lead.version == seen.version


async def test_a_large_team_is_listed_eight_at_a_time_without_leavers(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    session.add_all(
        Staff(telegram_id=600 + n, display_name=f"Rep {n}", role=Role.REP, is_active=n > 0)
        for n in range(8)
    )
    await session.commit()
    card = await telegram.say(team.manager, "/lead Olena +380671234567")

    first = await telegram.press(team.manager, card, "👤 Призначити")
    first_names = [button["text"] for button in first.buttons]
    second = await telegram.press(team.manager, first, "Наступна ›")
    second_names = [button["text"] for button in second.buttons]

    assert len(first_names) == 8 + 2
    assert first_names[-2:] == ["Наступна ›", "« Назад"]
    assert second_names[-2:] == ["‹ Попередня", "« Назад"]
    everyone = first_names[:-2] + second_names[:-2]
    assert len(everyone) == 11
    assert "Rep 0 · менеджер з продажу" not in everyone


def test_deal_callbacks_fit_in_64_bytes_with_the_largest_ids() -> None:
    packed = [
        UseLeadValue(lead_id=LARGEST_ID, amount_minor=LARGEST_ID).pack(),
        AssignTo(lead_id=LARGEST_ID, staff_id=LARGEST_ID, version=LARGEST_ID).pack(),
        StaffPage(lead_id=LARGEST_ID, version=LARGEST_ID, page=LARGEST_ID).pack(),
    ]

    assert all(len(data.encode()) <= 64 for data in packed)
