"""``/intake/whatsapp``: the WhatsApp Cloud API webhook.

``GET`` is Meta's subscription check and ``POST`` deliveries are signed, as
:mod:`web.meta_webhooks` describes. Each text becomes a message in the sender's conversation
(and a lead, or a message on their open lead); each delivery report moves a message's status
on. A redelivered message id changes nothing; statuses are never errors. Without the verify
token and the app secret set, the endpoint is not there (404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from crm.models import LeadSource, MessageStatus
from crm.services.conversations import (
    InboundMessage,
    receive_message,
    record_delivery_status,
)
from web.bodies import storable_text
from web.context import IntakeSettings, context_of
from web.errors import Rejection
from web.meta_webhooks import Lenient, answer_subscription, parsed, signed_body
from web.requests import mark

RECEIVED = {"status": "received"}
# The most seconds since 1970 a timestamp may say (the year 9999).
LATEST_TIMESTAMP = 253402300799


class _Profile(Lenient):
    name: str | None = None


class _Contact(Lenient):
    wa_id: str
    profile: _Profile = Field(default_factory=_Profile)


class _Text(Lenient):
    body: str


class _Media(Lenient):
    caption: str | None = None


class _Message(Lenient):
    from_: str = Field(alias="from", min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=128)
    timestamp: int = Field(ge=0, le=LATEST_TIMESTAMP)
    type: str = Field(max_length=32)
    text: _Text | None = None
    image: _Media | None = None
    video: _Media | None = None
    document: _Media | None = None

    def words(self) -> str:
        """The text; for media, its caption after the kind in brackets (``[image] ...``)."""
        if self.text is not None:
            return self.text.body
        media = self.image or self.video or self.document
        caption = media.caption if media is not None and media.caption else ""
        return f"[{self.type}] {caption}".strip()


class _Status(Lenient):
    id: str = Field(min_length=1, max_length=128)
    status: str


class _Value(Lenient):
    contacts: list[_Contact] = Field(default_factory=list)
    messages: list[_Message] = Field(default_factory=list)
    statuses: list[_Status] = Field(default_factory=list)


class _Change(Lenient):
    field: str
    value: _Value


class _Entry(Lenient):
    changes: list[_Change] = Field(default_factory=list)


class _Delivery(Lenient):
    object: Literal["whatsapp_business_account"]
    entry: list[_Entry]


def _settings(request: web.Request) -> IntakeSettings:
    settings = context_of(request).settings
    if not (settings.whatsapp_verify_token and settings.whatsapp_app_secret):
        raise Rejection(404, "not-configured")
    return settings


async def verify_subscription(request: web.Request) -> web.Response:
    mark(request, channel="whatsapp")
    settings = _settings(request)
    assert settings.whatsapp_verify_token is not None
    return answer_subscription(request, settings.whatsapp_verify_token)


def parsed_delivery(body: bytes) -> _Delivery:
    delivery = parsed(_Delivery, body)
    for entry in delivery.entry:
        for change in entry.changes:
            for contact in change.value.contacts:
                storable_text(contact.profile.name or "", field="contacts")
            for message in change.value.messages:
                for text in (message.id, message.from_, message.words()):
                    storable_text(text, field="messages")
            for status in change.value.statuses:
                storable_text(status.id, field="statuses")
    return delivery


def inbound_messages(delivery: _Delivery) -> list[InboundMessage]:
    found = []
    for entry in delivery.entry:
        for change in entry.changes:
            if change.field != "messages":
                continue
            names = {contact.wa_id: contact.profile.name for contact in change.value.contacts}
            found += [
                InboundMessage(
                    channel=LeadSource.WHATSAPP,
                    sender_id=message.from_,
                    sender_phone=f"+{message.from_}",
                    sender_name=names.get(message.from_),
                    message_id=message.id,
                    text=message.words(),
                    sent_at=datetime.fromtimestamp(message.timestamp, UTC),
                )
                for message in change.value.messages
            ]
    return found


def delivery_reports(delivery: _Delivery) -> list[tuple[str, MessageStatus]]:
    """(message id, status) of each report of a status we keep; others are left alone."""
    kept = {status.value for status in MessageStatus} - {MessageStatus.QUEUED.value}
    return [
        (status.id, MessageStatus(status.status))
        for entry in delivery.entry
        for change in entry.changes
        for status in change.value.statuses
        if status.status in kept
    ]


async def receive_delivery(request: web.Request) -> web.Response:
    mark(request, channel="whatsapp")
    settings = _settings(request)
    assert settings.whatsapp_app_secret is not None
    context = context_of(request)
    body = await signed_body(
        request, app_secret=settings.whatsapp_app_secret, limit=settings.body_limit
    )
    delivery = parsed_delivery(body)
    outcomes = []
    async with context.unit_of_work() as session:
        for message in inbound_messages(delivery):
            intake = await receive_message(
                session, message=message, phone_region=settings.phone_region
            )
            outcomes.append(intake.result.value)
        for message_id, status in delivery_reports(delivery):
            await record_delivery_status(session, provider_message_id=message_id, status=status)
            outcomes.append("status")
        await context.commit(session)
    mark(request, outcome="+".join(sorted(set(outcomes))) or "ignored")
    return web.json_response(RECEIVED)
