"""The outside world of the side panel: a web form, the website chat widget, WhatsApp and a
WooCommerce shop, each posting to the real intake endpoint signed the way that provider signs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import IntakeKind
from crm.services.intake import address_signature
from sandbox.people import intake_channel
from web import meta_webhooks, woocommerce
from web.keyed import SIGNATURE_PARAMETER

PROVIDERS = ("form", "chat", "whatsapp", "woocommerce")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the side panel says is writing in."""

    name: str
    phone: str
    text: str


@dataclass(frozen=True, slots=True)
class Delivery:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: str


class Providers:
    def __init__(
        self,
        base_url: str,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        whatsapp_app_secret: str,
    ) -> None:
        self.base_url = base_url
        self.session_factory = session_factory
        self.whatsapp_app_secret = whatsapp_app_secret

    async def send(self, provider: str, sender: Sender) -> Answer:
        delivery = await self._delivery(provider, sender)
        async with (
            aiohttp.ClientSession() as client,
            client.post(
                self.base_url + delivery.path, data=delivery.body, headers=delivery.headers
            ) as response,
        ):
            return Answer(response.status, await response.text())

    async def _delivery(self, provider: str, sender: Sender) -> Delivery:
        if provider == "whatsapp":
            return self._whatsapp(sender)
        kind = {
            "form": IntakeKind.WEB_FORM,
            "chat": IntakeKind.WEBSITE_CHAT,
            "woocommerce": IntakeKind.WOOCOMMERCE,
        }.get(provider)
        if kind is None:
            raise ValueError(f"no provider {provider!r}; the sandbox has {', '.join(PROVIDERS)}")
        async with self.session_factory() as session:
            channel = await intake_channel(session, kind)
        if kind == IntakeKind.WEB_FORM:
            body = _json({"name": sender.name, "phone": sender.phone, "message": sender.text})
            # A web page signs its address, as /forms shows it: it cannot keep a secret.
            path = f"/intake/forms/{channel.key}?{SIGNATURE_PARAMETER}={address_signature(channel)}"
            return Delivery(path, body, {"Content-Type": "application/json"})
        if kind == IntakeKind.WEBSITE_CHAT:
            body = _json(
                {
                    "visitor_id": f"sandbox-{sender.phone}",
                    "text": sender.text,
                    "name": sender.name,
                    "phone": sender.phone,
                    "message_id": secrets.token_hex(8),
                }
            )
            path = f"/intake/chat/{channel.key}?{SIGNATURE_PARAMETER}={address_signature(channel)}"
            return Delivery(path, body, {"Content-Type": "application/json"})
        return _woocommerce_order(channel.key, channel.secret, sender)

    def _whatsapp(self, sender: Sender) -> Delivery:
        """A customer's text as Meta's Cloud API webhook delivers it."""
        number = "".join(digit for digit in sender.phone if digit.isdigit())
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1065403522"},
            "contacts": [{"profile": {"name": sender.name}, "wa_id": number}],
            "messages": [
                {
                    "from": number,
                    "id": f"wamid.{secrets.token_hex(16)}",
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": sender.text},
                }
            ],
        }
        body = _json(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": "1022901293", "changes": [{"value": value, "field": "messages"}]}],
            }
        )
        digest = hmac.new(self.whatsapp_app_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            meta_webhooks.SIGNATURE_HEADER: f"sha256={digest}",
        }
        return Delivery("/intake/whatsapp", body, headers)


def _woocommerce_order(key: str, secret: str, sender: Sender) -> Delivery:
    """``order.created`` as WooCommerce's webhook sends it: the base64 HMAC of the body."""
    first, _, last = sender.name.partition(" ")
    order_id = secrets.randbelow(90_000) + 10_000
    body = _json(
        {
            "id": order_id,
            "status": "processing",
            "currency": "UAH",
            "total": "2450.00",
            "billing": {"first_name": first, "last_name": last, "phone": sender.phone},
            "line_items": [{"name": sender.text, "quantity": 1}],
        }
    )
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    headers = {
        "Content-Type": "application/json",
        woocommerce.SIGNATURE_HEADER: signature.decode(),
        woocommerce.TOPIC_HEADER: "order.created",
        woocommerce.DELIVERY_HEADER: secrets.token_hex(8),
    }
    return Delivery(f"/intake/woocommerce/{key}", body, headers)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
