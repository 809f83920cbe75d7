"""The counts of who holds each phone, e-mail and name stay right on every write path, so the
pairs listed from the values held twice are the pairs there are."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, CustomerContact, DuplicateKey, Lead, LeadSource, Staff
from crm.schemas import LeadChanges, LeadDraft
from crm.services import duplicates, lead_duplicates, leads
from crm.services.imports import ImportTarget, apply_import, check_import, match_columns
from crm.services.intake import IncomingContact, take_in_contact
from tests.crm.conftest import Team
from tests.crm.test_imports import KNOWN, committing, imported

PHONE = "+380671234567"
OTHER_PHONE = "+380931234567"
EMAIL = "olena@example.com"


async def held(session: AsyncSession) -> dict[tuple[str, str], int]:
    """What ``duplicate_keys`` holds."""
    rows = await session.execute(
        select(DuplicateKey.kind, DuplicateKey.value, DuplicateKey.holders)
    )
    return {(kind, value): holders for kind, value, holders in rows}


async def counted_afresh(session: AsyncSession) -> dict[tuple[str, str], int]:
    """The same counts made from the rows themselves."""
    counts: dict[tuple[str, str], int] = {}

    async def add(kind: str, query: Select[str, int]) -> None:
        for value, holders in await session.execute(query):
            counts[kind, value] = holders

    for column in (Lead.phone, Lead.email):
        grouped = select(column, func.count()).where(column.is_not(None)).group_by(column)
        await add(f"lead:{column.key}", grouped)
    for kind in (CustomerContact.PHONE, CustomerContact.EMAIL):
        value = CustomerContact.value
        await add(
            f"customer:{kind}",
            select(value, func.count()).where(CustomerContact.kind == kind).group_by(value),
        )
    name = Customer.name_key
    await add(
        "customer:name",
        select(name, func.count())
        .where(name != "", Customer.merged_into_id.is_(None))
        .group_by(name),
    )
    return counts


async def lead(session: AsyncSession, owner: Staff, **draft: object) -> Lead:
    return await leads.create_lead(
        session,
        actor=owner,
        draft=LeadDraft.model_validate({"responsible_id": owner.id, **draft}),
        allow_duplicate=True,
    )


async def lead_pairs(session: AsyncSession, actor: Staff) -> list[tuple[int, int]]:
    found = await lead_duplicates.lead_duplicate_pairs(session, actor=actor, page=0)
    return [(pair.first.id, pair.second.id) for pair in found.items]


async def customer_pairs(session: AsyncSession, actor: Staff) -> list[tuple[int, int]]:
    found = await duplicates.duplicate_pairs(session, actor=actor, page=0)
    return [(pair.first.id, pair.second.id) for pair in found.items]


async def edit(session: AsyncSession, actor: Staff, lead: Lead, **changes: object) -> None:
    await leads.update_lead(
        session, actor=actor, lead_id=lead.id, changes=LeadChanges.model_validate(changes)
    )


async def test_leads_are_a_pair_from_creation_and_stop_being_one_when_a_phone_changes(
    session: AsyncSession, team: Team
) -> None:
    olena = await lead(session, team.rep, title="Olena", phone=PHONE)
    again = await lead(session, team.rep, title="Olena again", phone=PHONE, email=EMAIL)

    assert await lead_pairs(session, team.manager) == [(olena.id, again.id)]
    assert await held(session) == {("lead:phone", PHONE): 2, ("lead:email", EMAIL): 1}

    await edit(session, team.rep, again, phone=OTHER_PHONE)

    assert await lead_pairs(session, team.manager) == []
    assert await held(session) == {
        ("lead:phone", PHONE): 1,
        ("lead:phone", OTHER_PHONE): 1,
        ("lead:email", EMAIL): 1,
    }

    await edit(session, team.rep, olena, phone=None, email=EMAIL.upper())

    assert await lead_pairs(session, team.manager) == [(olena.id, again.id)]
    assert await held(session) == {("lead:phone", OTHER_PHONE): 1, ("lead:email", EMAIL): 2}


async def test_a_merge_leaves_the_lead_kept_paired_with_the_third_sharing_its_phone(
    session: AsyncSession, team: Team
) -> None:
    first = await lead(session, team.rep, title="First", phone=PHONE)
    second = await lead(session, team.rep, title="Second", phone=PHONE, email=EMAIL)
    third = await lead(session, team.rep, title="Third", phone=PHONE)

    await lead_duplicates.merge_leads(
        session, actor=team.manager, keep_id=third.id, drop_id=second.id, picks=0
    )

    assert await lead_pairs(session, team.manager) == [(first.id, third.id)]
    assert await held(session) == {("lead:phone", PHONE): 2, ("lead:email", EMAIL): 1}

    await lead_duplicates.merge_leads(
        session, actor=team.manager, keep_id=third.id, drop_id=first.id, picks=0
    )

    assert await lead_pairs(session, team.manager) == []
    assert await held(session) == {("lead:phone", PHONE): 1, ("lead:email", EMAIL): 1}


async def test_imported_leads_and_customers_are_counted_like_leads_made_one_at_a_time(
    session: AsyncSession, team: Team
) -> None:
    olena = await lead(session, team.rep, title="Olena", phone=PHONE)
    await session.commit()

    problems, created, _ = await imported(
        session,
        team.manager,
        ["Contact", "Phone", "E-mail"],
        [["Olena P.", "067 123 45 67", ""], ["Ivan", "", EMAIL], ["Іван", "", EMAIL]],
    )
    await import_customers(session, team.manager, [["Olena", PHONE], ["Olena", OTHER_PHONE]])

    assert (problems, created) == ([], 3)
    imported_olena, ivan, other_ivan = (olena.id + n for n in (1, 2, 3))
    assert await lead_pairs(session, team.manager) == [
        (olena.id, imported_olena),
        (ivan, other_ivan),
    ]
    first_customer = await session.scalar(select(func.min(Customer.id)))
    assert first_customer is not None
    assert await customer_pairs(session, team.manager) == [(first_customer, first_customer + 1)]
    assert await held(session) == await counted_afresh(session)
    assert await held(session) == {
        ("lead:phone", PHONE): 2,
        ("lead:email", EMAIL): 2,
        ("customer:phone", PHONE): 1,
        ("customer:phone", OTHER_PHONE): 1,
        ("customer:name", "olena"): 2,
    }


async def import_customers(session: AsyncSession, actor: Staff, rows: list[list[str]]) -> None:
    headers = ["Name", "Phones"]
    plan = await check_import(
        session,
        actor=actor,
        target=ImportTarget.CUSTOMERS,
        headers=headers,
        mapping=match_columns(headers, ImportTarget.CUSTOMERS, KNOWN),
        rows=rows,
    )
    assert not plan.problems
    await apply_import(committing(session), actor=actor, plan=plan)


async def test_a_contact_coming_back_after_its_lead_was_lost_makes_a_pair_with_it(
    session: AsyncSession, team: Team
) -> None:
    contact = IncomingContact(
        name="Olena", phone="067 123 45 67", email=None, message="Hi", source=LeadSource.WEB_FORM
    )
    first = await take_in_contact(session, contact=contact, channel=None)
    lost = await session.get_one(Lead, first.lead_id)
    await leads.lose_with_words(
        session, actor=team.admin, lead_id=lost.id, seen_version=lost.version, words="Too dear"
    )

    second = await take_in_contact(session, contact=contact, channel=None)

    assert second.lead_id != first.lead_id
    assert await lead_pairs(session, team.admin) == [(first.lead_id, second.lead_id)]
    assert await held(session) == {("lead:phone", PHONE): 2}


async def test_a_customer_merge_ends_the_pair_and_the_merged_name_is_nobodys_duplicate(
    session: AsyncSession, team: Team
) -> None:
    kept = Customer(name="Olena Petrenko")
    kept.contacts = [CustomerContact(kind=CustomerContact.PHONE, value=PHONE)]
    dropped = Customer(name="Petrenko Olena")
    dropped.contacts = [
        CustomerContact(kind=CustomerContact.PHONE, value=PHONE),
        CustomerContact(kind=CustomerContact.EMAIL, value=EMAIL),
    ]
    session.add_all([kept, dropped])
    await session.flush()
    assert await customer_pairs(session, team.manager) == [(kept.id, dropped.id)]

    await duplicates.merge_customers(
        session, actor=team.manager, keep_id=kept.id, drop_id=dropped.id
    )
    session.add(Customer(name="Olena Petrenko"))
    await session.flush()

    assert await held(session) == {
        ("customer:phone", PHONE): 1,
        ("customer:email", EMAIL): 1,
        ("customer:name", "olena petrenko"): 2,
    }
    newcomer = kept.id + 2
    assert await customer_pairs(session, team.manager) == [(kept.id, newcomer)]
