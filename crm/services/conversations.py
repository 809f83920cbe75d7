"""Customers writing in over a messaging channel (WhatsApp, the website's chat): each message
joins that person's conversation, once; an unknown person becomes a customer and a lead, a
known one's message joins their open lead and its owner is told. Delivery reports move a
message's status on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events
from crm.contacts import normalize_email, normalize_phone
from crm.models import (
    NOTE_MAX_LENGTH,
    Conversation,
    ConversationMessage,
    Customer,
    CustomerContact,
    Direction,
    IntakeChannel,
    Lead,
    LeadSource,
    MessageStatus,
)
from crm.services.customers import customer_for_contacts
from crm.services.intake import (
    IncomingContact,
    Intake,
    IntakeResult,
    checked_or_none,
    claim_receipt,
    join_lead,
    open_lead_of_customer,
    receipt_scope,
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
    """A message a person sent us; ``sender_id`` is who the channel says they are, and the
    contact details are as they gave them."""

    channel: LeadSource
    sender_id: str
    text: str
    sent_at: datetime
    message_id: str | None = None
    sender_name: str | None = None
    sender_phone: str | None = None
    sender_email: str | None = None


async def receive_message(
    session: AsyncSession,
    *,
    message: InboundMessage,
    intake_channel: IntakeChannel | None = None,
    phone_region: str = "UA",
) -> Intake:
    """Keep the message in the sender's conversation and take the sender in: the open lead
    of their customer, or of their phone or e-mail, or a new one for ``intake_channel``'s
    responsible. The channel's message id makes a redelivery change nothing; contact details
    that do not check out are left out rather than refusing the message."""
    receipt_id = None
    if message.message_id is not None:
        scope = receipt_scope(intake_channel) if intake_channel else message.channel.value
        receipt_id = await claim_receipt(session, scope=scope, external_id=message.message_id)
        if receipt_id is None:
            return Intake(IntakeResult.DUPLICATE)
    sender = _sender(message, intake_channel, phone_region)
    conversation = await _conversation(session, message, sender)
    session.add(
        ConversationMessage(
            conversation_id=conversation.id,
            direction=Direction.INBOUND,
            text=message.text,
            sent_at=message.sent_at,
            provider_message_id=message.message_id,
        )
    )
    lead = await open_lead_of_customer(session, conversation.customer_id)
    if lead is not None:
        intake = await join_lead(session, lead, message=sender.message, source=sender.source)
    else:
        intake = await _new_lead(session, sender, conversation, intake_channel, phone_region)
    assert intake.lead_id is not None
    events.record(
        session,
        events.CustomerWrote(actor_id=None, lead_id=intake.lead_id, channel=message.channel.value),
    )
    if receipt_id is not None:
        await settle_receipt(session, receipt_id, intake)
    return intake


def _sender(
    message: InboundMessage, intake_channel: IntakeChannel | None, phone_region: str
) -> IncomingContact:
    """The sender as a lead would have them: checked contacts, a name whatever they gave."""
    phone = checked_or_none(
        message.sender_phone, lambda raw: normalize_phone(raw, region=phone_region)
    )
    email = checked_or_none(message.sender_email, normalize_email)
    name = (message.sender_name or "").strip()[:NAME_MAX] or None
    return IncomingContact(
        name=name or phone or email or message.sender_id,
        phone=phone,
        email=email,
        # The whole text is in the conversation; the lead's timeline holds what fits.
        message=message.text[:NOTE_MAX_LENGTH],
        source=message.channel,
        source_detail=intake_channel.name if intake_channel else None,
    )


async def _new_lead(
    session: AsyncSession,
    sender: IncomingContact,
    conversation: Conversation,
    intake_channel: IntakeChannel | None,
    phone_region: str,
) -> Intake:
    intake = await take_in_contact(
        session, contact=sender, channel=intake_channel, phone_region=phone_region
    )
    lead = await session.get_one(Lead, intake.lead_id)
    if lead.customer_id is None:
        # A visitor who left no contact: their lead is known by their conversation.
        lead.customer_id = conversation.customer_id
        await session.flush()
    return Intake(intake.result, lead.id, lead.customer_id)


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
    session: AsyncSession, message: InboundMessage, sender: IncomingContact
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
    customer = await customer_for_contacts(session, phones=[sender.phone], emails=[sender.email])
    if customer is None:
        customer = Customer(name=sender.name or message.sender_id)
        customer.contacts = [
            CustomerContact(kind=kind, value=value)
            for kind, value in (
                (CustomerContact.PHONE, sender.phone),
                (CustomerContact.EMAIL, sender.email),
            )
            if value
        ]
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
