"""Every message gets an answer: unknown commands, free text, text holding a contact, strangers
once a day, and the first admin's greeting."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from aiogram import Dispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from crm.models import AccessRequest, Base, Invite, Lead, Role, Staff, utcnow
from crm.services.staff import create_invite
from emulator import RunningEmulator, SentMessage, SimulatedUser
from tests.bot.conftest import Person, Team, Telegram, settings_for

FIRST_ADMIN = SimulatedUser(id=7_001, first_name="Ada")
STRANGER = SimulatedUser(id=7_002, first_name="Eve")
UKRAINIAN_STRANGER = SimulatedUser(id=7_003, first_name="Ірина", language_code="uk")


@dataclass
class Clock:
    """The dispatcher's time, moved on by the test instead of waited for."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def settings(emulator: RunningEmulator) -> Settings:
    return settings_for(emulator).model_copy(update={"admin_ids": [FIRST_ADMIN.id]})


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
def dispatcher(dispatcher: Dispatcher, clock: Clock) -> Dispatcher:
    """The bot's dispatcher on the test's clock, set before polling copies its data."""
    dispatcher["clock"] = clock
    return dispatcher


async def replies(
    telegram: Telegram, person: Person, action: Awaitable[object], count: int = 1
) -> list[SentMessage]:
    """The ``count`` messages the bot sends to the person after ``action``."""
    before = len(await telegram.control.messages(person.user.id))
    await action
    sent = await telegram.control.wait_for_messages(person.user.id, before + count)
    await telegram.settled()
    return sent[before : before + count]


async def press_on(
    telegram: Telegram, person: Person, message: SentMessage, button: str
) -> SentMessage:
    """Press a button and return the bot's next message."""
    [answer] = await replies(telegram, person, telegram.press(person, message, button))
    return answer


async def count(session: AsyncSession, model: type[Base]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


# Unknown commands and free text.


async def test_an_unknown_command_is_named_with_the_way_to_help_also_mid_flow(
    telegram: Telegram, team: Team
) -> None:
    plain = await telegram.say(team.rep, "/xyz@team_crm_bot please")
    ukrainian = await telegram.say(team.other_rep, "/звіт")
    huge = await telegram.say(team.rep, "/" + "a" * 4000)
    await telegram.say(team.rep, "/lead")
    mid_flow = await telegram.say(team.rep, "/frobnicate")
    name_taken_after = await telegram.say(team.rep, "Olena")

    assert plain.text == "I don't know /xyz. /help lists what I can do."
    assert ukrainian.text == "Я не знаю команди /звіт. Усе, що я вмію, — у /help."
    assert huge.text is not None and len(huge.text) < 200
    assert mid_flow.text == "I don't know /frobnicate. /help lists what I can do."
    assert "phone or e-mail" in (name_taken_after.text or "")


async def test_free_text_says_nothing_was_understood_and_changes_nothing(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    reply = await telegram.say(team.rep, "what's up? call me at 5")

    assert reply.text == (
        "I found no command, phone number or e-mail in that. To add a lead send /lead, to find "
        "one /find and what to look for; /help lists everything I can do."
    )
    assert reply.reply_markup is None
    assert await count(session, Lead) == 0


async def test_a_sticker_outside_any_flow_gets_an_answer(telegram: Telegram, team: Team) -> None:
    sticker = {
        "file_id": "sticker",
        "file_unique_id": "sticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    user = team.rep.user
    update = {
        "message": {
            "message_id": 1_000,
            "date": int(utcnow().timestamp()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": {**user.to_json(), "is_bot": False},
            "sticker": sticker,
        }
    }

    [reply] = await replies(telegram, team.rep, telegram.control.post_update(update))

    assert (reply.text or "").startswith("I can't do anything with this kind of message.")


async def test_typing_where_a_button_is_expected_says_what_is_awaited(
    telegram: Telegram, team: Team
) -> None:
    await telegram.say(team.rep, "/lead")
    await telegram.say(team.rep, "Olena")
    await replies(telegram, team.rep, telegram.control.send_text(team.rep.user, "0671234567"), 2)
    source_prompt = await telegram.say(team.rep, "12000")

    reply = await telegram.say(team.rep, "from the website")
    source_chosen = await press_on(telegram, team.rep, source_prompt, "WhatsApp")

    assert (
        reply.text
        == "That is not an answer to my last question. Answer it, or send /cancel to stop."
    )
    assert "Which stage" in (source_chosen.text or "")


# Text holding a contact.


async def test_text_with_a_phone_offers_a_lead_the_wizard_then_completes(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    offer = await telegram.say(rep, "Olena Petrenko +380 67 123 45 67")

    assert offer.text is not None and offer.text.splitlines() == [
        "📇 That looks like a contact:",
        "👤 Olena Petrenko",
        "📞 +380671234567",
        "Make a lead from it? /help lists what else I can do.",
    ]
    assert offer.reply_to_message_id is not None
    assert await count(session, Lead) == 0

    value_prompt = await press_on(telegram, rep, offer, "➕ Make a lead")
    source_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    stage_prompt = await press_on(telegram, rep, source_prompt, "⏭ Skip")
    card = await press_on(telegram, rep, stage_prompt, "⏭ Skip")

    pressed = await telegram.control.message(rep.user.id, offer.message_id)
    assert (pressed.text or "").endswith("✓ Making a lead") and pressed.buttons == []
    assert "What is the deal worth?" in (value_prompt.text or "")
    assert "Olena Petrenko" in (card.text or "") and "+380671234567" in (card.text or "")
    lead = await session.scalar(select(Lead))
    assert lead is not None and lead.phone == "+380671234567"
    assert lead.contact_name == "Olena Petrenko"


async def test_an_e_mail_among_other_words_is_offered_without_a_name(
    telegram: Telegram, team: Team
) -> None:
    offer = await telegram.say(
        team.other_rep, "пишіть на Olena@Example.com до п'ятниці, будь ласка"
    )
    name_prompt = await press_on(telegram, team.other_rep, offer, "➕ Створити ліда")

    assert offer.text is not None and offer.text.splitlines() == [
        "📇 Схоже на контакт:",
        "✉️ olena@example.com",
        "Створити з нього ліда? Що я ще вмію — у /help.",
    ]
    assert "Як звати клієнта?" in (name_prompt.text or "")


# Strangers.


async def test_a_stranger_gets_one_answer_a_day_whatever_they_send(
    telegram: Telegram, clock: Clock, session: AsyncSession
) -> None:
    today = [
        await telegram.send_and_expect_silence(STRANGER, text)
        for text in ("hello", "/start", "/start no-such-invite", "/pipeline")
    ]

    assert [len(seen) for seen in today] == [1, 1, 1, 1]
    assert "7002" in (today[0][0].text or "") and "invite link" in (today[0][0].text or "")

    clock.now += timedelta(days=1, seconds=1)
    next_day = await telegram.say(STRANGER, "/start no-such-invite")
    after = await telegram.send_and_expect_silence(STRANGER, "hello?")

    assert (next_day.text or "").startswith("This invite link is not valid.")
    assert "<code>7002</code>" in (next_day.html or "")
    assert len(after) == 2
    assert await count(session, AccessRequest) == 2


async def test_a_spent_or_withdrawn_invite_is_named_in_the_days_one_answer(
    telegram: Telegram, clock: Clock, session: AsyncSession
) -> None:
    used = await create_invite(session, actor=None, role=Role.REP)
    used.used_at = utcnow()
    withdrawn = await create_invite(session, actor=None, role=Role.REP)
    withdrawn.revoked_at = utcnow()
    await session.commit()

    refused_uk = await telegram.say(UKRAINIAN_STRANGER, f"/start {used.token}")
    refused_en = await telegram.say(STRANGER, f"/start {withdrawn.token}")

    assert (refused_uk.text or "").startswith("Цим запрошенням уже скористалися.\nВаш Telegram ID")
    assert (refused_en.text or "").startswith("This invite link has been withdrawn.")
    assert await session.scalar(select(func.count()).select_from(Staff)) == 0


async def test_a_valid_invite_works_after_turned_away_messages(
    telegram: Telegram, clock: Clock, session: AsyncSession
) -> None:
    await telegram.say(STRANGER, "hi")
    await telegram.send_and_expect_silence(STRANGER, "/start")
    await telegram.send_and_expect_silence(STRANGER, "/start wrong-token")
    invite = await create_invite(session, actor=None, role=Role.REP)
    await session.commit()

    welcome = await telegram.say(STRANGER, f"/start {invite.token}")

    assert welcome.text == (
        "Welcome, Eve! You joined the team as sales rep. Send /help to see what I can do."
    )
    joined = await session.scalar(select(Staff).where(Staff.telegram_id == STRANGER.id))
    assert joined is not None and joined.role == Role.REP
    await session.refresh(invite)
    assert isinstance(invite, Invite) and invite.used_by_id == joined.id


# The admin named in ADMIN_IDS.


async def test_the_admin_by_setting_is_first_welcomed_then_greeted_again(
    telegram: Telegram, session: AsyncSession
) -> None:
    first = await telegram.say(FIRST_ADMIN, "/start")
    again = await telegram.say(FIRST_ADMIN, "/start")

    assert first.text == (
        "Welcome, Ada! You are the admin of this CRM. Start with /invite to bring in your team "
        "and /stages to set up the pipeline; /help shows everything else."
    )
    assert again.text == "Hello again, Ada! /pipeline shows the board, /today your tasks."
    admin = await session.scalar(select(Staff).where(Staff.telegram_id == FIRST_ADMIN.id))
    assert admin is not None and admin.role == Role.ADMIN
