"""Follow-ups from the lead card: notes, one-tap calls and messages with a reminder, tasks at a
typed time, tags and field edits, as people in Telegram see them and as the database keeps them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from crm.models import Activity, ActivityKind, Lead, Task, utcnow
from crm.schemas import LeadChanges
from crm.services.leads import update_lead
from crm.services.staff import staff_by_telegram_id
from emulator import SentMessage
from tests.bot.conftest import Person, Team, Telegram

KYIV = ZoneInfo("Europe/Kyiv")
NOT_ALLOWED = "Not allowed"
TELEGRAM_TEXT_LIMIT = 4096
# The bot answers a moment before its transaction commits: reads wait for the commit.
COMMIT_POLLS = 100
COMMIT_POLL_SECONDS = 0.05
Row = TypeVar("Row")
Value = TypeVar("Value")


def tomorrow_at_ten_in_kyiv(moment: datetime) -> datetime:
    day = moment.astimezone(KYIV).date() + timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=KYIV).astimezone(UTC)


async def stored(
    session_factory: async_sessionmaker[AsyncSession], query: Select[Row]
) -> Sequence[Row]:
    """Rows as committed by the bot, read in a session of their own."""
    async with session_factory() as session:
        return (await session.scalars(query)).all()


async def eventually(
    read: Callable[[], Awaitable[Value]], settled: Callable[[Value], bool]
) -> Value:
    """What ``read`` returns once ``settled`` holds for it, or in the end."""
    value = await read()
    for _ in range(COMMIT_POLLS):
        if settled(value):
            break
        await asyncio.sleep(COMMIT_POLL_SECONDS)
        value = await read()
    return value


async def the_lead(session_factory: async_sessionmaker[AsyncSession]) -> Lead:
    (lead,) = await stored(session_factory, select(Lead).options(selectinload(Lead.tags)))
    return lead


async def activities_of_kind(
    session_factory: async_sessionmaker[AsyncSession], kind: ActivityKind
) -> Sequence[Activity]:
    """The activities of ``kind`` once there are some."""
    return await eventually(
        lambda: stored(session_factory, select(Activity).where(Activity.kind == kind)), bool
    )


async def tasks_once_saved(session_factory: async_sessionmaker[AsyncSession]) -> Sequence[Task]:
    return await eventually(lambda: stored(session_factory, select(Task)), bool)


async def tag_names(
    session_factory: async_sessionmaker[AsyncSession], *, settled: Callable[[set[str]], bool]
) -> set[str]:
    async def read() -> set[str]:
        return {tag.name for tag in (await the_lead(session_factory)).tags}

    return await eventually(read, settled)


async def press_and_read_prompt(
    telegram: Telegram, person: Person, card: SentMessage, *buttons: str
) -> SentMessage:
    """Press the buttons one after another on the card; the bot's question comes last."""
    for button in buttons:
        card = await telegram.press(person, card, button)
    return await telegram.latest(person)


async def test_a_note_is_saved_and_shown_on_the_card(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")

    prompt = await press_and_read_prompt(telegram, team.rep, card, "📝 Note")
    refreshed = await telegram.say(team.rep, "Wants <b>5%</b> off & delivery on Friday")

    assert prompt.text is not None and prompt.text.startswith("Type the note")
    assert refreshed.text is not None
    assert refreshed.text.startswith("📝 Note saved.")
    assert "note: Wants <b>5%</b> off & delivery on Friday" in refreshed.text
    (note,) = await activities_of_kind(session_factory, ActivityKind.NOTE)
    assert note.text == "Wants <b>5%</b> off & delivery on Friday"


async def test_a_note_over_the_limit_is_saved_as_two_notes_and_the_longest_fits_the_card(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    paste = "x" * 3000 + "\n\n" + "z" * 2000
    await press_and_read_prompt(telegram, team.rep, card, "📝 Note")

    # Telegram delivers a paste over 4,096 characters as several messages: the first is the
    # note, kept whole as two notes; the rest of the paste is not taken for another one.
    saved = await telegram.say(team.rep, paste[:TELEGRAM_TEXT_LIMIT])
    await telegram.control.send_text(team.rep.user, paste[TELEGRAM_TEXT_LIMIT:])
    await telegram.say(team.rep, "/today")
    notes = select(Activity.text).where(Activity.kind == ActivityKind.NOTE).order_by(Activity.id)
    split = await stored(session_factory, notes)
    await press_and_read_prompt(telegram, team.rep, card, "📝 Note")
    refreshed = await telegram.say(team.rep, "y" * 4000)

    assert saved.text is not None and saved.text.startswith(
        "📝 The note was longer than 4,000 characters, so it is saved as 2 notes, in order."
    )
    assert split == ["x" * 3000, "z" * (TELEGRAM_TEXT_LIMIT - 3002)]
    assert refreshed.text is not None and len(refreshed.text) <= TELEGRAM_TEXT_LIMIT
    assert "y" * 150 in refreshed.text and "y" * 1000 not in refreshed.text
    all_notes = await eventually(lambda: stored(session_factory, notes), lambda t: len(t) == 3)
    assert all_notes[-1] == "y" * 4000


async def test_called_logs_a_call_and_a_follow_up_tomorrow_at_ten_kyiv_time(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")

    offer = await telegram.press(team.rep, card, "📞 Called")
    calls = await activities_of_kind(session_factory, ActivityKind.CALL)
    before = utcnow()
    refreshed = await telegram.press(team.rep, offer, "⏰ Tomorrow 10:00")
    after = utcnow()

    assert len(calls) == 1
    assert {b["text"] for b in offer.buttons} >= {"⏰ In 1 hour", "⏰ In 3 days", "🗓 Other time…"}
    assert offer.text is not None and "call" in offer.text
    assert refreshed.text is not None and "⏰ Next: Follow up: Olena" in refreshed.text
    assert {b["text"] for b in refreshed.buttons} >= {"📝 Note", "📞 Called"}
    (task,) = await tasks_once_saved(session_factory)
    assert task.title == "Follow up: Olena"
    assert task.lead_id == calls[0].lead_id
    assert task.due_at in {tomorrow_at_ten_in_kyiv(before), tomorrow_at_ten_in_kyiv(after)}
    assert task.remind_at == task.due_at


async def test_wrote_tapped_twice_on_one_card_logs_one_message(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    wrote = card.button("✉️ Wrote")["callback_data"]

    first = await telegram.press_for_answer(team.rep, card, data=wrote)
    logged = await activities_of_kind(session_factory, ActivityKind.MESSAGE)
    second = await telegram.press_for_answer(team.rep, card, data=wrote, forged=True)

    assert first == "✉️ Message logged. Set a follow-up?"
    assert second == "The lead was changed meanwhile: here is the latest card."
    assert len(logged) == 1
    again = await stored(
        session_factory, select(Activity).where(Activity.kind == ActivityKind.MESSAGE)
    )
    assert [activity.id for activity in again] == [activity.id for activity in logged]


async def test_a_ukrainian_rep_types_zavtra_10_and_a_title(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.other_rep, "/lead Олена +380671234567")

    when = await press_and_read_prompt(telegram, team.other_rep, card, "⏰ Задача", "🗓 Інший час…")
    before = utcnow()
    title_prompt = await telegram.say(team.other_rep, "завтра 10:00")
    after = utcnow()
    saved = await telegram.say(team.other_rep, "Передзвонити щодо знижки")

    assert when.text is not None and when.text.startswith("Коли?")
    assert title_prompt.text is not None and title_prompt.text.startswith("Що треба зробити?")
    assert saved.text is not None
    assert saved.text.startswith("⏰ Задачу збережено: Передзвонити щодо знижки")
    (task,) = await tasks_once_saved(session_factory)
    assert task.title == "Передзвонити щодо знижки"
    assert task.due_at in {tomorrow_at_ten_in_kyiv(before), tomorrow_at_ten_in_kyiv(after)}


async def test_a_past_or_unreadable_time_is_refused_then_skip_saves_a_follow_up(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    await press_and_read_prompt(telegram, team.rep, card, "⏰ Task", "🗓 Other time…")

    past = await telegram.say(team.rep, "01.01.2020 10:00")
    unreadable = await telegram.say(team.rep, "when pigs fly")
    nothing_saved = await stored(session_factory, select(Task))
    before = utcnow()
    title_prompt = await telegram.say(team.rep, "in 2 hours")
    after = utcnow()
    saved = await telegram.press(team.rep, title_prompt, "Skip")

    assert past.text == "That time has already passed. Send a time in the future."
    assert unreadable.text is not None and unreadable.text.startswith("I could not read that time")
    assert nothing_saved == []
    assert saved.text is not None and saved.text.startswith("⏰ Task saved: Follow up: Olena")
    (task,) = await tasks_once_saved(session_factory)
    assert task.title == "Follow up: Olena"
    assert before + timedelta(hours=2) <= task.due_at <= after + timedelta(hours=2)


async def test_tags_are_added_by_typing_and_removed_by_a_tap(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")

    prompt = await press_and_read_prompt(telegram, team.rep, card, "🏷 Tags", "➕ Add tags")
    tagged = await telegram.say(team.rep, "#VIP опт, #vip")
    tags_after_adding = await tag_names(session_factory, settled=lambda names: len(names) == 2)
    tag_view = await telegram.press(team.rep, tagged, "🏷 Tags")
    untagged = await telegram.press(team.rep, tag_view, "✖ #vip")

    assert prompt.text is not None and prompt.text.startswith("Type the tags")
    assert tagged.text is not None and "🏷 #vip #опт" in tagged.text
    assert tags_after_adding == {"vip", "опт"}
    assert {b["text"] for b in tag_view.buttons} >= {"✖ #vip", "✖ #опт", "➕ Add tags"}
    assert "✖ #vip" not in {b["text"] for b in untagged.buttons}
    assert untagged.text is not None and "🏷 #опт" in untagged.text
    assert await tag_names(session_factory, settled=lambda names: "vip" not in names) == {"опт"}


async def test_editing_the_phone_refuses_a_bad_number_then_saves_a_good_one(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")

    prompt = await press_and_read_prompt(telegram, team.rep, card, "✏️ Edit", "Phone")
    refusal = await telegram.say(team.rep, "12345")
    old = phone_after_refusal = (await the_lead(session_factory)).phone
    saved = await telegram.say(team.rep, "050 123 45 67")

    assert prompt.text is not None and "Phone now: +380671234567" in prompt.text
    assert refusal.text is not None and refusal.text.startswith("That is not a phone number")
    assert phone_after_refusal == "+380671234567"
    assert saved.text is not None and saved.text.startswith("✏️ Saved.")
    assert "📞 +380501234567" in saved.text
    lead = await eventually(lambda: the_lead(session_factory), lambda lead: lead.phone != old)
    assert lead.phone == "+380501234567"


@pytest.mark.parametrize(
    ("button", "typed", "field", "expected"),
    [
        ("Expected close date", "25.12.2031", "expected_close_on", date(2031, 12, 25)),
        ("Value", "12 000,50", "value_minor", 1_200_050),
        ("E-mail", "Olena@Example.COM", "email", "olena@example.com"),
        ("Contact name", "-", "contact_name", None),
    ],
)
async def test_a_field_is_edited_by_typing(
    telegram: Telegram,
    team: Team,
    session_factory: async_sessionmaker[AsyncSession],
    button: str,
    typed: str,
    field: str,
    expected: Any,
) -> None:
    card = await telegram.say(team.rep, "/lead Olena Petrenko +380671234567")
    await press_and_read_prompt(telegram, team.rep, card, "✏️ Edit", button)
    shown_version = (await the_lead(session_factory)).version

    saved = await telegram.say(team.rep, typed)

    assert saved.text is not None and saved.text.startswith("✏️ Saved.")
    lead = await eventually(
        lambda: the_lead(session_factory), lambda lead: lead.version != shown_version
    )
    assert getattr(lead, field) == expected


async def test_an_edit_from_a_card_changed_meanwhile_is_refused(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    await press_and_read_prompt(telegram, team.rep, card, "✏️ Edit", "Phone")
    lead = await the_lead(session_factory)
    async with session_factory() as session:
        manager = await staff_by_telegram_id(session, team.manager.user.id)
        assert manager is not None
        await update_lead(
            session, actor=manager, lead_id=lead.id, changes=LeadChanges(title="Olena P.")
        )
        await session.commit()

    refusal = await telegram.say(team.rep, "050 123 45 67")

    assert (
        refusal.text == "Someone else changed this a moment ago. Open it again to see the latest."
    )
    assert (await the_lead(session_factory)).phone == "+380671234567"


async def test_card_buttons_forged_for_another_reps_lead_are_not_allowed(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await telegram.say(team.other_rep, "/lead Чужий Лід +380501112233")
    mine = await telegram.say(team.rep, "/lead Mine +380931112233")
    both = await eventually(
        lambda: stored(session_factory, select(Lead).order_by(Lead.id)), lambda rows: len(rows) == 2
    )
    theirs = both[0]
    forged = [
        f"ld:{theirs.id}:{action}:{theirs.version}" for action in ("t", "c", "m", "k", "g", "e")
    ] + [f"tq:{theirs.id}:t:0", f"tq:{theirs.id}:o:1", f"ta:{theirs.id}", f"ed:{theirs.id}:phone:1"]

    answers = [
        await telegram.press_for_answer(team.rep, mine, data=data, forged=True) for data in forged
    ]

    assert answers == [NOT_ALLOWED] * len(forged)
    assert await stored(session_factory, select(Task)) == []
    activities = await stored(session_factory, select(Activity.kind).order_by(Activity.id))
    assert activities == [ActivityKind.CREATED, ActivityKind.CREATED]
    assert (await stored(session_factory, select(Lead.version).where(Lead.id == theirs.id))) == [
        theirs.version
    ]
