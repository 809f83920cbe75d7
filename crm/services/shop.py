"""A shop's orders (WooCommerce): each becomes the customer's order in their 360 card, found
again by the shop's own order id when it changes, and a new one opens a lead (or joins the
customer's open lead) when the shop's channel says so."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events
from crm.contacts import normalize_email, normalize_phone
from crm.errors import ValidationFailed
from crm.inserts import insert_unless_present
from crm.models import (
    ActivityKind,
    Customer,
    CustomerContact,
    IntakeChannel,
    Lead,
    LeadSource,
    Order,
    utcnow,
)
from crm.money import parse_amount, parse_currency, to_minor_units
from crm.services.customers import customer_for_contacts
from crm.services.intake import (
    IncomingContact,
    Intake,
    IntakeResult,
    checked_or_none,
    claim_receipt,
    receipt_scope,
    settle_receipt,
    take_in_contact,
)
from crm.services.timeline import add_lead_activity

ORDER_ID_MAX = 64
STATUS_MAX = 32
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class ShopOrder:
    """An order as the shop describes it; contact details as the buyer typed them."""

    external_id: str
    status: str
    total: str
    currency: str
    name: str | None
    email: str | None
    phone: str | None
    summary: str | None = None


async def record_shop_order(
    session: AsyncSession,
    *,
    channel: IntakeChannel,
    order: ShopOrder,
    delivery_id: str | None = None,
    phone_region: str = "UA",
) -> Intake:
    """Create or update the order; a delivery seen before changes nothing. A phone or e-mail
    the shop could not check is left out rather than refusing the order."""
    receipt_id = None
    if delivery_id:
        receipt_id = await claim_receipt(
            session, scope=receipt_scope(channel), external_id=delivery_id
        )
        if receipt_id is None:
            return Intake(IntakeResult.DUPLICATE)
    intake = await _take_in_order(session, channel, order, phone_region)
    if receipt_id is not None:
        await settle_receipt(session, receipt_id, intake)
    return intake


async def _take_in_order(
    session: AsyncSession, channel: IntakeChannel, order: ShopOrder, phone_region: str
) -> Intake:
    amount_minor = to_minor_units(parse_amount(order.total, field="total"))
    currency = parse_currency(order.currency)
    _check_lengths(order)
    known = await _shop_order(session, channel, order.external_id)
    if known is not None:
        return await _update(session, known, order, amount_minor, currency)
    phone = checked_or_none(order.phone, lambda raw: normalize_phone(raw, region=phone_region))
    email = checked_or_none(order.email, normalize_email)
    customer = await _customer(session, order, phone, email)
    placed_id = await insert_unless_present(
        session,
        Order,
        unique=("intake_channel_id", "external_id"),
        values={
            "customer_id": customer.id,
            "external_id": order.external_id,
            "amount_minor": amount_minor,
            "currency": currency,
            "status": order.status,
            "intake_channel_id": channel.id,
            "created_at": utcnow(),
        },
    )
    if placed_id is None:
        # The shop's "updated" overtook its "created": the other request made the order.
        known = await _shop_order(session, channel, order.external_id)
        assert known is not None
        return await _update(session, known, order, amount_minor, currency)
    placed = await session.get_one(Order, placed_id)
    if not channel.opens_leads:
        return Intake(IntakeResult.CREATED, None, customer.id)
    intake = await take_in_contact(
        session,
        contact=IncomingContact(
            name=order.name or customer.name,
            phone=phone,
            email=email,
            message=_order_words(order),
            source=LeadSource.WOOCOMMERCE,
            source_detail=channel.name,
        ),
        channel=channel,
        phone_region=phone_region,
        currency=currency,
    )
    lead = await session.get(Lead, intake.lead_id)
    assert lead is not None
    if lead.customer_id is None:
        lead.customer_id = customer.id
    if lead.value_minor is None:
        lead.value_minor = amount_minor
    placed.lead_id = lead.id
    events.record(
        session,
        events.OrderLinked(actor_id=None, lead_id=lead.id, order_id=placed.id, from_shop=True),
    )
    await session.flush()
    return Intake(intake.result, lead.id, customer.id)


async def _shop_order(
    session: AsyncSession, channel: IntakeChannel, external_id: str
) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.intake_channel_id == channel.id, Order.external_id == external_id)
    )


async def _update(
    session: AsyncSession, known: Order, order: ShopOrder, amount_minor: int, currency: str
) -> Intake:
    """The shop changed the order: its status on the deal's timeline, its total in the card."""
    if known.status != order.status and known.lead_id is not None:
        lead = await session.get(Lead, known.lead_id)
        if lead is not None:
            add_lead_activity(
                session,
                lead,
                kind=ActivityKind.SYSTEM,
                author=None,
                text=f"#{known.external_id}: {order.status}",
            )
    known.status = order.status
    known.amount_minor = amount_minor
    known.currency = currency
    await session.flush()
    return Intake(IntakeResult.UPDATED, known.lead_id, known.customer_id)


async def _customer(
    session: AsyncSession, order: ShopOrder, phone: str | None, email: str | None
) -> Customer:
    customer = await customer_for_contacts(session, phones=[phone], emails=[email])
    if customer is not None:
        return customer
    customer = Customer(name=order.name or email or phone or f"#{order.external_id}")
    customer.contacts = [
        CustomerContact(kind=kind, value=value)
        for kind, value in ((CustomerContact.PHONE, phone), (CustomerContact.EMAIL, email))
        if value
    ]
    session.add(customer)
    await session.flush()
    return customer


def _check_lengths(order: ShopOrder) -> None:
    for field, value, limit in (
        ("id", order.external_id, ORDER_ID_MAX),
        ("status", order.status, STATUS_MAX),
        ("name", order.name or "", NAME_MAX),
    ):
        if (not value and field != "name") or len(value) > limit:
            raise ValidationFailed(f"order-{field}-invalid", field=field, details={"max": limit})


def _order_words(order: ShopOrder) -> str:
    return f"#{order.external_id}" + (f": {order.summary}" if order.summary else "")
