"""The lead card's stage buttons (next, pick a stage, won with a value, lost with a reason),
and flows that must not disturb each other, as people in Telegram see them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from crm.models import Activity, ActivityKind, Lead, LostReason, StageKind
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from crm.services.tags import tag_lead
from emulator import SentMessage
from handlers.leads.keyboards import LeadAction, LeadActionKind, MoveToStage, PickLostReason
from tests.bot.conftest import Team, Telegram
from tests.bot.test_follow_ups import eventually, press_and_read_prompt, stored
from tests.bot.test_search_and_customers import acting, add_lead

LARGEST_ID = 2**63 - 1
NOT_ALLOWED = "Not allowed"
STALE = "The lead was changed meanwhile: here is the latest card."


async def lead_titled(session_factory: async_sessionmaker[AsyncSession], title: str) -> Lead:
    """The lead as the bot last committed it."""
    (lead,) = await stored(
        session_factory, select(Lead).where(Lead.title == title).options(selectinload(Lead.tags))
    )
    return lead


async def lead_once(
    session_factory: async_sessionmaker[AsyncSession], title: str, *, version: int
) -> Lead:
    """The lead once the bot's change to it (``version``) is committed."""

    async def read() -> Lead:
        return await lead_titled(session_factory, title)

    return await eventually(read, lambda lead: lead.version >= version)


def card_action(card: SentMessage, button: str) -> LeadAction:
    return LeadAction.unpack(card.button(button)["callback_data"])


async def test_a_note_typed_meanwhile_leaves_the_search_results_pageable(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = await acting(session, team.rep)
    for number in range(1, 11):
        draft = LeadDraft(contact_name=f"Client {number:02}", phone=f"+3806712300{number:02}")
        await create_lead(session, actor=rep, draft=draft)
    await session.commit()
    found = await telegram.say(team.rep, "/find client")
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)

    await press_and_read_prompt(telegram, team.rep, card, "📝 Note")
    noted = await telegram.say(team.rep, "Call back on Monday")
    second = await telegram.press(team.rep, found, "Next ›")
    await telegram.say(team.rep, "/cancel")
    first = await telegram.press(team.rep, second, "‹ Previous")

    assert noted.text is not None and noted.text.startswith("📝 Note saved.")
    assert second.text is not None and "page 2 of 2" in second.text
    assert first.text is not None and "page 1 of 2" in first.text


async def test_won_without_a_value_asks_for_it_and_wins_with_the_typed_value(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    created = card_action(card, "✅ Won")

    asked = await press_and_read_prompt(telegram, team.rep, card, "✅ Won")
    still_open = await lead_titled(session_factory, "Olena")
    not_a_number = await telegram.say(team.rep, "twelve")
    shown = await telegram.say(team.rep, "12 000")

    assert asked.text == (
        "What is the deal worth? Send the amount, e.g. 12000 or 12 000,50. /cancel to stop."
    )
    assert (still_open.stage.kind, still_open.version) == (StageKind.OPEN, created.version)
    assert not_a_number.text == "Send the amount as a number, e.g. 12000 or 12 000,50."
    assert shown.text is not None and "Stage: Won" in shown.text
    won = await lead_once(session_factory, "Olena", version=created.version + 1)
    assert (won.stage.kind, won.value_minor) == (StageKind.WON, 1_200_000)


async def test_a_stale_stage_picker_refreshes_the_card_and_changes_nothing(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    old_card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    seen = card_action(old_card, "🔀 Stage…")
    found = await telegram.say(team.rep, "/find Olena")
    current = await telegram.press(team.rep, found, "Olena")
    await telegram.press(team.rep, current, "Next stage ▶")
    moved = await lead_once(session_factory, "Olena", version=seen.version + 1)

    refused = await telegram.press_for_answer(
        team.rep, old_card, data=old_card.button("🔀 Stage…")["callback_data"]
    )
    refreshed = await telegram.control.message(old_card.chat_id, old_card.message_id)
    forged_pick = MoveToStage(
        lead_id=seen.lead_id, stage_id=moved.stage_id + 1, version=seen.version
    )
    forged = await telegram.press_for_answer(
        team.rep, refreshed, data=forged_pick.pack(), forged=True
    )

    assert refused == forged == STALE
    assert refreshed.text is not None and "Stage: Qualified" in refreshed.text
    assert "🔀 Stage…" in [button["text"] for button in refreshed.buttons]
    lead = await lead_titled(session_factory, "Olena")
    assert (lead.stage_id, lead.version) == (moved.stage_id, moved.version)


async def test_a_lost_reason_reads_in_each_readers_language(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    created = card_action(card, "❌ Lost")

    reasons = await telegram.press(team.rep, card, "❌ Lost")
    shown = await telegram.press(team.rep, reasons, "Too expensive")
    lost = await lead_once(session_factory, "Olena", version=created.version + 1)
    reps_results = await telegram.say(team.rep, "/find Olena")
    found = await telegram.say(team.manager, "/find Olena")
    managers_card = await telegram.press(team.manager, found, "Olena")

    assert [button["text"] for button in reasons.buttons] == [
        "Too expensive",
        "Chose a competitor",
        "Not the right time",
        "Stopped answering",
        "Another reason…",
        "« Back",
    ]
    assert shown.text is not None and "❌ Lost: Too expensive" in shown.text
    assert reps_results.text is not None and "· Lost: Too expensive ·" in reps_results.text
    assert found.text is not None and ": Задорого ·" in found.text
    assert managers_card.text is not None and "❌ Втрачено: Задорого" in managers_card.text
    assert (lost.stage.kind, lost.lost_reason_code, lost.lost_reason) == (
        StageKind.LOST,
        LostReason.PRICE,
        None,
    )


async def test_another_reason_is_asked_in_words_and_kept_as_typed(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    created = card_action(card, "❌ Lost")
    reasons = await telegram.press(team.rep, card, "❌ Lost")

    asked = await press_and_read_prompt(telegram, team.rep, reasons, "Another reason…")
    too_long = await telegram.say(team.rep, "x" * 501)
    shown = await telegram.say(team.rep, "Hired <their own> developer")

    assert asked.text == "Type the reason in one message. /cancel to stop."
    assert too_long.text == "Please keep the reason under 500 characters."
    assert shown.text is not None and "❌ Lost: Hired <their own> developer" in shown.text
    lost = await lead_once(session_factory, "Olena", version=created.version + 1)
    assert (lost.lost_reason_code, lost.lost_reason) == (
        LostReason.OTHER,
        "Hired <their own> developer",
    )
    (move,) = await stored(
        session_factory, select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE)
    )
    assert move.text == "Hired <their own> developer"


async def test_stage_buttons_forged_for_another_reps_lead_change_nothing(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_lead(telegram, team, "/lead Чужий Лід +380501112233 900", by=team.other_rep)
    mine = await add_lead(telegram, team, "/lead Mine +380931112233", by=team.rep)
    theirs = await lead_titled(session_factory, "Чужий Лід")
    forged = [
        LeadAction(lead_id=theirs.id, action=action, version=theirs.version).pack()
        for action in (
            LeadActionKind.NEXT,
            LeadActionKind.PREVIOUS,
            LeadActionKind.WON,
            LeadActionKind.LOST,
            LeadActionKind.PICK_STAGE,
        )
    ] + [
        MoveToStage(lead_id=theirs.id, stage_id=theirs.stage_id + 1, version=theirs.version).pack(),
        PickLostReason(lead_id=theirs.id, reason=LostReason.PRICE, version=theirs.version).pack(),
    ]

    answers = [
        await telegram.press_for_answer(team.rep, mine, data=data, forged=True) for data in forged
    ]

    assert answers == [NOT_ALLOWED] * len(forged)
    untouched = await lead_titled(session_factory, "Чужий Лід")
    assert (untouched.stage_id, untouched.version) == (theirs.stage_id, theirs.version)
    assert untouched.lost_reason_code is None


async def test_tags_beyond_the_cap_are_refused_and_none_is_added(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    rep = await acting(session, team.rep)
    lead = await lead_titled(session_factory, "Olena")
    await tag_lead(session, actor=rep, lead_id=lead.id, names=[f"t{n}" for n in range(19)])
    await session.commit()

    await press_and_read_prompt(telegram, team.rep, card, "🏷 Tags", "➕ Add tags")
    refused = await telegram.say(team.rep, "#vip #опт")
    saved = await telegram.say(team.rep, "#vip")

    assert refused.text == "A lead can have at most 20 tags."
    assert saved.text is not None and saved.text.startswith("🏷 Tags saved.")
    tagged = await lead_titled(session_factory, "Olena")
    assert len(tagged.tags) == 20 and "опт" not in {tag.name for tag in tagged.tags}


def test_stage_callbacks_fit_in_64_bytes_with_the_largest_ids() -> None:
    packed = [
        LeadAction(lead_id=LARGEST_ID, action=LeadActionKind.NEXT, version=LARGEST_ID).pack(),
        MoveToStage(lead_id=LARGEST_ID, stage_id=LARGEST_ID, version=LARGEST_ID).pack(),
        *(
            PickLostReason(lead_id=LARGEST_ID, reason=reason, version=LARGEST_ID).pack()
            for reason in LostReason
        ),
    ]

    assert all(len(data.encode()) <= 64 for data in packed)


async def test_a_deal_likely_to_close_is_asked_for_its_expected_close_date(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    qualified = await telegram.press(team.rep, card, "Next stage ▶")  # 30 %: not asked
    not_asked = await telegram.latest(team.rep)
    asked = await press_and_read_prompt(telegram, team.rep, qualified, "Next stage ▶")  # 60 %
    in_a_month = date.today() + timedelta(days=30)
    shown = await telegram.say(team.rep, f"{in_a_month:%d.%m.%Y}")

    assert not_asked.message_id == card.message_id
    assert asked.text is not None and asked.text.startswith(
        "📅 This deal is likely to close. When do you expect it to?"
    )
    assert shown.text is not None and "Expected to close" in shown.text
    lead = await lead_titled(session_factory, "Olena")
    assert (lead.stage.name, lead.expected_close_on) == ("Proposal", in_a_month)
