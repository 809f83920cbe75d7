"""Likely duplicate customers found through their contacts and names, and merged whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Conflict, Forbidden, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Conversation,
    Customer,
    CustomerContact,
    Lead,
    LoyaltyEntry,
    Order,
    SupportTicket,
    Task,
    utcnow,
)
from crm.schemas import LeadDraft
from crm.services import customer_card, duplicates, leads, tags
from tests.crm.conftest import Team


def customer(name: str, *contacts: tuple[str, str]) -> Customer:
    made = Customer(name=name)
    made.contacts = [CustomerContact(kind=kind, value=value) for kind, value in contacts]
    return made


PHONE = CustomerContact.PHONE
EMAIL = CustomerContact.EMAIL


async def test_pairs_share_a_phone_an_email_or_a_name_in_any_order_and_case(
    session: AsyncSession, team: Team
) -> None:
    olena = customer("Olena Petrenko", (PHONE, "+380671234567"))
    same_phone = customer("O. P.", (PHONE, "+380671234567"))
    same_email = customer("Ivan", (EMAIL, "ivan@example.com"))
    other_ivan = customer("Іван", (EMAIL, "ivan@example.com"))
    same_name = customer("petrenko,  OLENA")
    alone = customer("Nobody Else", (PHONE, "+380931234567"))
    session.add_all([olena, same_phone, same_email, other_ivan, same_name, alone])
    await session.flush()

    found = await duplicates.duplicate_pairs(session, actor=team.manager, page=0)

    assert found.total == 3
    assert [(p.first.id, p.second.id, p.shared) for p in found.items] == [
        (olena.id, same_phone.id, [(duplicates.Likeness.PHONE, "+380671234567")]),
        (olena.id, same_name.id, [(duplicates.Likeness.NAME, "petrenko,  OLENA")]),
        (same_email.id, other_ivan.id, [(duplicates.Likeness.EMAIL, "ivan@example.com")]),
    ]
    with pytest.raises(Forbidden):
        await duplicates.duplicate_pairs(session, actor=team.rep, page=0)


async def test_a_merge_moves_everything_and_the_old_id_opens_the_customer_kept(
    session: AsyncSession, team: Team
) -> None:
    kept = customer("Olena Petrenko", (PHONE, "+380671234567"))
    dropped = customer("Olena P.", (PHONE, "+380671234567"), (EMAIL, "olena@example.com"))
    dropped.external_id = "crm-7"
    session.add_all([kept, dropped])
    await session.flush()
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Olena", email="olena@example.com")
    )
    assert lead.customer_id == dropped.id
    dropped_tags = await dropped.awaitable_attrs.tags
    dropped_tags.extend(await tags.tags_named(session, ["vip"]))
    chat = Conversation(customer_id=dropped.id, channel="website_chat")
    session.add_all(
        [
            chat,
            Order(customer_id=dropped.id, external_id="WC-1", amount_minor=100, currency="UAH"),
            Task(
                title="Call back",
                due_at=utcnow(),
                remind_at=utcnow(),
                assignee_id=team.rep.id,
                customer_id=dropped.id,
                created_by_id=team.rep.id,
            ),
            Activity(kind=ActivityKind.NOTE, customer_id=dropped.id, text="likes tea"),
            LoyaltyEntry(customer_id=dropped.id, points=50, reason="welcome"),
            SupportTicket(customer_id=dropped.id, subject="Late delivery"),
        ]
    )
    await session.flush()
    kept_id, dropped_id = kept.id, dropped.id

    preview = await duplicates.merge_preview(
        session, actor=team.manager, keep_id=kept_id, drop_id=dropped_id
    )
    merged = await duplicates.merge_customers(
        session, actor=team.manager, keep_id=kept_id, drop_id=dropped_id
    )
    card = await customer_card.customer_card(session, actor=team.manager, customer_id=dropped_id)

    assert preview.moving == {
        "leads": 1,
        "orders": 1,
        "conversations": 1,
        "tasks": 1,
        # The note, and the lead's "created" entry.
        "activities": 2,
        "loyalty": 1,
        "tickets": 1,
    }
    assert (preview.phones, preview.emails, preview.tags) == (
        ["+380671234567"],
        ["olena@example.com"],
        ["vip"],
    )
    assert merged.id == kept_id and card.customer.id == kept_id
    assert (merged.external_id, card.customer.external_id) == ("crm-7", "crm-7")
    for model in (Lead, Order, Conversation, Task, LoyaltyEntry, SupportTicket):
        owners = await session.scalars(select(model.customer_id))  # type: ignore[attr-defined]
        assert set(owners) == {kept_id}, model
    assert sorted(merged.phones + merged.emails) == ["+380671234567", "olena@example.com"]
    assert [tag.name for tag in card.tags] == ["vip"]
    assert card.loyalty_balance == 50
    timeline = await customer_card.section_page(
        session,
        actor=team.manager,
        customer_id=kept_id,
        section=customer_card.Section.TIMELINE,
        page=0,
    )
    merge_entry = timeline.items[0]
    assert (merge_entry.kind, merge_entry.text) == (
        ActivityKind.MERGE,
        f"#{dropped_id} Olena P. (Марина Коваль)",
    )
    audited = await session.scalar(select(AuditEntry).where(AuditEntry.field == "merged_from"))
    assert audited is not None and (audited.entity_id, audited.new_value) == (
        kept_id,
        str(dropped_id),
    )
    assert (await duplicates.duplicate_pairs(session, actor=team.admin, page=0)).total == 0


async def test_a_stale_a_forged_or_a_reps_merge_changes_nothing(
    session: AsyncSession, team: Team
) -> None:
    first = customer("Ann", (PHONE, "+380671234567"))
    second = customer("Anna", (PHONE, "+380671234567"))
    stranger = customer("Bohdan", (PHONE, "+380931234567"))
    session.add_all([first, second, stranger])
    await session.flush()
    ids = first.id, second.id, stranger.id
    await duplicates.merge_customers(session, actor=team.admin, keep_id=ids[0], drop_id=ids[1])

    attempts = [
        (team.manager, ids[0], ids[1], Conflict),
        (team.manager, ids[1], ids[0], Conflict),
        (team.manager, ids[0], ids[2], ValidationFailed),
        (team.manager, ids[2], ids[2], ValidationFailed),
        (team.rep, ids[0], ids[2], Forbidden),
    ]
    for actor, keep_id, drop_id, refusal in attempts:
        with pytest.raises(refusal):
            await duplicates.merge_customers(session, actor=actor, keep_id=keep_id, drop_id=drop_id)

    contacts = await session.scalar(
        select(func.count()).where(CustomerContact.customer_id == ids[2])
    )
    merged_into = await session.scalar(select(Customer.merged_into_id).where(Customer.id == ids[2]))
    assert (contacts, merged_into) == (1, None)
