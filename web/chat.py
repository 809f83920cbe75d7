"""``POST /intake/chat/{key}``: a message from the website's chat widget.

The widget posts JSON: ``visitor_id`` (its own id for the visitor), ``text``, and, when the
visitor gave them, ``name``, ``email`` and ``phone``; ``message_id`` makes a resend harmless.
It proves itself with the channel's secret in ``X-Chat-Secret`` or with the signed address
``/forms`` shows (``?sig=``), as a web page cannot keep a secret. The visitor's messages join
their conversation; the first one opens a lead. A browser on any site may post here and read
the answer (CORS); refusals come in the same order as for forms: 413, 429, 404, 401, 415/400.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm.models import IntakeKind, LeadSource, utcnow
from crm.services.conversations import InboundMessage, receive_message
from web.bodies import JSON, storable_text
from web.context import context_of
from web.errors import Rejection
from web.keyed import accepted_channel, limited_body
from web.requests import mark

SECRET_HEADER = "X-Chat-Secret"
RECEIVED = {"status": "received"}
# Any site may embed the widget; what it posts is checked by the address signature.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": f"Content-Type, {SECRET_HEADER}",
    "Access-Control-Max-Age": "86400",
}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    visitor_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=4000)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    message_id: str | None = Field(default=None, min_length=1, max_length=128)


def parsed_message(body: bytes, content_type: str) -> ChatMessage:
    if content_type != JSON:
        raise Rejection(415, "content-type-unsupported", details={"accepted": JSON})
    try:
        message = ChatMessage.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise Rejection(400, "message-invalid", field=field) from None
    for field, value in message.model_dump().items():
        storable_text(value or "", field=field)
    return message


async def allow_browsers(request: web.Request) -> web.Response:
    return web.Response(headers=CORS_HEADERS)


async def receive_chat_message(request: web.Request) -> web.Response:
    try:
        return await _receive(request)
    except Rejection as refused:
        refused.headers.update(CORS_HEADERS)
        raise


async def _receive(request: web.Request) -> web.Response:
    mark(request, channel="chat")
    context = context_of(request)
    body = await limited_body(request, channel="chat")
    async with context.unit_of_work() as session:
        channel = await accepted_channel(
            session, request, kind=IntakeKind.WEBSITE_CHAT, secret_header=SECRET_HEADER
        )
        message = parsed_message(body, request.content_type)
        intake = await receive_message(
            session,
            message=InboundMessage(
                channel=LeadSource.WEBSITE_CHAT,
                # Visitor ids are the widget's own: one site's cannot reach another's visitor.
                sender_id=f"{channel.id}:{message.visitor_id}",
                text=message.text,
                sent_at=utcnow(),
                message_id=message.message_id,
                # Without a name, the visitor is known by the widget's id for them.
                sender_name=message.name or message.visitor_id,
                sender_phone=message.phone,
                sender_email=message.email,
            ),
            intake_channel=channel,
            phone_region=context.settings.phone_region,
        )
        await context.commit(session)
    mark(request, outcome=intake.result.value)
    return web.json_response(RECEIVED, headers=CORS_HEADERS)
