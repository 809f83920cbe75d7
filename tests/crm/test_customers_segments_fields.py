from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import (
    Conversation,
    ConversationMessage,
    Direction,
    FieldKind,
    LoyaltyEntry,
    SegmentTarget,
    SupportTicket,
    TicketStatus,
    utcnow,
)
from crm.schemas import LeadChanges, LeadDraft, parse
from crm.services import customers, fields, leads, segments, tags, tasks
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

    view = await customers.customer_summary(session, actor=team.rep, customer_id=customer_id)

    assert view.customer.phones == ["+380671234567"]
    assert view.tags == []
    assert (view.order_count, view.orders_total) == (1, {"UAH": Decimal("1200.00")})
    assert view.orders[0].external_id == "WC-1"
    assert view.conversations[0].message_count == 2
    assert view.conversations[0].last_message is not None
    assert view.conversations[0].last_message.text == "Вітаємо!"
    assert view.loyalty_balance == 100
    assert (len(view.tickets), view.open_ticket_count) == (2, 1)
    assert [deal.id for deal in view.deals] == [lead.id]
    assert [task.title for task in view.open_tasks] == ["Ask for a review"]
    assert view.timeline[0].kind == "conversion"


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


async def test_custom_fields_are_checked_against_their_definitions(
    session: AsyncSession, team: Team
) -> None:
    await fields.define_field(
        session, actor=team.admin, key="budget", label="Budget", kind=FieldKind.NUMBER
    )
    await fields.define_field(
        session,
        actor=team.admin,
        key="size",
        label="Size",
        kind=FieldKind.CHOICE,
        choices=["S", "M", "L"],
        required=True,
    )
    await fields.define_field(
        session, actor=team.admin, key="visit", label="Visit", kind=FieldKind.DATE
    )

    lead = await leads.create_lead(
        session,
        actor=team.rep,
        draft=parse(
            LeadDraft, {"contact_name": "A", "custom_fields": {"budget": "1500,5", "size": "M"}}
        ),
    )
    await leads.update_lead(
        session,
        actor=team.rep,
        lead_id=lead.id,
        changes=LeadChanges(custom_fields={"visit": "2026-12-01", "budget": ""}),
    )

    assert lead.custom_fields == {"size": "M", "visit": "2026-12-01"}
    with pytest.raises(ValidationFailed) as required:
        await leads.update_lead(
            session,
            actor=team.rep,
            lead_id=lead.id,
            changes=LeadChanges(custom_fields={"size": ""}),
        )
    assert required.value.code == "custom-field-required"
    for bad, code in [
        ({"size": "XL"}, "custom-field-not-a-choice"),
        ({"budget": "lots", "size": "S"}, "custom-field-not-number"),
        ({"visit": "tomorrow", "size": "S"}, "custom-field-not-date"),
        ({"colour": "red", "size": "S"}, "custom-field-unknown"),
        ({}, "custom-field-required"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            await leads.create_lead(
                session,
                actor=team.rep,
                draft=parse(LeadDraft, {"contact_name": "B", "custom_fields": bad}),
            )
        assert refused.value.code == code
