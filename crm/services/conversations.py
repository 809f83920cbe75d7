"""Customers writing in over a messaging channel (WhatsApp, the website's chat): each message
joins that person's conversation, once; an unknown person becomes a customer and a lead, a
known one's message joins their open lead and its owner is told. Delivery reports move a
message's status on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events, outbox
from crm.contacts import normalize_email, normalize_phone
from crm.errors import NotFound, ValidationFailed
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
    Staff,
)
from crm.services.customers import customer_for_contacts, visible_customer
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
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
}
NAME_MAX = 200
# WhatsApp takes a business's free-form message only within 24 hours of the customer's last
# message; after that only a template Meta approved, which this CRM does not send.
WHATSAPP_WINDOW = timedelta(hours=24)
# The Cloud API's limit on a text message's body.
WHATSAPP_TEXT_MAX = 4096
# Told to the rep whose reply did not go out.
WHATSAPP_REPLY_FAILED = "whatsapp_reply_failed"


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


# A rep's reply to a customer on WhatsApp.


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """The customer's WhatsApp conversation and until when a free-form reply may go out;
    ``open_until`` is None when they never wrote."""

    conversation_id: int
    open_until: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


@dataclass(frozen=True, slots=True)
class ReplyQueued:
    message_id: int


@dataclass(frozen=True, slots=True)
class WindowClosed:
    """Too late for a free-form reply: the customer wrote last at ``last_inbound_at``."""

    last_inbound_at: datetime | None


def has_whatsapp_conversation(customer_id: int) -> Exists:
    """Whether the customer wrote in on WhatsApp, as SQL: a part of a bigger query."""
    return _whatsapp_conversations(customer_id).exists()


async def whatsapp_reply_window(
    session: AsyncSession, *, actor: Staff, customer_id: int
) -> ReplyWindow:
    """The window of the customer's WhatsApp conversation, if ``actor`` may see them."""
    await visible_customer(session, actor=actor, customer_id=customer_id)
    conversation_id = await _whatsapp_conversation_id(session, customer_id)
    if conversation_id is None:
        raise NotFound(f"customer {customer_id} has no WhatsApp conversation")
    last_inbound = await session.scalar(
        select(func.max(ConversationMessage.sent_at)).where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.direction == Direction.INBOUND,
        )
    )
    open_until = None if last_inbound is None else last_inbound + WHATSAPP_WINDOW
    return ReplyWindow(conversation_id, open_until)


async def reply_on_whatsapp(
    session: AsyncSession, *, actor: Staff, customer_id: int, text: str, now: datetime
) -> ReplyQueued | WindowClosed:
    """Queue ``actor``'s reply in the customer's WhatsApp conversation for the WhatsApp
    sender, within the 24-hour window; outside it nothing is stored."""
    window = await whatsapp_reply_window(session, actor=actor, customer_id=customer_id)
    if not window.is_open(now):
        return WindowClosed(
            None if window.open_until is None else window.open_until - WHATSAPP_WINDOW
        )
    text = text.strip()
    if not text:
        raise ValidationFailed("reply-empty", field="text")
    if len(text) > WHATSAPP_TEXT_MAX:
        raise ValidationFailed("reply-too-long", field="text", details={"max": WHATSAPP_TEXT_MAX})
    message = ConversationMessage(
        conversation_id=window.conversation_id,
        direction=Direction.OUTBOUND,
        text=text,
        sent_at=now,
        status=MessageStatus.QUEUED,
    )
    session.add(message)
    await session.flush()
    outbox.enqueue(
        session,
        recipient_id=actor.id,
        kind=outbox.WHATSAPP_REPLY,
        payload={"message_id": message.id},
        due_at=now,
    )
    await session.flush()
    return ReplyQueued(message.id)


async def _whatsapp_conversation_id(session: AsyncSession, customer_id: int) -> int | None:
    return await session.scalar(
        _whatsapp_conversations(customer_id).order_by(Conversation.id.desc()).limit(1)
    )


def _whatsapp_conversations(customer_id: int) -> Select[int]:
    return select(Conversation.id).where(
        Conversation.customer_id == customer_id,
        Conversation.channel == LeadSource.WHATSAPP.value,
    )


@dataclass(frozen=True, slots=True)
class QueuedReply:
    """A queued reply as its sender needs it: the number it goes to and its words."""

    message_id: int
    to: str
    text: str


async def queued_reply(session: AsyncSession, message_id: int) -> QueuedReply | None:
    """The reply, while it still waits to go out."""
    row = (
        await session.execute(
            select(ConversationMessage.text, Conversation.external_id)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(
                ConversationMessage.id == message_id,
                ConversationMessage.status == MessageStatus.QUEUED,
            )
        )
    ).first()
    if row is None or row.external_id is None:
        return None
    return QueuedReply(message_id, row.external_id, row.text)


async def settle_reply(
    session: AsyncSession,
    *,
    message_id: int,
    status: MessageStatus,
    now: datetime,
    provider_message_id: str | None = None,
) -> None:
    """The reply went out (with the channel's id for it, to match its delivery reports) or
    was refused for good."""
    message = await session.get_one(ConversationMessage, message_id)
    message.status = status
    message.sent_at = now
    if provider_message_id is not None:
        message.provider_message_id = provider_message_id
    await session.flush()


async def reply_not_sent(
    session: AsyncSession, *, message_id: int, author_id: int, now: datetime
) -> None:
    """The reply was refused for good: marked failed, and its author told in the chat."""
    await settle_reply(session, message_id=message_id, status=MessageStatus.FAILED, now=now)
    outbox.enqueue(
        session,
        recipient_id=author_id,
        kind=WHATSAPP_REPLY_FAILED,
        payload={"message_id": message_id},
        due_at=now,
    )
