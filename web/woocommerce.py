"""``POST /intake/woocommerce/{key}``: WooCommerce's order webhooks.

Each delivery is signed: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw body
with the webhook's secret, checked in constant time before the body is read as JSON. The
unsigned ping WooCommerce sends when a webhook is saved (``webhook_id=...``, form-encoded) is
answered 200 and stores nothing; so is any topic other than ``order.created`` and
``order.updated``. A delivery id seen before (``X-WC-Webhook-Delivery-ID``) changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm.models import IntakeKind
from crm.services.intake import channel_by_key
from crm.services.shop import ShopOrder, record_shop_order
from web.bodies import FORM_ENCODED, form_encoded_pairs, read_body, storable_text
from web.context import context_of
from web.errors import Rejection
from web.requests import mark

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
ORDER_TOPICS = frozenset({"order.created", "order.updated"})
ITEMS_IN_SUMMARY = 10
RECEIVED = {"status": "received"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Billing(_Lenient):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None


class _LineItem(_Lenient):
    name: str | None = None
    quantity: int = 0


class _Order(_Lenient):
    """The fields of WooCommerce's order resource (REST API v3) the CRM keeps."""

    id: int = Field(ge=1)
    status: str
    currency: str
    total: str
    billing: _Billing = Field(default_factory=_Billing)
    line_items: list[_LineItem] = Field(default_factory=list)

    def as_shop_order(self) -> ShopOrder:
        billing = self.billing
        name = " ".join(part.strip() for part in (billing.first_name, billing.last_name) if part)
        items = ", ".join(
            f"{item.quantity} × {item.name}" for item in self.line_items[:ITEMS_IN_SUMMARY]
        )
        return ShopOrder(
            external_id=str(self.id),
            status=self.status,
            total=self.total,
            currency=self.currency,
            name=name.strip() or (billing.company or "").strip() or None,
            email=billing.email or None,
            phone=billing.phone or None,
            summary=items or None,
        )


def signature_matches(secret: str, body: bytes, signature: str | None) -> bool:
    if signature is None:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode())


def is_ping(body: bytes, content_type: str) -> bool:
    """WooCommerce's "is this address alive" when a webhook is saved: ``webhook_id=12``."""
    if content_type != FORM_ENCODED:
        return False
    try:
        pairs = form_encoded_pairs(body)
    except Rejection:
        return False
    return [name for name, _ in pairs] == ["webhook_id"]


def parsed_order(body: bytes) -> ShopOrder:
    try:
        order = _Order.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise Rejection(400, "order-invalid", field=field) from None
    shop_order = order.as_shop_order()
    for value in (shop_order.name, shop_order.status, shop_order.summary):
        storable_text(value or "")
    return shop_order


async def receive_order(request: web.Request) -> web.Response:
    mark(request, channel="woocommerce")
    context = context_of(request)
    key = request.match_info["key"]
    body = await read_body(request, context.settings.body_limit)
    async with context.unit_of_work() as session:
        channel = await channel_by_key(session, kind=IntakeKind.WOOCOMMERCE, key=key)
        if channel is None:
            raise Rejection(404, "unknown-key")
        if is_ping(body, request.content_type):
            mark(request, outcome="ping")
            return web.json_response(RECEIVED)
        if not signature_matches(channel.secret, body, request.headers.get(SIGNATURE_HEADER)):
            raise Rejection(401, "unauthorized")
        if request.headers.get(TOPIC_HEADER) not in ORDER_TOPICS:
            mark(request, outcome="ignored")
            return web.json_response(RECEIVED)
        intake = await record_shop_order(
            session,
            channel=channel,
            order=parsed_order(body),
            delivery_id=request.headers.get(DELIVERY_HEADER),
            phone_region=context.settings.phone_region,
        )
        await context.commit(session)
    mark(request, outcome=intake.result.value)
    return web.json_response(RECEIVED)
