from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Forbidden, ValidationFailed
from crm.models import (
    Conversation,
    ConversationMessage,
    Direction,
    FieldDefinition,
    FieldKind,
    LostReason,
    LoyaltyEntry,
    SegmentTarget,
    SupportTicket,
    TicketStatus,
    utcnow,
)
from crm.schemas import LeadChanges, LeadDraft, parse
from crm.services import customer_card, fields, leads, segments, tags, tasks
from crm.services.cards import LeadCard, NeedsFieldValue, NeedsValue
from crm.services.customer_card import Section
from crm.services.exports import ExportKind, export_table
from tests.crm.conftest import Stages, Team


async def test_the_360_view_gathers_everything_about_a_customer(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Олена", phone="+380671234567")
    )
    await leads.convert_lead_to_order(
        session, actor=team.rep, lead_id=lead.id, external_id="WC-1", amount="1200"
    )
    customer_id = lead.customer_id
    assert customer_id is not None
    chat = Conversation(customer_id=customer_id, channel="website_chat")
    session.add(chat)
    await session.flush()
    session.add_all(
        [
            ConversationMessage(
                conversation_id=chat.id, direction=Direction.INBOUND, text="Привіт"
            ),
            ConversationMessage(
                conversation_id=chat.id,
                direction=Direction.OUTBOUND,
                text="Вітаємо!",
                sent_at=utcnow() + timedelta(seconds=1),
            ),
            LoyaltyEntry(customer_id=customer_id, points=120, reason="order WC-1"),
            LoyaltyEntry(customer_id=customer_id, points=-20, reason="discount"),
            SupportTicket(customer_id=customer_id, subject="Delivery late"),
            SupportTicket(
                customer_id=customer_id,
                subject="Invoice",
                status=TicketStatus.CLOSED,
                closed_at=utcnow(),
            ),
        ]
    )
    await tasks.create_task(
        session, actor=team.rep, title="Ask for a review", due_at=utcnow(), lead_id=lead.id
    )
    await tags.tag_lead(session, actor=team.rep, lead_id=lead.id, names=["vip"])

    view = await customer_card.customer_card(session, actor=team.rep, customer_id=customer_id)

    async def first_page(section: Section) -> list[Any]:
        page = await customer_card.section_page(
            session, actor=team.rep, customer_id=customer_id, section=section, page=0
        )
        return page.items

    assert view.customer.phones == ["+380671234567"]
    assert view.tags == []
    assert (view.counts[Section.ORDERS], view.lifetime_value) == (1, {"UAH": Decimal("1200.00")})
    assert view.latest_order is not None and view.latest_order.external_id == "WC-1"
    assert (view.conversation_count, view.counts[Section.MESSAGES]) == (1, 2)
    assert view.latest_message is not None and view.latest_message[1].text == "Вітаємо!"
    assert view.loyalty_balance == 100
    assert (view.counts[Section.TICKETS], view.open_ticket_count) == (2, 1)
    assert [deal.id for deal in await first_page(Section.DEALS)] == [lead.id]
    assert [task.title for task in await first_page(Section.TASKS)] == ["Ask for a review"]
    assert (await first_page(Section.TIMELINE))[0].kind == "conversion"


async def test_segments_filter_leads_by_tags_stage_source_and_value(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    async def lead(name: str, value: str, source: str, tag_names: list[str]) -> int:
        made = await leads.create_lead(
            session,
            actor=team.rep,
            draft=LeadDraft.model_validate(
                {"contact_name": name, "value": value, "source": source, "tags": tag_names}
            ),
        )
        return made.id

    await lead("Big VIP web", "50000", "web_form", ["vip", "b2b"])
    await lead("Small VIP", "100", "web_form", ["vip"])
    await lead("Big chat", "90000", "website_chat", ["b2b"])
    segment = await segments.save_segment(
        session,
        actor=team.manager,
        name="Big web VIPs",
        target=SegmentTarget.LEADS,
        filters={
            "tags_all": ["VIP", "b2b"],
            "sources": ["web_form"],
            "value_min": "1000",
            "stage_ids": [stages.new.id],
        },
    )
    anyone_b2b = await segments.save_segment(
        session,
        actor=team.manager,
        name="b2b",
        target=SegmentTarget.LEADS,
        filters={"tags_any": ["b2b"]},
    )

    found = await segments.segment_members(session, actor=team.manager, segment_id=segment.id)
    b2b = await segments.segment_members(session, actor=team.manager, segment_id=anyone_b2b.id)
    others = await segments.segment_members(session, actor=team.other_rep, segment_id=segment.id)

    assert [lead.contact_name for lead in found.items] == ["Big VIP web"]  # type: ignore[union-attr]
    assert b2b.total == 2
    assert others.total == 0


async def test_a_customer_segment_refuses_lead_only_filters(
    session: AsyncSession, team: Team
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await segments.save_segment(
            session,
            actor=team.manager,
            name="x",
            target=SegmentTarget.CUSTOMERS,
            filters={"stage_ids": [1]},
        )
    with pytest.raises(ValidationFailed) as unknown:
        await segments.save_segment(
            session,
            actor=team.manager,
            name="x",
            target=SegmentTarget.LEADS,
            filters={"colour": "red"},
        )

    assert (refused.value.code, refused.value.field) == ("filter-not-for-customers", "stage_ids")
    assert (unknown.value.code, unknown.value.field) == ("extra-forbidden", "colour")


async def define(
    session: AsyncSession,
    team: Team,
    label: str,
    kind: FieldKind,
    *,
    choices: tuple[str, ...] = (),
    required_from: int | None = None,
) -> FieldDefinition:
    draft = fields.FieldDraft(
        label_en=label,
        label_uk=f"{label} (uk)",
        kind=kind,
        choices=choices,
        required_from_stage_id=required_from,
    )
    return await fields.define_field(session, actor=team.admin, draft=draft)


async def test_custom_fields_are_checked_against_their_definitions(
    session: AsyncSession, team: Team
) -> None:
    budget = await define(session, team, "Budget", FieldKind.NUMBER)
    size = await define(session, team, "Size", FieldKind.CHOICE, choices=("S", "M", "L"))
    visit = await define(session, team, "Visit", FieldKind.DATE)
    paid = await define(session, team, "Prepaid?", FieldKind.YES_NO)

    lead = await leads.create_lead(
        session,
        actor=team.rep,
        draft=parse(
            LeadDraft,
            {"contact_name": "A", "custom_fields": {"budget": "1 500,5", "size": "m"}},
        ),
    )
    await leads.update_lead(
        session,
        actor=team.rep,
        lead_id=lead.id,
        changes=LeadChanges(custom_fields={"visit": "2026-12-01", "budget": "", "prepaid": "Так"}),
    )

    assert (budget.key, size.key, visit.key, paid.key) == ("budget", "size", "visit", "prepaid")
    assert (paid.label("uk"), paid.label("en")) == ("Prepaid? (uk)", "Prepaid?")
    assert lead.custom_fields == {"size": "M", "visit": "2026-12-01", "prepaid": "yes"}
    for bad, code in [
        ({"size": "XL"}, "custom-field-not-a-choice"),
        ({"budget": "lots"}, "custom-field-not-number"),
        ({"visit": "tomorrow"}, "custom-field-not-date"),
        ({"prepaid": "maybe"}, "custom-field-not-yes-no"),
        ({"colour": "red"}, "custom-field-unknown"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            await leads.create_lead(
                session,
                actor=team.rep,
                draft=parse(LeadDraft, {"contact_name": "B", "custom_fields": bad}),
            )
        assert refused.value.code == code


async def test_bad_field_definitions_are_refused_and_nothing_is_saved(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    cases = [
        (team.admin, fields.FieldDraft("", "Назва", FieldKind.TEXT), "field-label-empty"),
        (
            team.admin,
            fields.FieldDraft("Size", "Розмір", FieldKind.CHOICE),
            "field-choices-missing",
        ),
        (
            team.admin,
            fields.FieldDraft("Why", "Чому", FieldKind.TEXT, required_from_stage_id=stages.lost.id),
            "field-stage-invalid",
        ),
        (team.admin, fields.FieldDraft("x" * 101, "x", FieldKind.TEXT), "text-too-long"),
    ]
    for actor, draft, code in cases:
        with pytest.raises(ValidationFailed) as refused:
            await fields.define_field(session, actor=actor, draft=draft)
        assert refused.value.code == code
    with pytest.raises(Forbidden):
        await fields.define_field(
            session, actor=team.manager, draft=fields.FieldDraft("A", "Б", FieldKind.TEXT)
        )

    assert await fields.field_definitions(session) == []


async def test_a_stage_that_requires_a_field_asks_for_it_and_the_answer_moves_the_lead(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    budget = await define(
        session, team, "Budget", FieldKind.NUMBER, required_from=stages.qualified.id
    )
    lead = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="Олена"))
    version = lead.version

    asked = await leads.move_to_next_stage(
        session, actor=team.rep, lead_id=lead.id, seen_version=version
    )
    assert isinstance(asked, NeedsFieldValue)
    assert (asked.definition.id, asked.stage_id, lead.stage_id) == (
        budget.id,
        stages.qualified.id,
        stages.new.id,
    )
    with pytest.raises(ValidationFailed) as unreadable:
        await leads.fill_field_and_move(
            session,
            actor=team.rep,
            lead_id=lead.id,
            seen_version=asked.version,
            field_id=budget.id,
            value="a lot",
            stage_id=asked.stage_id,
        )
    assert unreadable.value.code == "custom-field-not-number"

    moved = await leads.fill_field_and_move(
        session,
        actor=team.rep,
        lead_id=lead.id,
        seen_version=asked.version,
        field_id=budget.id,
        value="2500",
        stage_id=asked.stage_id,
    )
    assert isinstance(moved, LeadCard)
    assert (moved.lead.stage_id, moved.lead.custom_fields) == (
        stages.qualified.id,
        {"budget": "2500"},
    )
    with pytest.raises(ValidationFailed) as emptied:
        await leads.update_lead(
            session,
            actor=team.rep,
            lead_id=lead.id,
            changes=LeadChanges(custom_fields={"budget": ""}),
        )
    assert (emptied.value.code, emptied.value.field) == ("custom-field-required", "budget")


async def test_won_asks_for_the_value_then_for_the_fields_and_lost_for_neither(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    await define(session, team, "Contract", FieldKind.YES_NO, required_from=stages.won.id)
    first = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="A"))
    second = await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="B"))

    value_first = await leads.mark_won(
        session, actor=team.rep, lead_id=first.id, seen_version=first.version
    )
    field_next = await leads.win_with_value(
        session, actor=team.rep, lead_id=first.id, seen_version=first.version, value="100"
    )
    picked = await leads.move_to_stage(
        session,
        actor=team.rep,
        lead_id=second.id,
        stage_id=stages.proposal.id,
        seen_version=second.version,
    )
    lost = await leads.mark_lost(
        session,
        actor=team.rep,
        lead_id=second.id,
        seen_version=second.version,
        reason=LostReason.PRICE,
    )

    assert isinstance(value_first, NeedsValue)
    assert isinstance(field_next, NeedsFieldValue) and field_next.stage_id == stages.won.id
    assert (first.stage_id, first.value_minor) == (stages.new.id, 10000)
    assert isinstance(picked, LeadCard) and isinstance(lost, LeadCard)
    assert second.stage_id == stages.lost.id


async def test_the_lead_export_holds_a_column_for_each_custom_field(
    session: AsyncSession, team: Team
) -> None:
    size = await define(session, team, "Size", FieldKind.CHOICE, choices=("S", "M"))
    visit = await define(session, team, "Visit", FieldKind.DATE)
    draft = parse(LeadDraft, {"contact_name": "A", "custom_fields": {"visit": "2026-12-01"}})
    await leads.create_lead(session, actor=team.rep, draft=draft)

    table = await export_table(session, actor=team.rep, kind=ExportKind.LEADS)

    assert table.fields == (size, visit)
    assert table.rows[0][len(table.columns) :] == [None, "2026-12-01"]


async def test_a_segment_filters_leads_by_a_custom_field_value(
    session: AsyncSession, team: Team
) -> None:
    await define(session, team, "Size", FieldKind.CHOICE, choices=("S", "M"))
    for name, size in (("A", "S"), ("B", "M"), ("C", None)):
        custom = {"size": size} if size else {}
        draft = parse(LeadDraft, {"contact_name": name, "custom_fields": custom})
        await leads.create_lead(session, actor=team.rep, draft=draft)

    segment = await segments.save_segment(
        session,
        actor=team.rep,
        name="Size M",
        target=SegmentTarget.LEADS,
        filters={"custom_fields": {"size": "m"}},
    )
    members = await segments.segment_members(session, actor=team.rep, segment_id=segment.id)

    assert segment.filters["custom_fields"] == {"size": "M"}
    assert [lead.contact_name for lead in members.items] == ["B"]  # type: ignore[union-attr]
    for bad, code in (
        ({"size": "XL"}, "custom-field-not-a-choice"),
        ({"x": "1"}, "custom-field-unknown"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await segments.matching_count(
                session, actor=team.rep, target=SegmentTarget.LEADS, filters={"custom_fields": bad}
            )
        assert refused.value.code == code
