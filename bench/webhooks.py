"""Outgoing webhooks: the real ``WebhookSender`` draining deliveries that are due at once to
a local aiohttp receiver, on each database, and a bare aiohttp client posting the same bodies
to the same receiver as the baseline. The receiver runs in a process of its own, as a real
one is on another machine (bench/webhook_receiver.py).

Two shapes: every delivery for one webhook (one request in flight at a time, as the sender
keeps a webhook's events in order; the baseline posts one after another), and the same
number spread over several webhooks (the baseline posts with as many loops side by side).
The receiver counts each ``webhook-id`` it answers, so a delivery made twice would show."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.report import Measurement
from bot.database import create_engine
from bot.delivery.webhooks import WebhookSender
from bot.runner import BACKGROUND_CONNECTIONS
from crm import events, webhooks
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import (
    OutboxStatus,
    Role,
    Staff,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from crm.services.pipelines import ensure_default_pipeline
from crm.services.webhooks import create_webhook, delete_webhook, list_webhooks
from crm.webhook_targets import TargetPolicy

DELIVERIES = 2_000
SPREAD_OVER = 8
TARGET_PER_SECOND = 200.0
LOCAL = TargetPolicy(allow_private=True)
REPO = Path(__file__).resolve().parents[1]


class Receiver:
    """bench/webhook_receiver.py in a process of its own: it answers 200 to every POST and
    counts each webhook's ``webhook-id``s, so a delivery made twice would show."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.control: aiohttp.ClientSession | None = None
        self.base = ""
        self.url = ""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.webhook_receiver",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        port = int(await self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/hooks"
        self.control = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))

    async def expect(self, count: int) -> None:
        assert self.control is not None
        async with self.control.post(f"{self.base}/expect/{count}") as response:
            response.raise_for_status()

    async def all_arrived(self) -> Arrived:
        """Once as many requests as expected arrived: how many, how many distinct."""
        assert self.control is not None
        async with self.control.get(f"{self.base}/done") as response:
            return Arrived(**await response.json())

    async def stop(self) -> None:
        if self.control is not None:
            await self.control.close()
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@dataclass(frozen=True, slots=True)
class Arrived:
    total: int
    distinct: int
    twice: int


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url, pool_size=BACKGROUND_CONNECTIONS, max_overflow=0)
    await upgrade_to_head(engine)
    session_factory = create_session_factory(engine)
    receiver = Receiver()
    await receiver.start()
    rows = []
    try:
        for hooks in (1, SPREAD_OVER):
            rows.append(await _measure(backend, session_factory, receiver, hooks))
    finally:
        await receiver.stop()
        await engine.dispose()
    return rows


async def _measure(
    backend: str,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    hooks: int,
) -> Measurement:
    print(f"[{backend}] queueing {DELIVERIES:,} deliveries for {hooks} webhook(s) ...", flush=True)
    bodies = await _queue(session_factory, receiver.url, hooks)
    await receiver.expect(len(bodies))
    baseline = await _bare_posts(bodies, hooks)

    await receiver.expect(len(bodies))
    sender = WebhookSender(session_factory, policy=LOCAL, lease=timedelta(minutes=5))
    started = time.perf_counter()
    sending = asyncio.create_task(sender.run())
    arrived = await receiver.all_arrived()
    seconds = time.perf_counter() - started
    sender.stop()
    await sending
    await _check_all_sent(session_factory, arrived, len(bodies))
    rate = len(bodies) / seconds
    return Measurement(
        name=f"webhook sender, {len(bodies):,} deliveries to {hooks} webhook(s)",
        backend=backend,
        value=rate,
        unit="deliveries/s",
        baseline=baseline,
        baseline_name=f"bare aiohttp posts, {hooks} at a time",
        target=f">= {TARGET_PER_SECOND:.0f}/s",
        met=rate >= TARGET_PER_SECOND,
    )


async def _queue(
    session_factory: async_sessionmaker[AsyncSession], base_url: str, hooks: int
) -> list[tuple[str, str]]:
    """Fresh webhooks (the last run's deleted), each lead-created event queued for one of
    them in turn; the (url, body) of every delivery."""
    async with session_factory() as session:
        await ensure_default_pipeline(session)
        admin = await session.scalar(select(Staff).where(Staff.role == Role.ADMIN))
        if admin is None:
            admin = Staff(telegram_id=1, display_name="Bench admin", role=Role.ADMIN)
            session.add(admin)
            await session.flush()
        for earlier in await list_webhooks(session, actor=admin):
            await delete_webhook(session, actor=admin, webhook_id=earlier.id)
        first = await session.scalar(select(func.count()).select_from(Webhook)) or 0
        made = [
            await create_webhook(
                session,
                actor=admin,
                url=f"{base_url}/{first + number}",
                events=[WebhookEvent.LEAD_CREATED],
                policy=LOCAL,
            )
            for number in range(hooks)
        ]
        lead = await create_lead(session, actor=admin, draft=LeadDraft(title="Олена Петренко"))
        events.take_collected(session)
        # One event the product's way, for every webhook; the rest are copies of it, each
        # under its own id, for the webhooks in turn.
        happened = events.LeadCreated(
            actor_id=admin.id, lead_id=lead.id, responsible_id=admin.id, source="manual"
        )
        await webhooks.enqueue_deliveries(session, [happened])
        await session.flush()
        sample = await session.scalar(
            select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(1)
        )
        assert sample is not None
        for number in range(DELIVERIES - hooks):
            event_id = f"evt_{uuid.uuid4().hex}"
            session.add(
                WebhookDelivery(
                    webhook_id=made[number % hooks].id,
                    event_id=event_id,
                    event_type=sample.event_type,
                    body=json.dumps(json.loads(sample.body) | {"id": event_id}),
                    due_at=sample.due_at,
                )
            )
        await session.commit()
        rows = await session.execute(
            select(Webhook.url, WebhookDelivery.body)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == OutboxStatus.PENDING)
            .order_by(WebhookDelivery.id)
        )
        return [(url, body) for url, body in rows]


async def _bare_posts(bodies: list[tuple[str, str]], loops: int) -> float:
    """Posts a second: the same bodies to the same addresses, ``loops`` side by side."""
    async with aiohttp.ClientSession() as client:
        started = time.perf_counter()

        async def post_every(share: list[tuple[str, str]]) -> None:
            for url, body in share:
                async with client.post(
                    url, data=body.encode(), headers={"content-type": "application/json"}
                ) as response:
                    await response.read()

        await asyncio.gather(*(post_every(bodies[start::loops]) for start in range(loops)))
        return len(bodies) / (time.perf_counter() - started)


async def _check_all_sent(
    session_factory: async_sessionmaker[AsyncSession], arrived: Arrived, count: int
) -> None:
    async with session_factory() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == OutboxStatus.PENDING)
        )
    if arrived.twice or waiting or arrived.distinct != count:
        print(f"!!! {arrived.twice} delivered twice, {waiting} not sent !!!")
