from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events
from crm.errors import Conflict, DuplicateLead, Forbidden, StaleLead, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Customer,
    Lead,
    LeadSource,
    LostReason,
    Order,
    StageKind,
)
from crm.schemas import LeadChanges, LeadDraft, parse
from crm.services import leads, tags
from crm.services.access import may_see_lead
from crm.services.cards import (
    LeadCard,
    NeedsLostReason,
    NeedsLostReasonText,
    NeedsValue,
    NoFurtherStage,
)
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
    rep, lead_id, seen = team.rep, lead.id, lead.version

    won = await leads.mark_won(session, actor=rep, lead_id=lead_id, seen_version=seen)
    picked_won = await leads.move_to_stage(
        session, actor=rep, lead_id=lead_id, stage_id=stages.won.id, seen_version=seen
    )
    lost = await leads.mark_lost(session, actor=rep, lead_id=lead_id, seen_version=seen)
    picked_lost = await leads.move_to_stage(
        session, actor=rep, lead_id=lead_id, stage_id=stages.lost.id, seen_version=seen
    )
    other = await leads.mark_lost(
        session, actor=rep, lead_id=lead_id, seen_version=seen, reason=LostReason.OTHER
    )
    with pytest.raises(ValidationFailed) as blank:
        await leads.lose_with_words(
            session, actor=rep, lead_id=lead_id, seen_version=seen, words="  "
        )

    assert won == picked_won == NeedsValue(lead_id=lead_id, version=seen)
    assert lost == picked_lost == NeedsLostReason(lead_id=lead_id, version=seen)
    assert other == NeedsLostReasonText(lead_id=lead_id, version=seen)
    assert blank.value.code == "lost-reason-required"
    await session.rollback()
    unchanged = await session.get(Lead, lead_id)
    assert unchanged is not None
    assert (unchanged.stage_id, unchanged.version) == (stages.new.id, seen)
    assert await count(session, Activity) == 1


async def test_won_with_the_value_asked_for_records_time_in_stage_the_timeline_and_events(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)
    entered_new = lead.stage_entered_at
    events.take_collected(session)  # the creation's events are not what this test is about

    card = await leads.win_with_value(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version, value="5000"
    )
    await session.commit()

    assert card.lead is lead and card.lead.stage.kind == StageKind.WON
    assert lead.value == Decimal("5000.00")
    assert lead.won_at is not None and lead.stage_entered_at > entered_new
    move = await session.scalar(select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE))
    assert (move.from_stage_id, move.to_stage_id, move.author_id) == (  # type: ignore[union-attr]
        stages.new.id,
        stages.won.id,
        team.rep.id,
    )
    assert card.recent_activities[0] == move
    assert [type(e).__name__ for e in events.take_collected(session)] == ["StageChanged", "LeadWon"]


async def test_won_picked_from_the_list_for_a_reps_lead_records_the_same_as_any_move(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team, value="700")
    entered_new = lead.stage_entered_at
    events.take_collected(session)

    card = await leads.move_to_stage(
        session,
        actor=team.manager,
        lead_id=lead.id,
        stage_id=stages.won.id,
        seen_version=lead.version,
    )
    await session.commit()

    assert isinstance(card, LeadCard) and card.lead is lead
    assert card.lead.stage.kind == StageKind.WON
    assert card.lead.responsible is not None and card.lead.responsible.id == team.rep.id
    session.expunge_all()
    stored = await session.get_one(Lead, lead.id)
    assert stored.stage_id == stages.won.id and stored.version == card.lead.version
    assert stored.won_at is not None and stored.stage_entered_at > entered_new
    assert stored.last_activity_at == stored.stage_entered_at
    move = await session.scalar(select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE))
    assert move is not None and move.id == card.recent_activities[0].id
    assert (move.from_stage_id, move.to_stage_id, move.author_id) == (
        stages.new.id,
        stages.won.id,
        team.manager.id,
    )
    assert [type(e).__name__ for e in events.take_collected(session)] == ["StageChanged", "LeadWon"]


async def test_next_and_previous_walk_the_open_stages_and_won(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team, value="10")
    first = lead.version
    back_at_start = await leads.move_to_previous_stage(
        session, actor=team.rep, lead_id=lead.id, seen_version=first
    )
    walked = []
    for _ in range(3):
        card = await leads.move_to_next_stage(
            session, actor=team.rep, lead_id=lead.id, seen_version=lead.version
        )
        assert isinstance(card, LeadCard)
        walked.append(card.lead.stage.name)
    beyond_won = await leads.move_to_next_stage(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version
    )
    back = await leads.move_to_previous_stage(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version
    )

    assert back_at_start == NoFurtherStage(lead_id=lead.id)
    assert walked == ["Qualified", "Proposal", "Won"]
    assert beyond_won == NoFurtherStage(lead_id=lead.id)
    assert isinstance(back, LeadCard)
    assert back.lead.stage.name == "Proposal" and back.lead.won_at is None
    assert lead.version == first + 4


async def test_next_into_won_asks_for_a_value_the_lead_lacks(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)
    await leads.move_to_stage(
        session,
        actor=team.rep,
        lead_id=lead.id,
        stage_id=stages.proposal.id,
        seen_version=lead.version,
    )

    asked = await leads.move_to_next_stage(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version
    )

    assert asked == NeedsValue(lead_id=lead.id, version=lead.version)
    assert lead.stage_id == stages.proposal.id


async def test_lost_for_a_reason_keeps_the_code_and_other_keeps_the_words(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    priced_out = await new_lead(session, team)
    in_house = await new_lead(session, team, phone="+380501112233")
    events.take_collected(session)

    await leads.mark_lost(
        session,
        actor=team.rep,
        lead_id=priced_out.id,
        seen_version=priced_out.version,
        reason=LostReason.PRICE,
    )
    await leads.lose_with_words(
        session,
        actor=team.rep,
        lead_id=in_house.id,
        seen_version=in_house.version,
        words="  Hired their own developer ",
    )
    await session.commit()

    assert (priced_out.stage_id, priced_out.lost_reason_code, priced_out.lost_reason) == (
        stages.lost.id,
        LostReason.PRICE,
        None,
    )
    assert (in_house.lost_reason_code, in_house.lost_reason) == (
        LostReason.OTHER,
        "Hired their own developer",
    )
    lost_events = [e for e in events.take_collected(session) if isinstance(e, events.LeadLost)]
    assert lost_events == [
        events.LeadLost(
            actor_id=team.rep.id,
            lead_id=priced_out.id,
            reason_code=LostReason.PRICE,
            reason_text=None,
        ),
        events.LeadLost(
            actor_id=team.rep.id,
            lead_id=in_house.id,
            reason_code=LostReason.OTHER,
            reason_text="Hired their own developer",
        ),
    ]
    with pytest.raises(ValidationFailed) as too_long:
        await leads.lose_with_words(
            session,
            actor=team.rep,
            lead_id=priced_out.id,
            seen_version=priced_out.version,
            words="x" * 501,
        )
    assert too_long.value.code == "lost-reason-too-long"


async def test_a_stale_version_is_refused_even_to_list_the_stages(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await new_lead(session, team)
    shown = lead.version
    await leads.move_to_stage(
        session, actor=team.rep, lead_id=lead.id, stage_id=stages.qualified.id, seen_version=shown
    )
    await session.commit()

    with pytest.raises(StaleLead) as stale_move:
        await leads.move_to_stage(
            session,
            actor=team.rep,
            lead_id=lead.id,
            stage_id=stages.proposal.id,
            seen_version=shown,
        )
    with pytest.raises(StaleLead) as stale_list:
        await leads.stage_choices(session, actor=team.rep, lead_id=lead.id, seen_version=shown)
    choices = await leads.stage_choices(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version
    )

    assert stale_move.value.code == stale_list.value.code == "stale-lead"
    assert choices.card.lead.stage_id == stages.qualified.id
    assert [stage.id for stage in choices.stages] == [
        stages.new.id,
        stages.qualified.id,
        stages.proposal.id,
        stages.won.id,
        stages.lost.id,
    ]


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


async def test_a_lead_holds_at_most_twenty_tags(session: AsyncSession, team: Team) -> None:
    lead = await new_lead(session, team)
    await tags.tag_lead(
        session, actor=team.rep, lead_id=lead.id, names=[f"t{n}" for n in range(19)]
    )

    with pytest.raises(ValidationFailed) as too_many:
        await tags.tag_lead(session, actor=team.rep, lead_id=lead.id, names=["vip", "#опт"])
    await tags.tag_lead(session, actor=team.rep, lead_id=lead.id, names=["#VIP", "t0"])
    await session.commit()

    assert (too_many.value.code, too_many.value.details) == ("tags-too-many", {"limit": 20})
    names = {tag.name for tag in await lead.awaitable_attrs.tags}
    assert len(names) == 20 and "vip" in names and "опт" not in names


async def test_who_may_see_a_lead(session: AsyncSession, team: Team) -> None:
    lead = await new_lead(session, team)

    seeing = [
        person.display_name
        for person in (team.admin, team.manager, team.rep, team.other_rep)
        if await may_see_lead(session, actor=person, lead_id=lead.id)
    ]
    team.rep.is_active = False

    assert seeing == ["Ada Admin", "Марина Коваль", "Тарас Мельник"]
    assert not await may_see_lead(session, actor=team.rep, lead_id=lead.id)
