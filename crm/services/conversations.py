"""Customers writing in over a messaging channel (WhatsApp): each message joins that person's
conversation, once; an unknown person becomes a customer and a lead, a known one's message
joins their open lead and its owner is told. Delivery reports move a message's status on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import normalize_phone
from crm.errors import ValidationFailed
from crm.models import (
    NOTE_MAX_LENGTH,
    Conversation,
    ConversationMessage,
    Customer,
    CustomerContact,
    Direction,
    LeadSource,
    MessageStatus,
)
from crm.services.customers import customer_for_contacts
from crm.services.intake import (
    IncomingContact,
    Intake,
    IntakeResult,
    claim_receipt,
    settle_receipt,
    take_in_contact,
)

# How far each status is along the way; a report never moves a message back.
STATUS_ORDER = {
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
}
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message a person sent us; ``sender_id`` is who the channel says they are."""

    channel: LeadSource
    sender_id: str
    sender_phone: str | None
    sender_name: str | None
    message_id: str
    text: str
    sent_at: datetime


async def receive_message(
    session: AsyncSession, *, message: InboundMessage, phone_region: str = "UA"
) -> Intake:
    """Keep the message in the sender's conversation and take the sender in as a lead; the
    channel's message id makes a redelivery change nothing."""
    receipt_id = await claim_receipt(
        session, scope=message.channel.value, external_id=message.message_id
    )
    if receipt_id is None:
        return Intake(IntakeResult.DUPLICATE)
    phone = _phone_or_none(message.sender_phone, phone_region)
    name = (message.sender_name or "").strip()[:NAME_MAX] or None
    conversation = await _conversation(session, message, phone, name)
    session.add(
        ConversationMessage(
            conversation_id=conversation.id,
            direction=Direction.INBOUND,
            text=message.text,
            sent_at=message.sent_at,
            provider_message_id=message.message_id,
        )
    )
    intake = await take_in_contact(
        session,
        contact=IncomingContact(
            name=name or phone or message.sender_id,
            phone=phone,
            email=None,
            # The whole text is in the conversation; the lead's timeline holds what fits.
            message=message.text[:NOTE_MAX_LENGTH],
            source=message.channel,
        ),
        channel=None,
        phone_region=phone_region,
    )
    await settle_receipt(session, receipt_id, intake)
    return intake


async def record_delivery_status(
    session: AsyncSession, *, provider_message_id: str, status: MessageStatus
) -> bool:
    """Move the message with this channel id on to ``status``; False when no such message
    is ours or the report is older news than what we know."""
    message = await session.scalar(
        select(ConversationMessage).where(
            ConversationMessage.provider_message_id == provider_message_id
        )
    )
    if message is None:
        return False
    known = STATUS_ORDER[message.status] if message.status is not None else 0
    if STATUS_ORDER[status] <= known:
        return False
    message.status = status
    await session.flush()
    return True


async def _conversation(
    session: AsyncSession, message: InboundMessage, phone: str | None, name: str | None
) -> Conversation:
    """The sender's conversation on this channel, with a customer for them if none knows them."""
    conversation = await session.scalar(
        select(Conversation)
        .where(
            Conversation.channel == message.channel.value,
            Conversation.external_id == message.sender_id,
        )
        .order_by(Conversation.id)
        .limit(1)
    )
    if conversation is not None:
        return conversation
    customer = await customer_for_contacts(session, phones=[phone], emails=[])
    if customer is None:
        customer = Customer(name=name or phone or message.sender_id)
        customer.contacts = (
            [CustomerContact(kind=CustomerContact.PHONE, value=phone)] if phone else []
        )
        session.add(customer)
        await session.flush()
    conversation = Conversation(
        customer_id=customer.id,
        channel=message.channel.value,
        external_id=message.sender_id,
        started_at=message.sent_at,
    )
    session.add(conversation)
    await session.flush()
    return conversation


def _phone_or_none(raw: str | None, region: str) -> str | None:
    if not raw:
        return None
    try:
        return normalize_phone(raw, region=region)
    except ValidationFailed:
        return None
