"""/duplicates as a manager uses it: the pairs, which one stays, what the merge leaves, and a
second press of the same button changing nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, CustomerContact, Lead
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
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
