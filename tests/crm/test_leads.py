from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events
from crm.errors import Conflict, DuplicateLead, Forbidden, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Customer,
    Lead,
    LeadSource,
    Order,
    StageKind,
)
from crm.schemas import LeadChanges, LeadDraft, parse
from crm.services import leads
from tests.crm.conftest import Stages, Team


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def new_lead(session: AsyncSession, team: Team, **fields: object) -> Lead:
    draft = parse(LeadDraft, {"contact_name": "Олена Петренко", **fields})
    lead = await leads.create_lead(session, actor=team.rep, draft=draft)
    await session.commit()
    return lead


async def test_a_new_lead_keeps_its_source_and_a_normalised_phone(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(
        session,
        team,
        phone="067 123-45-67",
        email=" Olena@Example.COM ",
        source="web_form",
        source_detail="Spring campaign",
        value="12 000,50",
    )

    assert lead.phone == "+380671234567"
    assert lead.email == "olena@example.com"
    assert lead.source == LeadSource.WEB_FORM
    assert lead.source_detail == "Spring campaign"
    assert lead.value == Decimal("12000.50")
    assert lead.stage_id == stages.new.id
    assert lead.responsible_id == team.rep.id
    assert lead.title == "Олена Петренко"
    timeline = (await session.scalars(select(Activity).where(Activity.lead_id == lead.id))).all()
    assert [a.kind for a in timeline] == [ActivityKind.CREATED]


async def test_the_service_reports_the_lead_created_for_delivery_after_commit(
    session: AsyncSession, team: Team
) -> None:
    draft = LeadDraft(contact_name="Emma Smith", phone="+44 20 7946 0958")
    lead = await leads.create_lead(session, actor=team.rep, draft=draft)

    assert events.take_collected(session) == [
        events.LeadCreated(
            actor_id=team.rep.id, lead_id=lead.id, responsible_id=team.rep.id, source="manual"
        )
    ]
    assert events.take_collected(session) == []


async def test_html_in_a_name_is_stored_as_typed(session: AsyncSession, team: Team) -> None:
    lead = await new_lead(session, team, contact_name="<b>Boss</b> & Co")

    assert (await session.get(Lead, lead.id)).contact_name == "<b>Boss</b> & Co"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"phone": "12345"}, "phone-invalid", "phone"),
        ({"phone": "+380 67 123"}, "phone-invalid", "phone"),
        ({"email": "not-an-email"}, "email-invalid", "email"),
        ({"value": "-5"}, "amount-negative", "value"),
        ({"value": "12.345"}, "amount-too-precise", "value"),
        ({"value": "lots"}, "amount-invalid", "value"),
        ({"currency": "XXX"}, "currency-unsupported", "currency"),
        ({"contact_name": "x" * 201}, "string-too-long", "contact_name"),
    ],
)
async def test_bad_input_is_refused_with_a_code_and_changes_nothing(
    session: AsyncSession, team: Team, fields: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await new_lead(session, team, **fields)

    assert (failure.value.code, failure.value.field) == (code, field)
    await session.rollback()
    assert await count(session, Lead) == 0


async def test_a_lead_without_any_name_or_contact_is_refused(
    session: AsyncSession, team: Team
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await leads.create_lead(session, actor=team.rep, draft=LeadDraft())

    assert failure.value.code == "lead-needs-name-or-contact"


async def test_a_duplicate_phone_is_reported_not_doubled(session: AsyncSession, team: Team) -> None:
    first = await new_lead(session, team, phone="+380671234567")

    with pytest.raises(DuplicateLead) as duplicate:
        await new_lead(session, team, contact_name="Olena P.", phone="0671234567")

    assert [lead.id for lead in duplicate.value.existing] == [first.id]
    await session.rollback()
    assert await count(session, Lead) == 1


async def test_a_duplicate_created_anyway_is_linked_to_the_first(
    session: AsyncSession, team: Team
) -> None:
    first = await new_lead(session, team, email="olena@example.com")

    second = await leads.create_lead(
        session,
        actor=team.rep,
        draft=LeadDraft(contact_name="O.", email="OLENA@example.com"),
        allow_duplicate=True,
    )

    assert second.duplicate_of_id == first.id


async def test_a_lead_from_a_known_customer_is_linked_to_them(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    converted = await new_lead(session, team, phone="+380671234567", value="100")
    await leads.convert_lead_to_order(
        session, actor=team.rep, lead_id=converted.id, external_id="A-1", amount="100"
    )
    await session.commit()

    returning = await leads.create_lead(
        session,
        actor=team.rep,
        draft=LeadDraft(contact_name="Olena", phone="+380671234567"),
        allow_duplicate=True,
    )

    assert returning.customer_id == converted.customer_id is not None


async def test_won_needs_a_value_and_lost_needs_a_reason(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)

    with pytest.raises(ValidationFailed) as no_value:
        await leads.move_lead_to_stage(
            session, actor=team.rep, lead_id=lead.id, stage_id=stages.won.id
        )
    with pytest.raises(ValidationFailed) as no_reason:
        await leads.move_lead_to_stage(
            session, actor=team.rep, lead_id=lead.id, stage_id=stages.lost.id, lost_reason="  "
        )

    assert no_value.value.code == "value-required"
    assert no_reason.value.code == "lost-reason-required"
    await session.rollback()
    assert (await session.get(Lead, lead.id)).stage_id == stages.new.id  # type: ignore[union-attr]


async def test_moving_records_time_in_stage_the_timeline_and_events(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)
    entered_new = lead.stage_entered_at
    events.take_collected(session)  # the creation's events are not what this test is about

    await leads.move_lead_to_stage(
        session,
        actor=team.rep,
        lead_id=lead.id,
        stage_id=stages.won.id,
        value="5000",
        seen_version=lead.version,
    )
    await session.commit()

    assert lead.stage.kind == StageKind.WON
    assert lead.won_at is not None and lead.stage_entered_at > entered_new
    move = await session.scalar(select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE))
    assert (move.from_stage_id, move.to_stage_id, move.author_id) == (  # type: ignore[union-attr]
        stages.new.id,
        stages.won.id,
        team.rep.id,
    )
    assert [type(e).__name__ for e in events.take_collected(session)] == ["StageChanged", "LeadWon"]


async def test_next_and_previous_walk_the_open_stages_and_won(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team, value="10")
    walked = []
    for _ in range(3):
        lead = await leads.move_lead_along(
            session, actor=team.rep, lead_id=lead.id, step=1, seen_version=lead.version
        )
        walked.append(lead.stage.name)
    with pytest.raises(ValidationFailed):
        await leads.move_lead_along(
            session, actor=team.rep, lead_id=lead.id, step=1, seen_version=None
        )
    back = await leads.move_lead_along(
        session, actor=team.rep, lead_id=lead.id, step=-1, seen_version=lead.version
    )

    assert walked == ["Qualified", "Proposal", "Won"]
    assert back.stage.name == "Proposal" and back.won_at is None


async def test_a_stale_version_is_refused(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)
    shown = lead.version
    await leads.move_lead_to_stage(
        session, actor=team.rep, lead_id=lead.id, stage_id=stages.qualified.id
    )
    await session.commit()

    with pytest.raises(Conflict) as stale:
        await leads.move_lead_to_stage(
            session,
            actor=team.rep,
            lead_id=lead.id,
            stage_id=stages.proposal.id,
            seen_version=shown,
        )

    assert stale.value.code == "stale-lead"


async def test_converting_creates_the_order_keeps_its_id_and_wins_the_lead(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team, phone="+380501112233", email="b@example.com")

    order = await leads.convert_lead_to_order(
        session, actor=team.rep, lead_id=lead.id, external_id="WC-1042", amount="15400.00"
    )
    await session.commit()

    assert lead.order_id == order.id
    assert order.external_id == "WC-1042" and order.amount_minor == 1_540_000
    assert lead.stage_id == stages.won.id and lead.value == Decimal("15400.00")
    customer = await session.get(Customer, lead.customer_id)
    assert customer is not None and customer.name == "Олена Петренко"
    assert sorted(customer.phones + customer.emails) == ["+380501112233", "b@example.com"]
    kinds = (
        await session.scalars(
            select(Activity.kind).where(Activity.lead_id == lead.id).order_by(Activity.id)
        )
    ).all()
    assert kinds == [ActivityKind.CREATED, ActivityKind.STAGE_CHANGE, ActivityKind.CONVERSION]
    with pytest.raises(Conflict):
        await leads.convert_lead_to_order(
            session, actor=team.rep, lead_id=lead.id, external_id="WC-1043", amount="1"
        )
    await session.rollback()
    assert await count(session, Order) == 1


async def test_edits_are_audited_field_by_field(session: AsyncSession, team: Team) -> None:
    lead = await new_lead(session, team, phone="+380671234567")

    await leads.update_lead(
        session,
        actor=team.rep,
        lead_id=lead.id,
        changes=LeadChanges(phone="+380 50 111 22 33", title="Olena — opt"),
    )
    await session.commit()

    entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.field))).all()
    assert [(e.field, e.old_value, e.new_value) for e in entries] == [
        ("phone", "+380671234567", "+380501112233"),
        ("title", "Олена Петренко", "Olena — opt"),
    ]
    assert lead.phone_digits_reversed == "332211105083"


async def test_only_managers_assign_and_the_new_owner_is_told(
    session: AsyncSession, team: Team
) -> None:
    lead = await new_lead(session, team)

    with pytest.raises(Forbidden):
        await leads.assign_lead(
            session, actor=team.rep, lead_id=lead.id, responsible_id=team.other_rep.id
        )
    await leads.assign_lead(
        session, actor=team.manager, lead_id=lead.id, responsible_id=team.other_rep.id
    )

    assert lead.responsible_id == team.other_rep.id
    assert events.take_collected(session)[-1] == events.LeadAssigned(
        actor_id=team.manager.id,
        lead_id=lead.id,
        from_user_id=team.rep.id,
        to_user_id=team.other_rep.id,
    )
