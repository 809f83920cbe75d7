"""Leads sharing a phone or an e-mail, listed within the manager's scope and merged whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    FieldKind,
    IntakeReceipt,
    Lead,
    LeadMerge,
    Order,
    Staff,
    Task,
    lead_tags,
    utcnow,
)
from crm.schemas import LeadDraft
from crm.services import cards, fields, lead_duplicates, leads, teams
from crm.services.duplicates import Likeness
from crm.services.fields import FieldDraft
from tests.crm.conftest import Team

PHONE = "+380671234567"


async def lead(session: AsyncSession, owner: Staff, **draft: object) -> Lead:
    made = await leads.create_lead(
        session,
        actor=owner,
        draft=LeadDraft.model_validate({"responsible_id": owner.id, **draft}),
        allow_duplicate=True,
    )
    return made


async def test_pairs_share_a_phone_or_an_email_and_a_rep_sees_none(
    session: AsyncSession, team: Team
) -> None:
    olena = await lead(session, team.rep, title="Olena", phone="0671234567")
    same_phone = await lead(session, team.other_rep, title="O. P.", phone=PHONE)
    ivan = await lead(session, team.rep, title="Ivan", email="Ivan@Example.com")
    same_email = await lead(session, team.rep, title="Іван", email="ivan@example.com")
    await lead(session, team.rep, title="Alone", phone="0931234567")

    found = await lead_duplicates.lead_duplicate_pairs(session, actor=team.manager, page=0)

    assert not found.has_next
    assert [(p.first.id, p.second.id, p.shared) for p in found.items] == [
        (olena.id, same_phone.id, [(Likeness.PHONE, PHONE)]),
        (ivan.id, same_email.id, [(Likeness.EMAIL, "ivan@example.com")]),
    ]
    card = await cards.lead_card(session, actor=team.rep, lead_id=olena.id)
    assert card.has_duplicates
    with pytest.raises(Forbidden):
        await lead_duplicates.lead_duplicate_pairs(session, actor=team.rep, page=0)


async def test_a_team_manager_sees_only_pairs_of_their_teams_leads(
    session: AsyncSession, team: Team
) -> None:
    ours = await teams.create_team(session, actor=team.admin, name="North")
    for person in (team.manager, team.rep):
        await teams.add_member(session, actor=team.admin, team_id=ours.id, staff_id=person.id)
    mine = await lead(session, team.rep, title="Mine", phone=PHONE)
    also_mine = await lead(session, team.rep, title="Mine again", phone=PHONE)
    theirs = await lead(session, team.other_rep, title="Theirs", email="x@example.com")
    await lead(session, team.other_rep, title="Theirs again", email="x@example.com")

    found = await lead_duplicates.lead_duplicate_pairs(session, actor=team.manager, page=0)

    assert [(p.first.id, p.second.id) for p in found.items] == [(mine.id, also_mine.id)]
    with pytest.raises(Forbidden):
        await lead_duplicates.merge_leads(
            session, actor=team.manager, keep_id=theirs.id + 1, drop_id=theirs.id, picks=0
        )


async def test_a_merge_keeps_everything_and_the_old_id_opens_the_lead_kept(
    session: AsyncSession, team: Team
) -> None:
    budget = await fields.define_field(
        session,
        actor=team.admin,
        draft=FieldDraft("Budget", "Бюджет", FieldKind.TEXT),
    )
    city = await fields.define_field(
        session,
        actor=team.admin,
        draft=FieldDraft("City", "Місто", FieldKind.TEXT),
    )
    older = await lead(
        session,
        team.rep,
        title="Olena, sofa",
        contact_name="Olena",
        phone=PHONE,
        email="olena@example.com",
        value="900",
        tags=["vip", "sofa"],
        custom_fields={budget.key: "1000", city.key: "Kyiv"},
    )
    newer = await lead(
        session,
        team.rep,
        title="Olena again",
        phone=PHONE,
        value="1200",
        tags=["vip"],
        custom_fields={budget.key: "2000"},
    )
    task = Task(
        title="Call back",
        due_at=utcnow(),
        remind_at=utcnow(),
        assignee_id=team.rep.id,
        lead_id=older.id,
        created_by_id=team.rep.id,
    )
    order = Order(
        customer_id=older.customer_id or newer.customer_id or 0,
        external_id="WC-1",
        amount_minor=100,
        currency="UAH",
        lead_id=older.id,
    )
    receipt = IntakeReceipt(scope="form:1", external_id="s-1", lead_id=older.id)
    note = Activity(kind=ActivityKind.NOTE, lead_id=older.id, text="likes tea")
    session.add_all([task, receipt, note])
    if order.customer_id:
        session.add(order)
    await session.flush()
    kept_id, dropped_id = newer.id, older.id

    preview = await lead_duplicates.lead_merge_preview(
        session, actor=team.manager, keep_id=kept_id, drop_id=dropped_id
    )
    picks = {d.field: n for n, d in enumerate(preview.disagreements)}
    # The older lead's title and budget stay; the newer one's value.
    chosen = 1 << picks["title"] | 1 << picks[budget.key]
    merged = await lead_duplicates.merge_leads(
        session, actor=team.manager, keep_id=kept_id, drop_id=dropped_id, picks=chosen
    )
    reopened = await cards.lead_card(session, actor=team.rep, lead_id=dropped_id)

    assert [(d.field, d.kept, d.dropped) for d in preview.disagreements] == [
        ("title", "Olena again", "Olena, sofa"),
        ("value", "1200.00 UAH", "900.00 UAH"),
        (budget.key, "2000", "1000"),
    ]
    assert preview.moving == {"activities": 2, "tasks": 1, "orders": 1 if order.customer_id else 0}
    assert merged.id == kept_id and reopened.lead.id == kept_id
    assert (merged.title, merged.contact_name, merged.email, merged.value_minor) == (
        "Olena, sofa",
        "Olena",
        "olena@example.com",
        120_000,
    )
    assert merged.custom_fields == {budget.key: "1000", city.key: "Kyiv"}
    assert "olena, sofa" in merged.search_text
    assert await session.get(Lead, dropped_id) is None
    for column in (Activity.lead_id, Task.lead_id, Order.lead_id, IntakeReceipt.lead_id):
        assert dropped_id not in set(await session.scalars(select(column))), column
    notes = await session.scalars(select(Activity.text).where(Activity.lead_id == kept_id))
    assert "likes tea" in set(notes)
    tag_links = await session.scalar(select(func.count()).where(lead_tags.c.lead_id == kept_id))
    assert tag_links == 2 and [t.name for t in merged.tags] == ["sofa", "vip"]
    assert not reopened.has_duplicates
    audited = {
        (entry.field, entry.old_value, entry.new_value)
        for entry in await session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "lead", AuditEntry.entity_id == kept_id)
        )
    }
    assert {
        ("merged_from", None, str(dropped_id)),
        ("title", "Olena again", "Olena, sofa"),
        ("contact_name", None, "Olena"),
        (budget.key, "2000", "1000"),
        (city.key, None, "Kyiv"),
    } <= audited
    assert (
        await lead_duplicates.lead_duplicate_pairs(session, actor=team.admin, page=0)
    ).items == []


async def test_a_lead_merged_into_one_merged_later_opens_the_last(
    session: AsyncSession, team: Team
) -> None:
    first, second, third = [
        await lead(session, team.rep, title=title, phone=PHONE) for title in ("A", "B", "C")
    ]
    ids = first.id, second.id, third.id
    await lead_duplicates.merge_leads(
        session, actor=team.admin, keep_id=ids[1], drop_id=ids[0], picks=0
    )
    await lead_duplicates.merge_leads(
        session, actor=team.admin, keep_id=ids[2], drop_id=ids[1], picks=0
    )

    opened = [
        (await cards.lead_card(session, actor=team.rep, lead_id=lead_id)).lead.id for lead_id in ids
    ]
    assert opened == [ids[2]] * 3
    assert set(await session.scalars(select(LeadMerge.into_id))) == {ids[2]}


async def test_a_stale_a_forged_or_a_reps_merge_changes_nothing(
    session: AsyncSession, team: Team
) -> None:
    first = await lead(session, team.rep, title="Ann", phone=PHONE)
    second = await lead(session, team.rep, title="Anna", phone=PHONE)
    stranger = await lead(session, team.rep, title="Bohdan", phone="0931234567")
    ids = first.id, second.id, stranger.id
    await lead_duplicates.merge_leads(
        session, actor=team.admin, keep_id=ids[1], drop_id=ids[0], picks=0
    )

    attempts = [
        (team.manager, ids[1], ids[0], 0, Conflict),
        (team.manager, ids[2], ids[1], 0, ValidationFailed),
        (team.manager, ids[1], ids[2], 0, ValidationFailed),
        (team.manager, ids[2] + 100, ids[2], 0, NotFound),
        (team.rep, ids[2], ids[1], 0, Forbidden),
    ]
    for actor, keep_id, drop_id, picks, refusal in attempts:
        with pytest.raises(refusal):
            await lead_duplicates.merge_leads(
                session, actor=actor, keep_id=keep_id, drop_id=drop_id, picks=picks
            )

    remaining = await session.scalar(select(func.count()).select_from(Lead))
    assert remaining == 2


async def test_picks_beyond_the_disagreements_change_nothing(
    session: AsyncSession, team: Team
) -> None:
    older = await lead(session, team.rep, title="Ann", phone=PHONE)
    newer = await lead(session, team.rep, title="Anna", phone=PHONE)
    ids = older.id, newer.id

    with pytest.raises(ValidationFailed):
        await lead_duplicates.merge_leads(
            session, actor=team.admin, keep_id=ids[1], drop_id=ids[0], picks=2
        )

    titles = await session.scalars(select(Lead.title).order_by(Lead.id))
    assert list(titles) == ["Ann", "Anna"]


async def all_pages(actor: Staff, session: AsyncSession) -> list[lead_duplicates.LeadPairs]:
    pages = [await lead_duplicates.lead_duplicate_pairs(session, actor=actor, page=0)]
    while pages[-1].has_next:
        turned = await lead_duplicates.lead_duplicate_pairs(
            session, actor=actor, page=pages[-1].page + 1
        )
        pages.append(turned)
    return pages


def ids_of(pages: list[lead_duplicates.LeadPairs]) -> list[tuple[int, int]]:
    return [(pair.first.id, pair.second.id) for page in pages for pair in page.items]


async def test_pages_list_each_pair_once_by_the_value_shared_and_one_beyond_the_end_the_first(
    session: AsyncSession, team: Team
) -> None:
    # Made in an order other than the values': the pages follow the values, phones first.
    three = [await lead(session, team.rep, title=f"Olena {n}", phone="0672222222") for n in "abc"]
    both = [
        await lead(session, team.rep, title=f"Both {n}", phone="0671111111", email="b@x.com")
        for n in "ab"
    ]
    mailed = [await lead(session, team.rep, title=f"Mail {n}", email="a@x.com") for n in "abc"]
    await lead(session, team.rep, title="Alone", phone="0673333333", email="c@x.com")

    pages = await all_pages(team.admin, session)
    beyond = await lead_duplicates.lead_duplicate_pairs(session, actor=team.admin, page=9)

    a, b, c = (made.id for made in three)
    d, e, f = (made.id for made in mailed)
    assert ids_of(pages) == [
        (both[0].id, both[1].id),
        (a, b),
        (a, c),
        (b, c),
        (d, e),
        (d, f),
        (e, f),
    ]
    assert [(page.page, len(page.items), page.has_next) for page in pages] == [
        (0, 5, True),
        (1, 2, False),
    ]
    # Two phones and two e-mails are each held by several leads.
    assert {page.shared_values for page in pages} == {4}
    assert (beyond.page, ids_of([beyond])) == (0, ids_of(pages[:1]))


async def test_a_team_managers_pages_hold_only_their_pairs_and_no_count(
    session: AsyncSession, team: Team
) -> None:
    ours = await teams.create_team(session, actor=team.admin, name="North")
    for person in (team.manager, team.rep):
        await teams.add_member(session, actor=team.admin, team_id=ours.id, staff_id=person.id)
    mine = [await lead(session, team.rep, title=f"Mine {n}", phone=PHONE) for n in range(4)]
    await lead(session, team.other_rep, title="Theirs", phone=PHONE)
    await lead(session, team.other_rep, title="Theirs", email="x@example.com")
    await lead(session, team.rep, title="Mine by mail", email="x@example.com")

    pages = await all_pages(team.manager, session)

    ids = [made.id for made in mine]
    assert ids_of(pages) == [(ids[i], ids[j]) for i in range(4) for j in range(i + 1, 4)]
    assert [page.shared_values for page in pages] == [None, None]
