"""WhatsApp Cloud API: Meta's subscription check, signed deliveries of customers' messages
(a customer, a conversation and a lead, once) and delivery reports."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import notifications
from crm.models import (
    Conversation,
    ConversationMessage,
    Customer,
    Direction,
    Lead,
    LeadSource,
    MessageStatus,
)
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from tests.web.conftest import Team, Web, outbox_kinds
from web.context import IntakeSettings

VERIFY_TOKEN = "meta-verify-token-42"
APP_SECRET = "0123456789abcdef0123456789abcdef"
NUMBER = "380671234567"


@pytest.fixture
def intake_settings() -> IntakeSettings:
    return IntakeSettings(whatsapp_verify_token=VERIFY_TOKEN, whatsapp_app_secret=APP_SECRET)


def text_message(
    body: str, *, message_id: str = "wamid.HBgMMzgwNjcxMjM0NTY3FQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA"
) -> dict[str, Any]:
    """A customer's text as Meta's webhook reference shows it."""
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Олена Петренко"}, "wa_id": NUMBER}],
        "messages": [
            {
                "from": NUMBER,
                "id": message_id,
                "timestamp": "1749416383",
                "type": "text",
                "text": {"body": body},
            }
        ],
    }


def status_report(message_id: str, status: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [
            {
                "id": message_id,
                "status": status,
                "timestamp": "1750263773",
                "recipient_id": NUMBER,
                "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"},
            }
        ],
    }


def delivery(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(
    web_app: Web, payload: dict[str, Any], *, secret: str = APP_SECRET
) -> ClientResponse:
    body = json.dumps(payload).encode()
    return await web_app.client.post(
        "/intake/whatsapp",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature(body, secret),
        },
    )


async def all_of(web_app: Web, model: type[Any]) -> list[Any]:
    async with web_app.sessions() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def test_meta_subscribes_with_our_verify_token(web_app: Web) -> None:
    subscribed = await web_app.client.get(
        "/intake/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    wrong_token = await web_app.client.get(
        "/intake/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    wrong_mode = await web_app.client.get(
        "/intake/whatsapp",
        params={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    )

    assert (subscribed.status, await subscribed.text()) == (200, "1158201444")
    assert (wrong_token.status, wrong_mode.status) == (401, 401)


async def test_a_text_from_an_unknown_number_is_a_customer_a_conversation_and_a_lead(
    web_app: Web, team: Team
) -> None:
    response = await post(web_app, delivery(text_message("Скільки коштує доставка?")))

    assert response.status == 200
    (customer,) = await all_of(web_app, Customer)
    (conversation,) = await all_of(web_app, Conversation)
    (message,) = await all_of(web_app, ConversationMessage)
    (lead,) = await all_of(web_app, Lead)
    assert (customer.name, conversation.channel, conversation.external_id) == (
        "Олена Петренко",
        "whatsapp",
        NUMBER,
    )
    assert (message.direction, message.text, message.sent_at.timestamp()) == (
        Direction.INBOUND,
        "Скільки коштує доставка?",
        1749416383,
    )
    assert (lead.title, lead.phone, lead.source, lead.customer_id) == (
        "Олена Петренко",
        "+380671234567",
        LeadSource.WHATSAPP,
        customer.id,
    )
    assert await outbox_kinds(web_app.sessions) == [
        (team.admin.id, notifications.LEAD_CREATED),
        (team.manager.id, notifications.LEAD_CREATED),
    ]


async def test_a_known_numbers_text_joins_their_conversation_and_tells_the_rep(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    await create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="Olena", phone="+380671234567")
    )
    await session.commit()
    await post(web_app, delivery(text_message("Добрий день", message_id="wamid.one")))
    told_before = len(await outbox_kinds(web_app.sessions))

    response = await post(web_app, delivery(text_message("Ви тут?", message_id="wamid.two")))

    assert response.status == 200
    assert len(await all_of(web_app, Lead)) == 1
    assert len(await all_of(web_app, Conversation)) == 1
    assert [m.text for m in await all_of(web_app, ConversationMessage)] == [
        "Добрий день",
        "Ви тут?",
    ]
    assert (await outbox_kinds(web_app.sessions))[told_before:] == [
        (team.rep.id, notifications.LEAD_RETURNED)
    ]


async def test_a_redelivered_message_changes_nothing(web_app: Web, team: Team) -> None:
    await post(web_app, delivery(text_message("Привіт")))
    before = await web_app.stored_rows()

    again = await post(web_app, delivery(text_message("Привіт")))

    assert again.status == 200
    assert await web_app.stored_rows() == before


async def test_a_photo_keeps_its_caption(web_app: Web, team: Team) -> None:
    value = text_message("")
    value["messages"][0].update(
        type="image", image={"caption": "Ось такий", "mime_type": "image/jpeg", "id": "1"}
    )
    del value["messages"][0]["text"]

    await post(web_app, delivery(value))

    assert [m.text for m in await all_of(web_app, ConversationMessage)] == ["[image] Ось такий"]


async def test_delivery_reports_move_a_message_on_and_never_back(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    await post(web_app, delivery(text_message("Привіт")))
    (conversation,) = await all_of(web_app, Conversation)
    session.add(
        ConversationMessage(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            text="Вітаю! Доставка безкоштовна.",
            provider_message_id="wamid.reply",
            status=MessageStatus.SENT,
        )
    )
    await session.commit()

    answers = [
        await post(web_app, delivery(status_report("wamid.reply", status)))
        for status in ("delivered", "read", "delivered", "deleted")
    ]
    unknown = await post(web_app, delivery(status_report("wamid.not-ours", "read")))

    assert [answer.status for answer in answers] == [200, 200, 200, 200]
    assert unknown.status == 200
    reply = await session.scalar(
        select(ConversationMessage)
        .where(ConversationMessage.provider_message_id == "wamid.reply")
        .execution_options(populate_existing=True)
    )
    assert reply is not None and reply.status == MessageStatus.READ


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature-256": "sha1=abc"}],
    ids=["missing", "wrong", "other-algorithm"],
)
async def test_an_unsigned_or_forged_delivery_is_refused_and_stores_nothing(
    web_app: Web, team: Team, headers: dict[str, str]
) -> None:
    response = await web_app.client.post(
        "/intake/whatsapp", json=delivery(text_message("Привіт")), headers=headers
    )
    signed_by_another_app = await post(
        web_app, delivery(text_message("Привіт")), secret="another app secret"
    )

    assert (response.status, signed_by_another_app.status) == (401, 401)
    assert set((await web_app.stored_rows()).values()) == {0}


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "instagram", "entry": []},
        {"object": "whatsapp_business_account"},
        delivery({"messages": [{"from": NUMBER, "id": "x", "type": "text"}]}),
        delivery({"messages": [{"from": NUMBER, "id": "x", "timestamp": "soon", "type": "text"}]}),
        delivery({"statuses": [{"status": "read"}]}),
    ],
    ids=["other-object", "no-entry", "no-timestamp", "bad-timestamp", "status-without-id"],
)
async def test_a_malformed_delivery_is_a_400_and_stores_nothing(
    web_app: Web, team: Team, payload: dict[str, Any]
) -> None:
    response = await post(web_app, payload)

    assert response.status == 400
    assert (await response.json())["error"] == "delivery-invalid"
    assert set((await web_app.stored_rows()).values()) == {0}


class TestNotConfigured:
    @pytest.fixture
    def intake_settings(self) -> IntakeSettings:
        return IntakeSettings()

    async def test_without_the_token_and_secret_the_endpoint_is_not_there(
        self, web_app: Web
    ) -> None:
        verify = await web_app.client.get(
            "/intake/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": ""}
        )
        deliver = await post(web_app, delivery(text_message("Привіт")), secret="")

        assert (verify.status, deliver.status) == (404, 404)
