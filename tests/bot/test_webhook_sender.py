"""The webhook sender against real receivers: a separate process that fails the first
attempts, dies mid-request and is restarted gets every event exactly once, in order, each
signature checked here by an independent HMAC; refused addresses are never connected to;
redirects are not followed; no more than 64 KB of an answer is read."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.database import create_engine
from bot.delivery import webhooks as sending
from bot.delivery.webhooks import ANSWER_READ_MAX, WebhookSender
from crm import outbox, webhooks
from crm.db import create_session_factory
from crm.models import (
    OutboxStatus,
    Role,
    Staff,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from crm.notifications import commit_with_notifications
from crm.outbox import RetryPolicy
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from crm.services.webhooks import create_webhook
from crm.wakeups import Queue, Wakeups
from crm.webhook_targets import TargetPolicy
from tests.bot.webhook_receiver import requests_logged
from tests.waking import AN_HOUR, FAILS_AFTER_SECONDS, LateClock

LOCAL = TargetPolicy(allow_private=True)
PUBLIC_ONLY = TargetPolicy()
NO_WAIT = RetryPolicy(backoff_cap=timedelta(0), give_up_after=timedelta(hours=24))
MOST_ROUNDS = 50
REPO = Path(__file__).resolve().parents[2]


def independent_signature(secret: str, message_id: str, timestamp: str, body: str) -> str:
    """The Standard Webhooks signature, computed without the sender's library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class ReceiverProcess:
    """tests/bot/webhook_receiver.py in a process of its own, which can be killed."""

    def __init__(self, log: Path, fail_first: int, die_at: int) -> None:
        self.log = log
        self.fail_first = fail_first
        self.die_at = die_at
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, port: int = 0) -> int:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bot.webhook_receiver",
            f"--port={port}",
            f"--log={self.log}",
            f"--fail-first={self.fail_first}",
            f"--die-at={self.die_at}",
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        return int(await self.process.stdout.readline())

    async def died(self) -> None:
        assert self.process is not None
        assert await self.process.wait() != 0

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def requests(self) -> list[dict[str, object]]:
        return requests_logged(self.log)


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[ReceiverProcess]:
    # 503 three times, 200 once, then a crash while the fifth request is in flight.
    process = ReceiverProcess(tmp_path / "requests.jsonl", fail_first=3, die_at=4)
    yield process
    await process.kill()


@pytest.fixture
async def admin(session: AsyncSession) -> Staff:
    staff = Staff(telegram_id=7001, display_name="Ada", role=Role.ADMIN)
    session.add(staff)
    await session.commit()
    return staff


async def a_webhook(session: AsyncSession, admin: Staff, url: str) -> Webhook:
    webhook = await create_webhook(
        session, actor=admin, url=url, events=[WebhookEvent.LEAD_CREATED], policy=LOCAL
    )
    await session.commit()
    return webhook


async def leads_created(session: AsyncSession, admin: Staff, titles: list[str]) -> None:
    for title in titles:
        await create_lead(session, actor=admin, draft=LeadDraft(title=title))
        await commit_with_notifications(session)


async def rounds_until(sender: WebhookSender, done: Callable[[], object]) -> None:
    for _ in range(MOST_ROUNDS):
        if done():
            return
        await sender.send_due()
    raise AssertionError("the sender did not get there")


async def statuses(session: AsyncSession) -> list[OutboxStatus]:
    rows = await session.scalars(
        select(WebhookDelivery.status)
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def logged_attempts(session: AsyncSession) -> list[WebhookAttempt]:
    return list(await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


async def test_every_event_reaches_a_failing_killed_and_restarted_receiver_exactly_once(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    receiver: ReceiverProcess,
) -> None:
    port = await receiver.start()
    webhook = await a_webhook(session, admin, f"http://127.0.0.1:{port}/hooks")
    titles = ["one", "two", "three", "four", "five"]
    await leads_created(session, admin, titles)

    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await rounds_until(sender, lambda: len(receiver.requests()) > 4)
    await receiver.died()
    await sender.send_due()  # nobody listens now
    await sender.close()
    await session.refresh(webhook)
    failures_since_the_success = webhook.consecutive_failures
    # A new process's sender carries on where the last one stopped.
    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await receiver.start(port)
    await rounds_until(sender, lambda: len(receiver.requests()) >= 4 + len(titles))
    nothing_more = await sender.send_due()
    await sender.close()

    requests = receiver.requests()
    delivered = [r for r in requests if r["status"] == 200]
    assert [json.loads(str(r["body"]))["data"]["lead"]["title"] for r in delivered] == titles
    assert len({r["id"] for r in delivered}) == len(titles)
    assert [r["status"] for r in requests] == [503, 503, 503, 200, 0, 200, 200, 200, 200]
    # The retries of the first event carry its id: the receiver's idempotency key.
    assert {r["id"] for r in requests[:4]} == {requests[0]["id"]}
    for request in requests:
        expected = independent_signature(
            webhook.secret, str(request["id"]), str(request["timestamp"]), str(request["body"])
        )
        assert request["signature"] == expected
    assert nothing_more == 0
    await session.refresh(webhook)
    assert webhook.consecutive_failures == 0
    assert await statuses(session) == [OutboxStatus.SENT] * len(titles)
    # The second event: unanswered as the receiver died, refused while it was down, then taken.
    log = [(a.attempt, a.status_code) for a in await logged_attempts(session)]
    first = [(1, 503), (2, 503), (3, 503), (4, 200)]
    assert log == [*first, (1, None), (2, None), (3, 200), (1, 200), (1, 200), (1, 200)]
    assert failures_since_the_success == 2


@pytest.fixture
async def local_server() -> AsyncIterator[tuple[TestServer, list[str]]]:
    """An in-process receiver: ``/redirect`` answers 302 to ``/elsewhere``, ``/huge`` sends
    200 and more than 64 KB and then never ends its answer."""
    hits: list[str] = []
    finish = asyncio.Event()

    async def record(request: web.Request) -> web.StreamResponse:
        hits.append(request.path)
        if request.path == "/redirect":
            raise web.HTTPFound("/elsewhere")
        if request.path == "/huge":
            response = web.StreamResponse()
            await response.prepare(request)
            await response.write(b"x" * (ANSWER_READ_MAX + 1024))
            await finish.wait()
            return response
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{path}", record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, hits
    finish.set()
    await server.close()


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    local_server: tuple[TestServer, list[str]],
) -> None:
    server, hits = local_server
    await a_webhook(session, admin, str(server.make_url("/redirect")))
    await leads_created(session, admin, ["moved"])

    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await sender.send_due()
    await sender.close()

    assert hits == ["/redirect"]
    assert await statuses(session) == [OutboxStatus.PENDING]
    assert [a.status_code for a in await logged_attempts(session)] == [302]


async def test_an_endless_answer_is_read_to_64_kb_and_no_further(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    local_server: tuple[TestServer, list[str]],
) -> None:
    server, _ = local_server
    await a_webhook(session, admin, str(server.make_url("/huge")))
    await leads_created(session, admin, ["chatty"])

    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await sender.send_due()
    await sender.close()

    assert await statuses(session) == [OutboxStatus.SENT]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_private_address_is_never_connected_to_when_not_allowed(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    local_server: tuple[TestServer, list[str]],
    host: str,
) -> None:
    """Stored while allowed (or resolving elsewhere then): checked again at every send."""
    server, hits = local_server
    await a_webhook(session, admin, f"http://{host}:{server.port}/hooks")
    await leads_created(session, admin, ["inside"])

    sender = WebhookSender(session_factory, policy=PUBLIC_ONLY, retries=NO_WAIT)
    await sender.send_due()
    await sender.close()

    assert hits == []
    (attempt,) = await logged_attempts(session)
    assert attempt.status_code is None
    assert attempt.error is not None and "webhook-url-private" in attempt.error
    assert await statuses(session) == [OutboxStatus.PENDING]


async def test_a_commit_that_queues_a_delivery_wakes_the_idle_sender_at_once(
    engine: AsyncEngine, session: AsyncSession, admin: Staff
) -> None:
    received: list[str] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append(await request.text())
        arrived.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await a_webhook(session, admin, str(server.make_url("/hook")))
    wakeups = Wakeups()
    session_factory = create_session_factory(engine, wakeups=wakeups)
    clock = LateClock()
    sender = WebhookSender(session_factory, policy=LOCAL, clock=clock, poll_seconds=AN_HOUR)
    wakeups.register(Queue.WEBHOOK_DELIVERIES, sender)
    running = asyncio.create_task(sender.run())
    await clock.read.wait()  # it looked, found nothing due by its clock, and waits an hour
    clock.catch_up()

    async with session_factory() as writer:
        await leads_created(writer, admin, ["woken"])
    await asyncio.wait_for(arrived.wait(), FAILS_AFTER_SECONDS)
    sender.stop()
    await running
    await server.close()

    assert [json.loads(body)["data"]["lead"]["title"] for body in received] == ["woken"]
    assert await statuses(session) == [OutboxStatus.SENT]


async def test_a_database_that_does_not_answer_does_not_stop_the_sender() -> None:
    engine = create_engine("postgresql+asyncpg://crm@127.0.0.1:1/crm")  # nothing listens
    clock = LateClock()
    sender = WebhookSender(
        create_session_factory(engine), policy=LOCAL, clock=clock, poll_seconds=AN_HOUR
    )
    running = asyncio.create_task(sender.run())
    await asyncio.wait_for(clock.read.wait(), FAILS_AFTER_SECONDS)
    clock.read.clear()
    sender.wake()

    await asyncio.wait_for(clock.read.wait(), FAILS_AFTER_SECONDS)  # it looked again
    sender.stop()
    await running  # and stops cleanly, though its claims could not be handed back
    await engine.dispose()


class ScriptedReceiver:
    """An in-process receiver: each request gets the next of ``answers`` (200 once they run
    out) after ``delay`` seconds; it keeps what arrived, in order, and how many requests to one
    address were ever in flight at once. ``on_request`` runs as each one arrives."""

    def __init__(self, answers: list[int], *, delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.arrived: list[tuple[str, str, str]] = []  # (path, title, event id)
        self.in_flight: Counter[str] = Counter()
        self.most_in_flight = 0
        self.on_request: Callable[[], None] = lambda: None
        self.server: TestServer | None = None

    async def receive(self, request: web.Request) -> web.Response:
        self.in_flight[request.path] += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight[request.path])
        body = json.loads(await request.read())
        self.arrived.append((request.path, body["data"]["lead"]["title"], body["id"]))
        self.on_request()
        await asyncio.sleep(self.delay)
        self.in_flight[request.path] -= 1
        return web.Response(status=self.answers.pop(0) if self.answers else 200)

    def titles(self, path: str = "/hooks") -> list[str]:
        return [title for arrived_at, title, _ in self.arrived if arrived_at == path]

    def url(self, path: str = "/hooks") -> str:
        assert self.server is not None
        return str(self.server.make_url(path))


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[..., Awaitable[ScriptedReceiver]]]:
    servers: list[TestServer] = []

    async def start(answers: list[int], *, delay: float = 0.0) -> ScriptedReceiver:
        receiver = ScriptedReceiver(answers, delay=delay)
        app = web.Application()
        app.router.add_post("/{path}", receiver.receive)
        receiver.server = TestServer(app, host="127.0.0.1")
        await receiver.server.start_server()
        servers.append(receiver.server)
        return receiver

    yield start
    for server in servers:
        await server.close()


async def claims(session: AsyncSession) -> list[str | None]:
    rows = await session.scalars(
        select(WebhookDelivery.claimed_by)
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def until_all_sent(sender: WebhookSender, session: AsyncSession) -> None:
    async def all_sent() -> bool:
        return set(await statuses(session)) == {OutboxStatus.SENT}

    for _ in range(MOST_ROUNDS):
        if await all_sent():
            return
        await sender.send_due()
    raise AssertionError("the sender did not get there")


async def test_each_webhooks_events_arrive_in_order_one_at_a_time_across_runs(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    scripted: Callable[..., Awaitable[ScriptedReceiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sending, "RUN", 3)
    receiver = await scripted([], delay=0.005)
    await a_webhook(session, admin, receiver.url("/first"))
    await a_webhook(session, admin, receiver.url("/second"))
    titles = [f"lead {number}" for number in range(8)]
    await leads_created(session, admin, titles)

    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await until_all_sent(sender, session)
    await sender.close()

    assert receiver.titles("/first") == titles
    assert receiver.titles("/second") == titles
    assert receiver.most_in_flight == 1
    assert len({event_id for _, _, event_id in receiver.arrived}) == len(titles)
    assert [(a.attempt, a.status_code) for a in await logged_attempts(session)] == [(1, 200)] * 16


async def test_a_failure_in_the_middle_of_a_run_leaves_the_rest_to_follow_it_in_order(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    scripted: Callable[..., Awaitable[ScriptedReceiver]],
) -> None:
    receiver = await scripted([200, 200, 503])
    await a_webhook(session, admin, receiver.url())
    titles = ["one", "two", "three", "four", "five"]
    await leads_created(session, admin, titles)

    sender = WebhookSender(session_factory, policy=LOCAL, retries=NO_WAIT)
    await sender.send_due()
    after_the_failure = (receiver.titles(), await statuses(session), await claims(session))
    await until_all_sent(sender, session)
    await sender.close()

    sent, pending = OutboxStatus.SENT, OutboxStatus.PENDING
    assert after_the_failure == (
        ["one", "two", "three"],
        [sent, sent, pending, pending, pending],
        [None] * 5,  # the rest of the run handed back, not left to its lease
    )
    assert receiver.titles() == ["one", "two", "three", "three", "four", "five"]
    log = [(a.attempt, a.status_code) for a in await logged_attempts(session)]
    assert log == [(1, 200), (1, 200), (1, 503), (2, 200), (1, 200), (1, 200)]


class MovingClock:
    """The sender's clock, moved forward by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


async def test_a_run_stops_where_its_lease_would_not_outlast_another_request(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    scripted: Callable[..., Awaitable[ScriptedReceiver]],
) -> None:
    receiver = await scripted([])
    await a_webhook(session, admin, receiver.url())
    titles = ["one", "two", "three"]
    await leads_created(session, admin, titles)
    clock = MovingClock()
    receiver.on_request = lambda: clock.advance(timedelta(seconds=6))  # a slow receiver

    lease = sending.LEASE_LEFT_FOR_A_REQUEST + timedelta(seconds=5)
    sender = WebhookSender(session_factory, policy=LOCAL, clock=clock, lease=lease)
    await sender.send_due()
    first_round = (receiver.titles(), await claims(session))
    await until_all_sent(sender, session)
    await sender.close()

    assert first_round == (["one"], [None, None, None])
    assert receiver.titles() == titles


async def test_successes_left_unsettled_go_again_under_their_ids_after_the_first_arrivals(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    admin: Staff,
    scripted: Callable[..., Awaitable[ScriptedReceiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails to settle the first success: the run stops after the request in
    flight meanwhile, and both go again once their lease runs out, as after a crash."""
    receiver = await scripted([])
    await a_webhook(session, admin, receiver.url())
    titles = ["one", "two", "three", "four"]
    await leads_created(session, admin, titles)
    settle_delivered = webhooks.settle_delivered
    failures = [ConnectionResetError("the database went away")]

    async def settle_unless_failing(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await settle_delivered(*args, **kwargs)

    monkeypatch.setattr(webhooks, "settle_delivered", settle_unless_failing)
    sender = WebhookSender(session_factory, policy=LOCAL)
    await sender.send_due()
    first_round = receiver.titles()
    clock = MovingClock()
    clock.advance(outbox.LEASE)
    later = WebhookSender(session_factory, policy=LOCAL, clock=clock)
    await until_all_sent(later, session)
    await sender.close()
    await later.close()

    assert first_round == ["one", "two"]
    assert receiver.titles() == ["one", "two", "one", "two", "three", "four"]
    ids = [event_id for _, _, event_id in receiver.arrived]
    assert ids[2:4] == ids[:2]
    assert len(set(ids)) == len(titles)
