"""``/intake/whatsapp``: the WhatsApp Cloud API webhook.

``GET`` is Meta's subscription check: ``hub.mode=subscribe`` with our verify token is answered
with ``hub.challenge``. ``POST`` deliveries are signed: ``X-Hub-Signature-256`` is ``sha256=``
and the hex HMAC-SHA256 of the raw body with the app secret, checked in constant time before
the body is read. Each text becomes a message in the sender's conversation (and a lead, or a
message on their open lead); each delivery report moves a message's status on. A redelivered
message id changes nothing; statuses are never errors. Without the verify token and the app
secret set, the endpoint is not there (404).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm.models import LeadSource, MessageStatus
from crm.services.conversations import (
    InboundMessage,
    receive_message,
    record_delivery_status,
)
from web.bodies import read_body, storable_text
from web.context import IntakeSettings, context_of
from web.errors import Rejection
from web.requests import mark

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
RECEIVED = {"status": "received"}
# The most seconds since 1970 a timestamp may say (the year 9999).
LATEST_TIMESTAMP = 253402300799


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Profile(_Lenient):
    name: str | None = None


class _Contact(_Lenient):
    wa_id: str
    profile: _Profile = Field(default_factory=_Profile)


class _Text(_Lenient):
    body: str


class _Media(_Lenient):
    caption: str | None = None


class _Message(_Lenient):
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


class _Status(_Lenient):
    id: str = Field(min_length=1, max_length=128)
    status: str


class _Value(_Lenient):
    contacts: list[_Contact] = Field(default_factory=list)
    messages: list[_Message] = Field(default_factory=list)
    statuses: list[_Status] = Field(default_factory=list)


class _Change(_Lenient):
    field: str
    value: _Value


class _Entry(_Lenient):
    changes: list[_Change] = Field(default_factory=list)


class _Delivery(_Lenient):
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
    query = request.query
    token = query.get("hub.verify_token", "").encode()
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token, settings.whatsapp_verify_token.encode()
    ):
        raise Rejection(401, "unauthorized")
    mark(request, outcome="subscribed")
    return web.Response(text=query.get("hub.challenge", ""))


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    if header is None or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix(SIGNATURE_PREFIX).encode())


def parsed_delivery(body: bytes) -> _Delivery:
    try:
        delivery = _Delivery.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise Rejection(400, "delivery-invalid", field=field) from None
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
    kept = {status.value for status in MessageStatus}
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
    body = await read_body(request, settings.body_limit)
    if not signature_matches(
        settings.whatsapp_app_secret, body, request.headers.get(SIGNATURE_HEADER)
    ):
        raise Rejection(401, "unauthorized")
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
