"""/segments as people use it: a filter built with buttons and typed values, its count, its
members page by page, a member's card and the export."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import FieldKind
from crm.schemas import LeadChanges
from crm.services.fields import FieldDraft, define_field
from crm.services.leads import update_lead
from crm.services.tags import tag_lead
from tests.bot.conftest import Team, Telegram
from tests.bot.test_export import add, file_of, staff_of


async def test_a_rep_builds_a_segment_by_tag_opens_a_member_and_exports_it(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    vip = await add(session, team.rep, "Olena VIP", "+380671234567")
    await add(session, team.rep, "Petro", "+380671234568")
    theirs = await add(session, team.other_rep, "Iryna VIP", "+380931234567")
    for lead_id, person in ((vip, team.rep), (theirs, team.other_rep)):
        await tag_lead(
            session, actor=await staff_of(session, person), lead_id=lead_id, names=["vip"]
        )
        await session.commit()

    menu = await telegram.say(team.rep, "/segments")
    builder = await telegram.press(team.rep, menu, "➕ New segment")
    await telegram.press(team.rep, builder, "🏷 Any of tags")
    narrowed = await telegram.say(team.rep, "#VIP")
    await telegram.press(team.rep, narrowed, "💾 Save")
    saved = await telegram.say(team.rep, "VIP clients")
    members = await telegram.press(team.rep, saved, "🎯 Open it")
    await telegram.press(team.rep, members, "⬇️ Export CSV")
    exported = await telegram.latest(team.rep)
    card = await telegram.press(team.rep, members, "💼 Olena VIP")

    assert menu.text is not None and "No segments yet" in menu.text
    assert builder.text is not None and "of leads: 2 match now" in builder.text
    assert narrowed.text is not None and "of leads: 1 match now" in narrowed.text
    assert "• any of the tags: #VIP" in narrowed.text
    assert saved.text == "✅ Segment «VIP clients» saved."
    assert members.text is not None and "1 member, page 1 of 1" in members.text
    assert exported.caption == "1 row"
    assert "Olena VIP" in (await file_of(telegram, exported)).decode("utf-8-sig")
    assert "Iryna" not in (await file_of(telegram, exported)).decode("utf-8-sig")
    assert card.text is not None and card.text.startswith("📇 Olena VIP")


async def test_an_unreadable_value_leaves_the_question_open(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await add(session, team.rep, "Olena", "+380671234567")
    menu = await telegram.say(team.rep, "/segments")
    builder = await telegram.press(team.rep, menu, "➕ New segment")

    await telegram.press(team.rep, builder, "💤 No activity")
    refused = await telegram.say(team.rep, "two weeks")
    accepted = await telegram.say(team.rep, "14")
    await telegram.press(team.rep, accepted, "📅 Created")
    bad_date = await telegram.say(team.rep, "31.02.2026-01.03.2026")

    assert refused.text == "Send the number of days, e.g. 14."
    assert accepted.text is not None and "• days without activity: 14" in accepted.text
    assert "0 match now" in accepted.text
    assert bad_date.text is not None and "DD.MM.YYYY" in bad_date.text


async def test_a_segment_by_a_custom_field_asks_for_its_value(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    admin = await staff_of(session, team.admin)
    draft = FieldDraft("Size", "Розмір", FieldKind.CHOICE, choices=("S", "M"))
    await define_field(session, actor=admin, draft=draft)
    await session.commit()
    lead_id = await add(session, team.rep, "Olena", "+380671234567")
    rep = await staff_of(session, team.rep)
    await update_lead(
        session, actor=rep, lead_id=lead_id, changes=LeadChanges(custom_fields={"size": "M"})
    )
    await session.commit()

    menu = await telegram.say(team.rep, "/segments")
    builder = await telegram.press(team.rep, menu, "➕ New segment")
    fields = await telegram.press(team.rep, builder, "🧩 Custom field")
    await telegram.press(team.rep, fields, "Size")
    refused = await telegram.say(team.rep, "XL")
    narrowed = await telegram.say(team.rep, "m")

    assert refused.text == "That is not one of the choices. Press one of the buttons."
    assert narrowed.text is not None and "of leads: 1 match now" in narrowed.text
    assert "• Size: M" in narrowed.text
