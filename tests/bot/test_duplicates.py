"""/duplicates as a manager uses it: the pairs, which one stays, what the merge leaves, and a
second press of the same button changing nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, CustomerContact, Lead
from crm.schemas import LeadDraft
from crm.services.fields import FIELDS_MAX
from crm.services.lead_duplicates import FIELDS
from crm.services.leads import create_lead
from handlers.lead_duplicates import LeadMergeStep
from tests.bot.conftest import Team, Telegram
from tests.bot.test_deal import current_rows
from tests.bot.test_export import staff_of


async def two_olenas(session: AsyncSession, team: Team) -> tuple[int, int]:
    kept = Customer(name="Olena Petrenko")
    kept.contacts = [CustomerContact(kind=CustomerContact.PHONE, value="+380671234567")]
    dropped = Customer(name="Petrenko Olena")
    session.add_all([kept, dropped])
    await session.commit()
    rep = await staff_of(session, team.rep)
    await create_lead(session, actor=rep, draft=LeadDraft(contact_name="Olena"))
    lead = await session.scalar(select(Lead))
    assert lead is not None
    lead.customer_id = dropped.id
    await session.commit()
    return kept.id, dropped.id


async def test_a_manager_merges_two_customers_with_one_confirmation(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    kept_id, dropped_id = await two_olenas(session, team)

    flagged = await telegram.say(team.admin, f"/customer_{kept_id}")
    listed = await telegram.say(team.admin, "/duplicates")
    pair = await telegram.press(team.admin, listed, "🔁 1")
    preview = await telegram.press(team.admin, pair, f"Keep #{kept_id} Olena Petrenko")
    confirm = preview.button("✅ Merge")["callback_data"]
    merged = await telegram.press(team.admin, preview, "✅ Merge")
    again = await telegram.press_for_answer(team.admin, merged, data=confirm, forged=True)
    old_link = await telegram.say(team.admin, f"/customer_{dropped_id}")

    (lead,) = await current_rows(session, select(Lead))
    assert listed.text is not None and "1 pair, page 1 of 1" in listed.text
    assert f"#{kept_id} Olena Petrenko ↔ #{dropped_id} Petrenko Olena" in listed.text
    assert "same name" in listed.text
    assert preview.text is not None
    assert f"Merge #{dropped_id} Petrenko Olena into #{kept_id} Olena Petrenko?" in preview.text
    assert "Kept name: Olena Petrenko\nContacts: +380671234567" in preview.text
    assert "Moving over: 1 lead\n" in preview.text
    assert merged.text == (
        f"✅ #{dropped_id} merged into #{kept_id} Olena Petrenko. "
        f"Its old buttons and links open #{kept_id} Olena Petrenko now."
    )
    assert again == "Someone else changed this a moment ago. Open it again to see the latest."
    assert flagged.text is not None
    assert "⚠️ Likely the same person as another customer: /duplicates" in flagged.text
    assert old_link.text is not None and old_link.text.startswith("🧑 Olena Petrenko")
    assert "⚠️" not in old_link.text
    assert lead.customer_id == kept_id


async def test_a_rep_may_not_list_or_merge_duplicates(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    kept_id, dropped_id = await two_olenas(session, team)

    refused = await telegram.say(team.rep, "/duplicates")
    forged = await telegram.press_for_answer(
        team.rep, refused, data=f"dm:{kept_id}:{dropped_id}:0:1", forged=True
    )

    assert refused.text == "Not allowed"
    assert forged == "Not allowed"
    merged_into = await current_rows(
        session, select(Customer.merged_into_id).where(Customer.id == dropped_id)
    )
    assert merged_into == [None]


# Duplicate leads.


async def two_olena_leads(session: AsyncSession, team: Team) -> tuple[int, int]:
    """An older and a newer lead of the rep's with one phone: (older, newer) ids."""
    rep = await staff_of(session, team.rep)
    made = [
        await create_lead(
            session,
            actor=rep,
            draft=LeadDraft(title=title, phone="+380671234567", value=value),
            allow_duplicate=True,
        )
        for title, value in (("Olena sofa", "900"), ("Olena chair", "1200"))
    ]
    await session.commit()
    return made[0].id, made[1].id


async def test_an_admin_picks_the_values_and_merges_two_leads_once(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    older_id, newer_id = await two_olena_leads(session, team)
    found = await telegram.say(team.rep, "/find sofa")
    old_card = await telegram.press(team.rep, found, "Olena sofa")

    customers = await telegram.say(team.admin, "/duplicates")
    listed = await telegram.press(team.admin, customers, "📇 Duplicate leads")
    preview = await telegram.press(team.admin, listed, "🔁 1")
    picked = await telegram.press(team.admin, preview, "Olena sofa")
    confirm = picked.button("✅ Merge")["callback_data"]
    merged = await telegram.press(team.admin, picked, "✅ Merge")
    again = await telegram.press_for_answer(team.admin, merged, data=confirm, forged=True)
    stale = await telegram.press_for_answer(
        team.rep, old_card, data=old_card.button("🔀 Stage…")["callback_data"]
    )
    reopened = await telegram.control.message(old_card.chat_id, old_card.message_id)

    (lead,) = await current_rows(session, select(Lead))
    assert listed.text is not None
    assert "Likely duplicate leads: 1 phone or e-mail held by several leads, page 1" in listed.text
    assert f"#{older_id} Olena sofa ↔ #{newer_id} Olena chair" in listed.text
    assert "same phone +380671234567" in listed.text
    assert preview.text is not None
    assert f"Merge #{older_id} Olena sofa into the newer #{newer_id} Olena chair?" in preview.text
    assert "Title: Olena chair\nValue: 1200.00 UAH" in preview.text
    assert [b["text"] for b in preview.buttons][:4] == [
        "✅ Olena chair",
        "Olena sofa",
        "✅ 1200.00 UAH",
        "900.00 UAH",
    ]
    assert picked.text is not None and "Title: Olena sofa\n" in picked.text
    assert merged.text == (
        f"✅ #{older_id} merged into #{newer_id} Olena sofa. "
        f"Its old buttons open #{newer_id} Olena sofa now."
    )
    assert again == "Someone else changed this a moment ago. Open it again to see the latest."
    assert stale == "The lead was changed meanwhile: here is the latest card."
    assert reopened.text is not None
    assert reopened.text.startswith(f"📇 Olena sofa · #{newer_id}")
    assert (lead.id, lead.title, lead.value_minor) == (newer_id, "Olena sofa", 120_000)


async def test_a_rep_may_not_merge_leads_even_by_a_forged_button(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    older_id, newer_id = await two_olena_leads(session, team)
    card = await telegram.say(team.rep, "/find sofa")

    forged = await telegram.press_for_answer(
        team.rep, card, data=f"dlm:{newer_id}:{older_id}:0:1", forged=True
    )
    listed = await telegram.press_for_answer(team.rep, card, data="dl:0", forged=True)

    assert forged == listed == "Not allowed"
    ids = await current_rows(session, select(Lead.id).order_by(Lead.id))
    assert ids == [older_id, newer_id]


async def test_a_manager_turns_the_lead_pairs_page_by_page_with_no_total(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = await staff_of(session, team.rep)
    draft = LeadDraft(title="Olena", phone="+380671234567")
    ids = [(await create_lead(session, actor=rep, draft=draft, allow_duplicate=True)).id]
    ids += [(await create_lead(session, actor=rep, draft=draft, allow_duplicate=True)).id]
    ids += [(await create_lead(session, actor=rep, draft=draft, allow_duplicate=True)).id]
    ids += [(await create_lead(session, actor=rep, draft=draft, allow_duplicate=True)).id]
    await session.commit()

    customers = await telegram.say(team.manager, "/duplicates")
    first = await telegram.press(team.manager, customers, "📇 Дублікати лідів")
    second = await telegram.press(team.manager, first, "Наступна ›")
    back = await telegram.press(team.manager, second, "‹ Попередня")
    stale = await telegram.press(team.manager, second, "", forged="dl:7")

    assert first.text is not None and first.text.startswith(
        "🔁 Ймовірні дублікати лідів, сторінка 1\n"
    )
    assert f"5. #{ids[1]} Olena ↔ #{ids[3]} Olena" in first.text
    assert [b["text"] for b in first.buttons][-2:] == ["Наступна ›", "🧑 Дублікати клієнтів"]
    assert second.text is not None and second.text.startswith(
        "🔁 Ймовірні дублікати лідів, сторінка 2\n"
    )
    assert f"6. #{ids[2]} Olena ↔ #{ids[3]} Olena" in second.text
    assert "Наступна ›" not in [b["text"] for b in second.buttons]
    assert back.text == first.text
    assert stale.text == first.text


def test_the_merge_button_fits_telegram_with_the_largest_ids_and_every_field_picked() -> None:
    disagreeing = len(FIELDS) + FIELDS_MAX
    step = LeadMergeStep(
        keep_id=2**63 - 1, drop_id=2**63 - 2, picks=2**disagreeing - 1, confirmed=True
    )

    assert len(step.pack().encode()) <= 64
    assert 2 * disagreeing + 2 <= 100
