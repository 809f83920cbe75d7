"""A rep answers a customer on WhatsApp from the customer card: the reply waits in the outbox,
goes out through the Graph API (a local fake of it) after the commit, and Meta's delivery
reports move it on. Outside WhatsApp's 24-hour window nothing is sent and the rep is told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.whatsapp import WhatsAppSender
from bot.settings import Settings
from crm.models import (
    ConversationMessage,
    Direction,
    Lead,
    LeadSource,
    MessageStatus,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from crm.services.conversations import InboundMessage, receive_message
from emulator import RunningEmulator
from tests.bot.conftest import Person, Team, Telegram, settings_for
from tests.fake_graph_api import FakeGraphApi, running_graph_api
from tests.web.conftest import CountingOutbox, ManualClock, Web
from tests.web.test_whatsapp import APP_SECRET, VERIFY_TOKEN, delivery, post, status_report
from web.app import create_web_app
from web.context import IntakeSettings, WebContext
from web.graph_api import GraphApi, WhatsAppCloudApi

NUMBER = "380671234567"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-fake-system-user-token"
REPLY = "Так, доставляємо <завтра> & безкоштовно"


@pytest.fixture
def settings(emulator: RunningEmulator) -> Settings:
    return settings_for(emulator).model_copy(
        update={
            "whatsapp_phone_number_id": PHONE_NUMBER_ID,
            "whatsapp_access_token": SecretStr(ACCESS_TOKEN),
        }
    )


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphApi]:
    async with running_graph_api(ACCESS_TOKEN) as fake:
        yield fake


@pytest.fixture
async def whatsapp_sender(
    graph: FakeGraphApi, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[WhatsAppSender]:
    async with aiohttp.ClientSession() as http:
        api = GraphApi(http, ACCESS_TOKEN, base_url=graph.base_url)
        yield WhatsAppSender(WhatsAppCloudApi(api, PHONE_NUMBER_ID), session_factory)


async def customer_who_wrote(session: AsyncSession, rep: Person, *, hours_ago: float) -> int:
    """A customer who wrote on WhatsApp ``hours_ago``, their lead given to ``rep``."""
    intake = await receive_message(
        session,
        message=InboundMessage(
            channel=LeadSource.WHATSAPP,
            sender_id=NUMBER,
            sender_phone=f"+{NUMBER}",
            sender_name="Олена",
            text="Чи є у вас доставка?",
            sent_at=utcnow() - timedelta(hours=hours_ago),
            message_id="wamid.INBOUND1",
        ),
    )
    assert rep.staff is not None and intake.customer_id is not None
    await session.execute(
        update(Lead).where(Lead.id == intake.lead_id).values(responsible_id=rep.staff.id)
    )
    await session.commit()
    return intake.customer_id


async def outbound(session_factory: async_sessionmaker[AsyncSession]) -> list[ConversationMessage]:
    async with session_factory() as session:
        return list(
            await session.scalars(
                select(ConversationMessage).where(
                    ConversationMessage.direction == Direction.OUTBOUND
                )
            )
        )


async def test_a_reply_from_the_card_goes_out_on_whatsapp_and_its_reports_are_kept(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    graph: FakeGraphApi,
    whatsapp_sender: WhatsAppSender,
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=1)

    card = await telegram.say(team.rep, f"/customer {customer_id}")
    await telegram.press(team.rep, card, "💬 Reply on WhatsApp")
    question = await telegram.latest(team.rep)
    answer = await telegram.say(team.rep, REPLY)

    assert question.text is not None and question.text.startswith("Type your reply to Олена")
    assert answer.text is not None and answer.text.startswith("✅ Reply queued")
    (queued,) = await outbound(session_factory)
    assert (queued.text, queued.status, graph.sent) == (REPLY, MessageStatus.QUEUED, [])

    assert await whatsapp_sender.send_due() == 1
    (sent,) = graph.sent
    assert (sent.phone_number_id, sent.to, sent.text) == (PHONE_NUMBER_ID, NUMBER, REPLY)
    (reply,) = await outbound(session_factory)
    assert (reply.status, reply.provider_message_id) == (MessageStatus.SENT, sent.wamid)

    context = WebContext(
        session_factory,
        CountingOutbox(),
        IntakeSettings(whatsapp_verify_token=VERIFY_TOKEN, whatsapp_app_secret=APP_SECRET),
    )
    async with TestClient(TestServer(create_web_app(context))) as client:
        web_app = Web(client, context, CountingOutbox(), ManualClock(), session_factory)
        for status in ("delivered", "read"):
            report = await post(web_app, delivery(status_report(sent.wamid, status)))
            assert report.status == 200
    (read,) = await outbound(session_factory)
    assert read.status == MessageStatus.READ
    assert await whatsapp_sender.send_due() == 0, "a reply goes out once"


async def test_after_24_hours_the_rep_is_told_and_nothing_is_sent(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    graph: FakeGraphApi,
    whatsapp_sender: WhatsAppSender,
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=25)

    card = await telegram.say(team.rep, f"/customer {customer_id}")
    alert = await telegram.press_for_answer(
        team.rep, card, data=_button_data(card, "💬 Reply on WhatsApp")
    )

    assert alert is not None and alert.startswith("The customer last wrote more than 24 hours")
    assert await outbound(session_factory) == []
    assert await whatsapp_sender.send_due() == 0
    assert graph.sent == []


async def test_a_window_that_closes_while_the_rep_types_sends_nothing(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    graph: FakeGraphApi,
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=1)
    card = await telegram.say(team.rep, f"/customer {customer_id}")
    await telegram.press(team.rep, card, "💬 Reply on WhatsApp")
    await session.execute(
        update(ConversationMessage).values(sent_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    await session.commit()

    answer = await telegram.say(team.rep, REPLY)

    assert answer.text is not None and answer.text.startswith("The customer last wrote")
    assert await outbound(session_factory) == []


async def test_another_rep_cannot_reply_to_a_customer_they_do_not_see(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=1)
    own_card = await telegram.say(team.rep, f"/customer {customer_id}")
    usage = await telegram.say(team.other_rep, "/customer abc")

    answer = await telegram.press_for_answer(
        team.other_rep, usage, data=_button_data(own_card, "💬 Reply on WhatsApp"), forged=True
    )

    assert answer == "Немає доступу"


@pytest.mark.parametrize(
    ("status", "code", "message_status", "outbox_status", "attempts"),
    [
        pytest.param(
            400, 131047, MessageStatus.FAILED, OutboxStatus.FAILED, 0, id="window-closed-at-meta"
        ),
        pytest.param(
            503, 1, MessageStatus.QUEUED, OutboxStatus.PENDING, 1, id="meta-unavailable-retried"
        ),
        pytest.param(
            400, 130429, MessageStatus.QUEUED, OutboxStatus.PENDING, 1, id="throttled-retried"
        ),
    ],
)
async def test_a_refused_reply_is_marked_failed_and_a_passing_trouble_retried(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    graph: FakeGraphApi,
    whatsapp_sender: WhatsAppSender,
    status: int,
    code: int,
    message_status: MessageStatus,
    outbox_status: OutboxStatus,
    attempts: int,
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=1)
    card = await telegram.say(team.rep, f"/customer {customer_id}")
    await telegram.press(team.rep, card, "💬 Reply on WhatsApp")
    await telegram.say(team.rep, REPLY)
    graph.refuse_next(status, code, "refused")

    await whatsapp_sender.send_due()

    (reply,) = await outbound(session_factory)
    async with session_factory() as fresh:
        (row,) = await fresh.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "whatsapp_reply")
        )
    assert (reply.status, row.status, row.attempts) == (message_status, outbox_status, attempts)
    assert graph.sent == []


async def test_the_rep_is_told_in_the_chat_when_whatsapp_refuses_the_reply(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    graph: FakeGraphApi,
    whatsapp_sender: WhatsAppSender,
) -> None:
    customer_id = await customer_who_wrote(session, team.rep, hours_ago=1)
    card = await telegram.say(team.rep, f"/customer {customer_id}")
    await telegram.press(team.rep, card, "💬 Reply on WhatsApp")
    await telegram.say(team.rep, REPLY)
    before = len(await telegram.control.messages(team.rep.user.id))
    graph.refuse_next(400, 131026, "Message undeliverable.")

    await whatsapp_sender.send_due()
    told = (await telegram.control.wait_for_messages(team.rep.user.id, before + 1))[before]

    assert (
        told.text
        == f"⚠️ Your WhatsApp reply to Олена did not go out: WhatsApp refused it. “{REPLY}”"
    )
    assert told.reply_markup is not None
    assert told.reply_markup["inline_keyboard"][0][0]["text"] == "👤 Open the customer"


def _button_data(message: object, text: str) -> str:
    markup = getattr(message, "reply_markup", None) or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if button["text"] == text:
                return str(button["callback_data"])
    raise AssertionError(f"no button {text!r} in {json.dumps(markup, ensure_ascii=False)}")
