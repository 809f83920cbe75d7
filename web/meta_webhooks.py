"""What Meta's webhooks (WhatsApp Cloud API, Facebook Lead Ads) share: the subscription check,
where ``hub.mode=subscribe`` with our verify token is answered with ``hub.challenge``, and
deliveries signed in ``X-Hub-Signature-256`` (``sha256=`` and the hex HMAC-SHA256 of the raw
body with the app secret), checked in constant time before the body is parsed."""

from __future__ import annotations

import hashlib
import hmac
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from web.bodies import read_body
from web.errors import Rejection
from web.requests import mark

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
Payload = TypeVar("Payload", bound=BaseModel)


class Lenient(BaseModel):
    """A part of Meta's payload: what we read of it; Meta adds fields as it likes."""

    model_config = ConfigDict(extra="ignore")


def answer_subscription(request: web.Request, verify_token: str) -> web.Response:
    query = request.query
    token = query.get("hub.verify_token", "").encode()
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token, verify_token.encode()
    ):
        raise Rejection(401, "unauthorized")
    mark(request, outcome="subscribed")
    return web.Response(text=query.get("hub.challenge", ""))


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    if header is None or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix(SIGNATURE_PREFIX).encode())


async def signed_body(request: web.Request, *, app_secret: str, limit: int) -> bytes:
    """The body, if it is within ``limit`` (413) and signed with ``app_secret`` (401)."""
    body = await read_body(request, limit)
    if not signature_matches(app_secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise Rejection(401, "unauthorized")
    return body


def parsed(model: type[Payload], raw: bytes | dict[str, object]) -> Payload:
    """A delivery (its raw body) or a part of one as ``model`` reads it, or a 400 naming the
    first field at fault."""
    try:
        if isinstance(raw, bytes):
            return model.model_validate_json(raw)
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise Rejection(400, "delivery-invalid", field=field) from None
