"""The website's chat widget: a visitor's first message opens a lead, the next ones join it;
the widget proves itself with the signed address, and browsers may read the answers."""

from __future__ import annotations

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
    IntakeChannel,
    IntakeKind,
    Lead,
    LeadSource,
    Staff,
)
from crm.services.intake import address_signature, open_channel
from tests.web.conftest import Team, Web, outbox_kinds


async def new_chat(session: AsyncSession, admin: Staff, responsible: Staff | None) -> IntakeChannel:
    chat = await open_channel(
        session,
        actor=admin,
        kind=IntakeKind.WEBSITE_CHAT,
        name="Site chat",
        responsible_id=responsible.id if responsible else None,
    )
    await session.commit()
    return chat


async def say(web_app: Web, chat: IntakeChannel, message: dict[str, Any]) -> ClientResponse:
    """What the widget on the page sends: JSON to the signed address."""
    return await web_app.client.post(
        f"/intake/chat/{chat.key}", params={"sig": address_signature(chat)}, json=message
    )


async def all_of(web_app: Web, model: type[Any]) -> list[Any]:
    async with web_app.sessions() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def test_a_visitors_first_message_opens_a_lead_and_the_next_ones_join_it(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    chat = await new_chat(session, team.admin, team.rep)

    first = await say(
        web_app, chat, {"visitor_id": "v-81f3", "text": "Hi, do you deliver to Lviv?"}
    )
    told_after_first = len(await outbox_kinds(web_app.sessions))
    second = await say(
        web_app,
        chat,
        {
            "visitor_id": "v-81f3",
            "text": "I'm Ivan, ivan@example.com",
            "name": "Ivan",
            "email": "ivan@example.com",
        },
    )

    assert (first.status, second.status) == (200, 200)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    (lead,) = await all_of(web_app, Lead)
    (conversation,) = await all_of(web_app, Conversation)
    (customer,) = await all_of(web_app, Customer)
    assert (lead.title, lead.source, lead.source_detail, lead.responsible_id) == (
        "v-81f3",
        LeadSource.WEBSITE_CHAT,
        "Site chat",
        team.rep.id,
    )
    assert lead.customer_id == customer.id == conversation.customer_id
    assert conversation.channel == "website_chat"
    assert [m.text for m in await all_of(web_app, ConversationMessage)] == [
        "Hi, do you deliver to Lviv?",
        "I'm Ivan, ivan@example.com",
    ]
    assert (await outbox_kinds(web_app.sessions))[told_after_first:] == [
        (team.rep.id, notifications.LEAD_RETURNED)
    ]


async def test_two_sites_visitors_with_one_id_are_two_people(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    one = await new_chat(session, team.admin, team.rep)
    other = await new_chat(session, team.admin, team.rep)

    await say(web_app, one, {"visitor_id": "1", "text": "Hello"})
    await say(web_app, other, {"visitor_id": "1", "text": "Hello"})

    assert len(await all_of(web_app, Lead)) == 2
    assert len(await all_of(web_app, Conversation)) == 2


async def test_a_resent_message_is_taken_in_once(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    chat = await new_chat(session, team.admin, team.rep)
    message = {"visitor_id": "v-1", "text": "Hello", "message_id": "m-1"}

    answers = [await say(web_app, chat, message) for _ in range(3)]

    assert [answer.status for answer in answers] == [200, 200, 200]
    assert len(await all_of(web_app, ConversationMessage)) == 1


async def test_a_server_may_use_the_secret_instead_of_the_signature(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    chat = await new_chat(session, team.admin, None)

    response = await web_app.client.post(
        f"/intake/chat/{chat.key}",
        json={"visitor_id": "v-2", "text": "Hello", "phone": "0671234567"},
        headers={"X-Chat-Secret": chat.secret},
    )

    assert response.status == 200
    (lead,) = await all_of(web_app, Lead)
    assert lead.phone == "+380671234567"
    assert lead.responsible_id in (team.rep.id, team.other_rep.id), "a rep in turn"


async def test_browsers_are_allowed_to_post_from_any_page(web_app: Web) -> None:
    response = await web_app.client.options(
        "/intake/chat/some-key",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "POST"


@pytest.mark.parametrize(
    "params, body, content_type, status, error",
    [
        (
            {"sig": "f" * 64},
            b'{"visitor_id": "v", "text": "x"}',
            "application/json",
            401,
            {"error": "unauthorized"},
        ),
        (None, b"visitor_id=v&text=x", "application/x-www-form-urlencoded", 415, None),
        (
            None,
            b'{"visitor_id": "v"}',
            "application/json",
            400,
            {"error": "message-invalid", "field": "text"},
        ),
        (
            None,
            b'{"visitor_id": "", "text": "x"}',
            "application/json",
            400,
            {"error": "message-invalid", "field": "visitor_id"},
        ),
        (
            None,
            b'{"visitor_id": "v", "text": "x\\u0000"}',
            "application/json",
            400,
            {"error": "text-has-nul", "field": "text"},
        ),
        (None, b"{", "application/json", 400, {"error": "message-invalid"}),
    ],
    ids=["bad-signature", "form-encoded", "no-text", "empty-visitor", "nul", "broken-json"],
)
async def test_a_refused_message_stores_nothing_and_the_browser_can_read_why(
    web_app: Web,
    session: AsyncSession,
    team: Team,
    params: dict[str, str] | None,
    body: bytes,
    content_type: str,
    status: int,
    error: dict[str, str] | None,
) -> None:
    chat = await new_chat(session, team.admin, team.rep)

    response = await web_app.client.post(
        f"/intake/chat/{chat.key}",
        params=params or {"sig": address_signature(chat)},
        data=body,
        headers={"Content-Type": content_type},
    )

    assert response.status == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if error is not None:
        assert await response.json() == error
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_a_forms_key_is_no_chat(web_app: Web, session: AsyncSession, team: Team) -> None:
    form = await open_channel(
        session, actor=team.admin, kind=IntakeKind.WEB_FORM, name="Form", responsible_id=None
    )
    await session.commit()

    response = await web_app.client.post(
        f"/intake/chat/{form.key}",
        params={"sig": address_signature(form)},
        json={"visitor_id": "v", "text": "x"},
    )

    assert response.status == 404
