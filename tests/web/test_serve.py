"""``crm-bot serve``: Telegram's webhook into the same dispatcher as polling, health,
readiness and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from alembic import command
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.database import create_engine
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.settings import Settings
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, create_serve_app, point_telegram_here
from crm.db import create_session_factory
from crm.migrate import alembic_config
from crm.models import FieldPreset, IntakeKind, Role, Staff
from crm.services.intake import open_channel
from emulator import EmulatorClient, RunningEmulator, SimulatedUser, run_emulator
from tests.conftest import sqlite_url
from tests.emulator.conftest import LocalAiohttpSession
from tests.web.conftest import CountingOutbox, Web
from web.app import create_web_app
from web.context import WebContext

TOKEN = "7000000002:CRM-serve-token"
SECRET = "webhook-secret_0123456789"
ADMIN = SimulatedUser(id=777, first_name="Ada")
SETTLE_TIMEOUT = 10


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(webhook_retry_delays=(0.05, 0.1)) as running:
        running.register_bot(TOKEN, username="serve_crm_bot")
        yield running


def serve_settings(emulator: RunningEmulator, public_url: str = "http://127.0.0.1") -> Settings:
    return Settings(
        bot_token=SecretStr(TOKEN),
        telegram_api_url=emulator.base_url,
        admin_ids=[ADMIN.id],
        database_url="unused",
        public_url=public_url,
        webhook_secret=SecretStr(SECRET),
    )


@pytest.fixture
async def bot(emulator: RunningEmulator) -> AsyncIterator[Bot]:
    bot = create_bot(serve_settings(emulator), session_class=LocalAiohttpSession)
    yield bot
    await bot.session.close()


@pytest.fixture
async def server(
    emulator: RunningEmulator, bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The serve app on a real port, its webhook set in the emulator with the secret."""
    settings = serve_settings(emulator)
    outbox = CountingOutbox()
    dispatcher = create_dispatcher(
        settings, session_factory=session_factory, outbox=outbox, translator=create_translator()
    )
    app = create_serve_app(
        settings, bot=bot, dispatcher=dispatcher, session_factory=session_factory, outbox=outbox
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        public = serve_settings(emulator, public_url=str(client.make_url("/")))
        await point_telegram_here(public, bot, dispatcher)
        yield client


async def test_updates_come_by_webhook_with_the_secret_and_are_answered(
    server: TestClient[web.Request, web.Application], emulator: RunningEmulator
) -> None:
    async with EmulatorClient(emulator.base_url) as telegram:
        webhook = await telegram.webhook()
        await telegram.send_text(ADMIN, "/start")
        (reply,) = await telegram.wait_for_messages(ADMIN.id, 1)
        attempts = await delivery_attempts(telegram, 1)

    assert webhook is not None
    assert webhook["url"].endswith(WEBHOOK_PATH)
    assert webhook["secret_token"] == SECRET
    assert reply.text and "Ada" in reply.text
    assert [(attempt["delivered"], attempt["error"]) for attempt in attempts] == [(True, None)]
    metrics = await (await server.get("/metrics")).text()
    assert 'crm_telegram_updates_total{outcome="handled"} 1.0' in metrics
    assert "crm_telegram_update_seconds_count 1.0" in metrics


async def delivery_attempts(telegram: EmulatorClient, count: int) -> list[dict[str, object]]:
    """The emulator's webhook deliveries, once ``count`` are recorded: each is recorded when
    the server has answered it, after the bot's reply went out."""
    async with asyncio.timeout(SETTLE_TIMEOUT):
        # The control API has no way to wait for a delivery: look often.
        while len(attempts := (await telegram.webhook() or {})["attempts"]) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return list(attempts)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_webhook_request_without_the_secret_is_refused_unread(
    server: TestClient[web.Request, web.Application], emulator: RunningEmulator, secret: str | None
) -> None:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": ADMIN.id, "type": "private"},
            "from": {"id": ADMIN.id, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }

    response = await server.post(WEBHOOK_PATH, json=update, headers=headers)

    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
    async with EmulatorClient(emulator.base_url) as telegram:
        assert await telegram.messages(ADMIN.id) == []
    metrics = await (await server.get("/metrics")).text()
    assert 'crm_telegram_updates_total{outcome="rejected"} 1.0' in metrics


async def test_a_webhook_body_that_is_no_update_is_a_400(
    server: TestClient[web.Request, web.Application],
) -> None:
    for body in (b"{", b"[]", b'{"update_id": "one"}', b"\xff"):
        response = await server.post(
            WEBHOOK_PATH,
            data=body,
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        )
        assert response.status == 400
        assert await response.json() == {"error": "update-invalid"}


async def test_health_and_readiness_on_a_migrated_database(web_app: Web) -> None:
    health = await web_app.client.get("/healthz")
    ready = await web_app.client.get("/readyz")

    assert (health.status, await health.json()) == (200, {"status": "ok"})
    assert (ready.status, await ready.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize("revision", [None, "0002"], ids=["never-migrated", "older"])
async def test_not_ready_while_migrations_are_pending(tmp_path: Path, revision: str | None) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.sqlite3"))
    if revision is not None:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, revision)
    try:
        answer = await _readiness(create_session_factory(engine))
    finally:
        await engine.dispose()

    assert answer == (503, {"status": "migrations-pending"})


async def test_not_ready_without_a_database() -> None:
    # Nothing listens on port 1.
    engine = create_engine("postgresql+asyncpg://crm@127.0.0.1:1/crm")
    try:
        answer = await _readiness(create_session_factory(engine))
    finally:
        await engine.dispose()

    assert answer == (503, {"status": "database-unreachable"})


def _upgrade_to(connection: object, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def _readiness(
    session_factory: async_sessionmaker[AsyncSession],
) -> tuple[int, dict[str, str]]:
    app = create_web_app(WebContext(session_factory, CountingOutbox()))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/readyz")
        return response.status, await response.json()


async def test_metrics_count_intake_by_channel_and_outcome_and_show_the_outbox(
    web_app: Web, session: AsyncSession
) -> None:
    admin = Staff(telegram_id=1, display_name="Ada", role=Role.ADMIN)
    session.add(admin)
    await session.commit()
    form = await open_channel(
        session,
        actor=admin,
        kind=IntakeKind.WEB_FORM,
        name="Site",
        responsible_id=None,
        preset=FieldPreset.GENERIC,
    )
    await session.commit()
    url = f"/intake/forms/{form.key}"
    await web_app.client.post(url, json={"name": "Olena"}, headers={"X-Form-Secret": form.secret})
    await web_app.client.post(url, json={"name": "Ivan"})
    await web_app.client.post("/intake/forms/nope", json={"name": "Ivan"})

    response = await web_app.client.get("/metrics")
    text = await response.text()

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert 'crm_intake_requests_total{channel="form",outcome="created"} 1.0' in text
    assert 'crm_intake_requests_total{channel="form",outcome="unauthorized"} 1.0' in text
    assert 'crm_intake_requests_total{channel="form",outcome="unknown-key"} 1.0' in text
    # The admin is told of the new lead: one message waits in the outbox.
    assert "crm_outbox_pending 1.0" in text
    assert "crm_outbox_failed 0.0" in text
    assert "crm_database_up 1.0" in text


def test_serve_says_what_to_set_without_a_public_url_or_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "crm.sqlite3"))
    for name in ("PUBLIC_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(SystemExit) as stopped:
        main(["serve"])

    assert "PUBLIC_URL and WEBHOOK_SECRET must be set" in str(stopped.value)


async def test_unknown_paths_and_methods_are_answered_in_json(web_app: Web) -> None:
    missing = await web_app.client.get("/nothing/here")
    wrong_method = await web_app.client.get("/intake/forms/some-key")

    assert (missing.status, await missing.json()) == (404, {"error": "not-found"})
    assert (wrong_method.status, await wrong_method.json()) == (
        405,
        {"error": "method-not-allowed"},
    )
    assert wrong_method.headers["Allow"] == "POST"
