"""Two ``crm-bot serve`` processes on one PostgreSQL and Redis, behind a round-robin balancer
(a small aiohttp proxy here): both answer health checks, Telegram's webhook updates are each
answered once whichever process takes them, and the same delivery sent to both at once (a
form submission, a WhatsApp message) becomes one lead."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from itertools import count

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import IntakeKind, Lead, LeadSource, Role, Staff
from crm.services.intake import open_channel
from emulator import EmulatorClient, RunningEmulator, SimulatedUser, run_emulator
from tests.web.test_serve import delivery_attempts
from tests.web.test_whatsapp import delivery, text_message

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TOKEN = "7000000003:serve-pair-test"
SECRET = "pair-webhook-secret_0123456789"
APP_SECRET = "pair-app-secret-0123456789abcdef"
ADMIN = SimulatedUser(id=888, first_name="Ada")
READY_WITHIN = 120
REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(params=["postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(webhook_retry_delays=(0.1, 0.2)) as running:
        running.register_bot(TOKEN, username="serve_pair_bot")
        yield running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def round_robin(backends: list[str]) -> web.Application:
    """A load balancer: each request to the next backend in turn, passed on as it came."""
    turns = count()

    async def forward(request: web.Request) -> web.Response:
        backend = backends[next(turns) % len(backends)]
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                request.method,
                backend + request.path_qs,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                data=await request.read(),
            ) as answer,
        ):
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                content_type=answer.content_type,
                headers={"X-Backend": backend},
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


@contextmanager
def serve_processes(env: dict[str, str], ports: list[int]) -> Iterator[None]:
    started = [
        subprocess.Popen([sys.executable, "-m", "bot", "serve"], env={**env, "PORT": str(port)})
        for port in ports
    ]
    try:
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_until_ready(http: aiohttp.ClientSession, backend: str) -> None:
    async with asyncio.timeout(READY_WITHIN):
        while True:  # another process starts: nothing to await but its answer
            try:
                async with http.get(f"{backend}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)


async def leads_from(session: AsyncSession, source: LeadSource) -> int:
    await session.rollback()
    return await session.scalar(select(func.count()).where(Lead.source == source)) or 0


async def test_two_processes_share_the_webhook_and_take_each_delivery_in_once(
    emulator: RunningEmulator, database_url: str, session: AsyncSession
) -> None:
    if not REDIS_URL:
        pytest.fail("TEST_REDIS_URL must be set: two processes share FSM state in Redis")
    admin = Staff(telegram_id=1, display_name="Admin", role=Role.ADMIN)
    session.add(admin)
    await session.flush()
    form = await open_channel(
        session, actor=admin, kind=IntakeKind.WEB_FORM, name="Site", responsible_id=None
    )
    await session.commit()
    ports = [free_port(), free_port()]
    backends = [f"http://127.0.0.1:{port}" for port in ports]
    balancer = TestServer(round_robin(backends), host="127.0.0.1")
    await balancer.start_server()
    public_url = str(balancer.make_url("")).rstrip("/")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url,
        "PUBLIC_URL": public_url,
        "WEBHOOK_SECRET": SECRET,
        "HOST": "127.0.0.1",
        "ADMIN_IDS": str(ADMIN.id),
        "WHATSAPP_VERIFY_TOKEN": "verify",
        "WHATSAPP_APP_SECRET": APP_SECRET,
    }
    try:
        with serve_processes(env, ports):
            async with (
                aiohttp.ClientSession() as http,
                EmulatorClient(emulator.base_url) as telegram,
            ):
                for backend in backends:
                    await wait_until_ready(http, backend)
                await _check_both_answer_health(http, public_url, backends)
                await _check_updates_are_answered_once(telegram)
                await _check_a_form_sent_to_both_is_one_lead(
                    http, public_url, form.key, form.secret
                )
                await _check_a_whatsapp_message_sent_to_both_is_one_lead(http, public_url)
    finally:
        await balancer.close()
    assert await leads_from(session, LeadSource.WEB_FORM) == 1
    assert await leads_from(session, LeadSource.WHATSAPP) == 1


async def _check_both_answer_health(
    http: aiohttp.ClientSession, public_url: str, backends: list[str]
) -> None:
    answered_by = []
    for _ in range(4):
        async with http.get(f"{public_url}/healthz") as response:
            assert response.status == 200
            answered_by.append(response.headers["X-Backend"])
    assert sorted(set(answered_by)) == sorted(backends)


async def _check_updates_are_answered_once(telegram: EmulatorClient) -> None:
    for _ in range(4):
        await telegram.send_text(ADMIN, "/start")
    attempts = await delivery_attempts(telegram, 4)
    replies = await telegram.messages(ADMIN.id)
    assert [attempt["delivered"] for attempt in attempts] == [True] * 4
    assert len(replies) == 4
    assert all(reply.text and "Ada" in reply.text for reply in replies)


async def _check_a_form_sent_to_both_is_one_lead(
    http: aiohttp.ClientSession, public_url: str, key: str, secret: str
) -> None:
    async def submit() -> int:
        async with http.post(
            f"{public_url}/intake/forms/{key}",
            json={"name": "Марко", "phone": "+380501112233"},
            headers={"X-Form-Secret": secret, "Idempotency-Key": "submission-1"},
        ) as response:
            return response.status

    assert await asyncio.gather(submit(), submit(), submit(), submit()) == [200] * 4


async def _check_a_whatsapp_message_sent_to_both_is_one_lead(
    http: aiohttp.ClientSession, public_url: str
) -> None:
    body = json.dumps(delivery(text_message("Доброго дня!"))).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    async def deliver() -> int:
        async with http.post(
            f"{public_url}/intake/whatsapp",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        ) as response:
            return response.status

    assert await asyncio.gather(deliver(), deliver(), deliver(), deliver()) == [200] * 4
