"""Delivery: what the product sends without being asked, measured three ways on each database.

1. Messages due at once in the outbox, sent by the real ``OutboxSender`` through the real Bot API
   emulator with Telegram's limits on, spread over enough chats that the overall limit, not the
   per-chat one, bounds the rate. Each message's text is unique, so what every chat received
   shows what was delivered and what twice. The baseline: the same emulator fed by a bare
   aiogram ``Bot`` in a send loop paced by aiolimiter at Telegram's 30 a second.
2. The scheduler's due-reminder round (``crm.reminders.enqueue_due_reminders``) among a million
   open tasks with a handful due, each round rolled back so every round finds the same ones;
   against ``SELECT 1``.
3. A rep's quick-adds (``/lead Name +380...``) through the real dispatcher while an
   ``OutboxSender`` drains 1,000 waiting notifications on the same bot and pacing, against the
   same with an empty outbox. Neither bot touches a network here (``AnsweringSession``). The
   rep types faster than a person would, so their chat gets a burst as large as the run (as
   the end-to-end tests give theirs): the per-chat limit would otherwise be all this measures.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Chat, Message, Update, User
from aiogram_i18n.cores import FluentRuntimeCore
from aiolimiter import AsyncLimiter
from pydantic import SecretStr
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench import crm_core
from bench.bot import AnsweringSession, percentile
from bench.report import Measurement
from bot.database import create_engine
from bot.delivery.messages import Outgoing, Reader, Renderer
from bot.delivery.registry import RENDERERS
from bot.delivery.sender import OutboxSender
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.pacing import SendPacer
from bot.runner import BACKGROUND_CONNECTIONS, keep_start_up_out_of_collections
from bot.settings import Settings
from crm import notifications
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import (
    Language,
    Lead,
    OutboxMessage,
    OutboxStatus,
    Role,
    Staff,
    Task,
    utcnow,
)
from crm.reminders import enqueue_due_reminders
from crm.services.pipelines import ensure_default_pipeline
from emulator import EmulatorClient, RateLimits, RunningEmulator, SimulatedUser, run_emulator

MESSAGES = 10_000
RECIPIENTS = 1_000
BARE_SENDS = 1_000
TELEGRAM_PER_SECOND = 30
RATE_TARGET = 25.0
TASKS = 1_000_000
DUE_NOW = 5
REMINDER_ROUNDS = 50
REMINDER_TARGET_MS = 20.0
TASK_CHUNK = 50_000
WAITING = 1_000
# Rounds of quick-adds with the outbox empty, then with notifications waiting, in turn, so a
# machine busy with other work slows both alike.
ROUNDS = 3
QUICK_ADDS = 100
QUICK_ADD_WARMUP = 10
QUICK_ADD_GAP_SECONDS = 0.1
P99_RATIO_TARGET = 1.5

BENCH_KIND = "bench_message"
TOKEN = "7100000001:BENCH-delivery"
BARE_TOKEN = "7100000002:BENCH-bare"
FIRST_TELEGRAM_ID = 900_000_001
REP_TELEGRAM_ID = 800_000_001
MANAGER_TELEGRAM_ID = 800_000_002
POLL_SECONDS = 1.0
PROGRESS_SECONDS = 30.0
# Around the clock: nothing waits for anyone's working hours.
ALWAYS = {"work_starts": time_of_day(0, 0), "work_ends": time_of_day(0, 0)}


async def render_bench_message(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing:
    """A bench-only kind: its own number in words nobody else sends, so duplicates show."""
    return Outgoing(text=bench_text(message.payload["n"]))


def bench_text(n: int) -> str:
    return f"Bench message #{n}"


# The product's renderers and the bench's own kind, for the senders here only.
BENCH_RENDERERS: dict[str, Renderer] = {**RENDERERS, BENCH_KIND: render_bench_message}


async def measure_backend(
    backend: str, url: str, *, messages: int, tasks: int
) -> list[Measurement]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    factory = create_session_factory(engine)
    translator = create_translator()
    recipients = await add_recipients(factory)
    rows = await measure_outbox_delivery(backend, factory, translator, recipients, messages)
    rows.append(await measure_due_reminders(backend, engine, recipients, tasks))
    rows.append(await measure_quick_add(backend, factory, translator, recipients))
    await engine.dispose()
    return rows


# Staff.


async def add_recipients(factory: async_sessionmaker[AsyncSession]) -> list[Staff]:
    """Reps who read in either language and are told things at any hour."""
    people = [
        Staff(
            telegram_id=FIRST_TELEGRAM_ID + n,
            display_name=f"Rep {n}",
            role=Role.REP,
            language=Language.UK if n % 2 else Language.EN,
            **ALWAYS,
        )
        for n in range(RECIPIENTS)
    ]
    async with factory() as session:
        await ensure_default_pipeline(session)
        session.add_all(people)
        await session.commit()
    return people


# 1. The outbox through the emulator.


async def measure_outbox_delivery(
    backend: str,
    factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
    recipients: list[Staff],
    messages: int,
) -> list[Measurement]:
    async with run_emulator(rate_limits=RateLimits()) as emulator:
        bot_id = emulator.register_bot(TOKEN).id
        bare_id = emulator.register_bot(BARE_TOKEN).id
        chat_ids = [staff.telegram_id for staff in recipients]
        await start_chats(emulator, bot_id, chat_ids)
        await start_chats(emulator, bare_id, chat_ids)
        bare_sends = min(BARE_SENDS, messages)
        print(f"[{backend}] baseline: {bare_sends:,} bare sends at 30/s ...", flush=True)
        bare_rate = await bare_send_rate(emulator, chat_ids[:bare_sends])
        bare_hits = _hits(emulator, bare_id)
        await enqueue_bench_messages(factory, recipients, messages)
        print(f"[{backend}] outbox: sending {messages:,} messages ...", flush=True)
        settings = Settings(
            bot_token=SecretStr(TOKEN), telegram_api_url=emulator.base_url, database_url="unused"
        )
        pacer = SendPacer()
        bot = create_bot(settings, pacer=pacer)
        sender = OutboxSender(bot, factory, translator, BENCH_RENDERERS, pacer=pacer)
        rate = await drain_rate(backend, sender, factory, messages)
        await bot.session.close()
        delivered, duplicates = await received(emulator, bot_id, chat_ids, messages)
        hits = _hits(emulator, bot_id)
    print(
        f"[{backend}] outbox: {delivered:,} of {messages:,} delivered, {duplicates:,} twice, "
        f"{hits} 429s (bare loop: {bare_hits}), {rate:.1f} msgs/s (bare loop: {bare_rate:.1f})"
    )
    return outbox_rows(backend, messages, delivered, duplicates, hits, rate, bare_rate)


def outbox_rows(
    backend: str,
    messages: int,
    delivered: int,
    duplicates: int,
    hits: int,
    rate: float,
    bare_rate: float,
) -> list[Measurement]:
    due = f"{messages:,} due at once"
    return [
        Measurement(
            f"outbox sender: delivered, {due}",
            backend,
            delivered,
            "msgs",
            messages,
            "messages due",
            f"all {messages:,}",
            delivered == messages,
        ),
        Measurement(
            "outbox sender: received twice",
            backend,
            duplicates,
            "msgs",
            messages,
            "messages due",
            "0",
            duplicates == 0,
        ),
        Measurement(
            f"outbox sender: rate, {min(messages, RECIPIENTS):,} chats, {hits} 429s",
            backend,
            rate,
            "msgs/s",
            bare_rate,
            "bare Bot send loop, aiolimiter 30/s",
            f">= {RATE_TARGET:.0f}/s",
            rate >= RATE_TARGET,
        ),
    ]


def _hits(emulator: RunningEmulator, bot_id: int) -> int:
    return sum(1 for hit in emulator.state.rate_limit_hits if hit.bot_id == bot_id)


async def start_chats(emulator: RunningEmulator, bot_id: int, chat_ids: Sequence[int]) -> None:
    async with EmulatorClient(emulator.base_url, bot_id=bot_id) as control:
        for chat_id in chat_ids:
            await control.start_chat(SimulatedUser(id=chat_id, first_name=f"Staff {chat_id}"))


async def bare_send_rate(emulator: RunningEmulator, chat_ids: Sequence[int]) -> float:
    """Messages a second of a bare aiogram Bot sending one after another at Telegram's rate;
    a 429 is waited out and the message sent again."""
    bot = Bot(
        BARE_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    )
    limiter = AsyncLimiter(TELEGRAM_PER_SECOND, 1)
    started = time.perf_counter()
    for n, chat_id in enumerate(chat_ids):
        while True:
            async with limiter:
                try:
                    await bot.send_message(chat_id, f"Bare message #{n}")
                    break
                except TelegramRetryAfter as limit:
                    await asyncio.sleep(limit.retry_after)
    rate = len(chat_ids) / (time.perf_counter() - started)
    await bot.session.close()
    return rate


async def enqueue_bench_messages(
    factory: async_sessionmaker[AsyncSession], recipients: list[Staff], messages: int
) -> None:
    """Each with its own number."""
    await enqueue_due_now(factory, recipients, BENCH_KIND, [{"n": n} for n in range(messages)])


async def enqueue_due_now(
    factory: async_sessionmaker[AsyncSession],
    recipients: list[Staff],
    kind: str,
    payloads: list[dict[str, Any]],
) -> None:
    """Messages all due now, dealt to the recipients in turn, so each batch the sender claims
    goes to different chats; one Core insert, as a bulk of committed rows would be found."""
    now = utcnow()
    rows = [
        {
            "recipient_id": recipients[n % len(recipients)].id,
            "kind": kind,
            "payload": payload,
            "status": OutboxStatus.PENDING,
            "due_at": now,
            "attempts": 0,
            "created_at": now,
        }
        for n, payload in enumerate(payloads)
    ]
    async with factory() as session:
        await session.execute(insert(OutboxMessage), rows)
        await session.commit()


async def drain_rate(
    backend: str,
    sender: OutboxSender,
    factory: async_sessionmaker[AsyncSession],
    messages: int,
) -> float:
    """Run the sender until nothing is pending; messages sent a second, from its start to
    the last message it marked sent."""
    started = utcnow()
    sending = asyncio.create_task(sender.run())
    give_up = time.monotonic() + 10 * messages / RATE_TARGET + 60
    next_report = time.monotonic() + PROGRESS_SECONDS
    while (pending := await _count(factory, OutboxStatus.PENDING)) and time.monotonic() < give_up:
        if time.monotonic() >= next_report:
            next_report += PROGRESS_SECONDS
            print(f"[{backend}] outbox: {messages - pending:,} of {messages:,} sent", flush=True)
        await asyncio.sleep(POLL_SECONDS)
    sender.stop()
    await sending
    if pending:
        print(f"[{backend}] outbox: gave up waiting, {pending:,} still pending")
    async with factory() as session:
        last_sent = await session.scalar(select(func.max(OutboxMessage.sent_at)))
    sent = await _count(factory, OutboxStatus.SENT)
    return sent / (last_sent - started).total_seconds() if last_sent else 0.0


async def _count(factory: async_sessionmaker[AsyncSession], status: OutboxStatus) -> int:
    async with factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
        )
    return count or 0


async def received(
    emulator: RunningEmulator, bot_id: int, chat_ids: Sequence[int], messages: int
) -> tuple[int, int]:
    """Of the bench's messages, how many distinct ones the chats received, and how many
    arrived more than once, as the emulator recorded them."""
    expected = {bench_text(n) for n in range(messages)}
    seen: Counter[tuple[int, str]] = Counter()
    async with EmulatorClient(emulator.base_url, bot_id=bot_id) as control:
        for chat_id in chat_ids:
            for message in await control.messages(chat_id):
                if message.text in expected:
                    seen[(chat_id, message.text)] += 1
    return len(seen), sum(count - 1 for count in seen.values())


# 2. The scheduler's due reminders among a million open tasks.


async def measure_due_reminders(
    backend: str, engine: AsyncEngine, recipients: list[Staff], tasks: int
) -> Measurement:
    now = utcnow()
    print(f"[{backend}] inserting {tasks:,} open tasks, {DUE_NOW} due now ...", flush=True)
    await insert_open_tasks(engine, [staff.id for staff in recipients], tasks, now)
    await crm_core.settle(engine)
    factory = create_session_factory(engine)
    baseline = await crm_core.round_trip_ms(factory)
    await print_reminder_plan(backend, engine, factory, now)
    samples = []
    for _ in range(3 + REMINDER_ROUNDS):
        async with factory() as session:
            started = time.perf_counter()
            written = await enqueue_due_reminders(session, now=now)
            await session.flush()
            samples.append((time.perf_counter() - started) * 1000)
            await session.rollback()
    if written != DUE_NOW:
        print(f"[{backend}] !!! the round wrote {written} reminders, expected {DUE_NOW} !!!")
    median = statistics.median(samples[3:])
    return Measurement(
        f"due-reminder round, {DUE_NOW} due of {tasks:,} open tasks (median)",
        backend,
        median,
        "ms",
        baseline,
        "SELECT 1",
        f"<= {REMINDER_TARGET_MS:.0f} ms",
        median <= REMINDER_TARGET_MS,
    )


async def insert_open_tasks(
    engine: AsyncEngine, staff_ids: list[int], tasks: int, now: datetime
) -> None:
    """Open tasks, half reminded of already and half to be reminded within two months, and
    ``DUE_NOW`` of them due a minute ago, spread among the rest."""
    randomness = random.Random(tasks)
    due_every = max(1, tasks // DUE_NOW)
    async with engine.begin() as connection:
        for start in range(0, tasks, TASK_CHUNK):
            rows = [
                _task_row(n, staff_ids[n % len(staff_ids)], now, randomness, due=n % due_every == 0)
                for n in range(start, min(tasks, start + TASK_CHUNK))
            ]
            await connection.execute(insert(Task), rows)


def _task_row(
    n: int, assignee_id: int, now: datetime, randomness: random.Random, *, due: bool
) -> dict[str, Any]:
    spread = timedelta(days=60 * randomness.random(), minutes=1)
    reminded = not due and n % 2 == 0
    remind_at = now - timedelta(minutes=1) if due else (now - spread if reminded else now + spread)
    return {
        "title": "Call back",
        "due_at": remind_at,
        "remind_at": remind_at,
        "assignee_id": assignee_id,
        "created_by_id": assignee_id,
        "reminder_sent_at": remind_at if reminded else None,
        "created_at": now - timedelta(days=61),
    }


async def print_reminder_plan(
    backend: str, engine: AsyncEngine, factory: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    """EXPLAIN the statement the round ran to find its tasks, with the values it ran with."""
    statements: list[tuple[str, Any]] = []

    def remember(*args: Any) -> None:
        _connection, _cursor, statement, parameters = args[:4]
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", remember)
    try:
        async with factory() as session:
            await enqueue_due_reminders(session, now=now)
            await session.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", remember)
    statement, parameters = next(s for s in statements if "UPDATE tasks" in s[0])
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        plan = [
            str(row[-1])
            for row in await connection.exec_driver_sql(explain + statement, parameters)
        ]
    print(f"[{backend}] the due-reminder round's plan:")
    for line in plan:
        print(f"    {line}")
    uses = any("ix_tasks_reminder" in line for line in plan)
    print(f"[{backend}] uses ix_tasks_reminder: {'yes' if uses else 'NO'}")


# 3. A rep's quick-add while the outbox drains.


async def measure_quick_add(
    backend: str,
    factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
    recipients: list[Staff],
) -> Measurement:
    rep = await add_quick_add_team(factory)
    pacer = SendPacer(per_chat_burst=QUICK_ADD_WARMUP + 2 * ROUNDS * QUICK_ADDS)
    settings = Settings(bot_token=SecretStr(TOKEN), database_url="unused")
    # create_bot's session_class is typed for aiohttp sessions; any BaseSession serves.
    bot = create_bot(settings, cast(type[AiohttpSession], AnsweringSession), pacer=pacer)
    # As bot.runner wires it: the sender on a small pool of its own, apart from the updates'.
    engine = factory.kw["bind"]
    background = create_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=BACKGROUND_CONNECTIONS,
        max_overflow=0,
    )
    sender = OutboxSender(
        bot, create_session_factory(background), translator, BENCH_RENDERERS, pacer=pacer
    )
    dispatcher = create_dispatcher(
        settings,
        session_factory=factory,
        outbox=sender,
        translator=translator,
        storage=MemoryStorage(),
        pacer=pacer,
    )
    typing = QuickAdds(dispatcher, bot, rep)
    sending = asyncio.create_task(sender.run())
    await typing.replies(QUICK_ADD_WARMUP)
    # As the runner does once it has started: what set-up made is no full collection's work.
    keep_start_up_out_of_collections()
    empty: list[float] = []
    loaded: list[float] = []
    left: list[int] = []
    for round_number in range(1, ROUNDS + 1):
        print(f"[{backend}] quick-adds, round {round_number} of {ROUNDS} ...", flush=True)
        await drained(factory)
        empty += await typing.replies(QUICK_ADDS)
        await enqueue_waiting_notifications(factory, recipients, rep)
        sender.wake()
        loaded += await typing.replies(QUICK_ADDS)
        left.append(await _count(factory, OutboxStatus.PENDING))
    sender.stop()
    await sending
    await background.dispose()
    await report_quick_adds(backend, factory, rep, typing.typed, left)
    print(
        f"[{backend}] quick-add reply ms, outbox empty: median {statistics.median(empty):.1f}, "
        f"p99 {percentile(empty, 0.99):.1f}; {WAITING:,} waiting: median "
        f"{statistics.median(loaded):.1f}, p99 {percentile(loaded, 0.99):.1f}"
    )
    p99, baseline = percentile(loaded, 0.99), percentile(empty, 0.99)
    return Measurement(
        f"rep's quick-add reply, {WAITING:,} notifications waiting (p99)",
        backend,
        p99,
        "ms",
        baseline,
        "p99 with the outbox empty",
        f"<= {P99_RATIO_TARGET}x baseline",
        p99 <= P99_RATIO_TARGET * baseline,
    )


async def add_quick_add_team(factory: async_sessionmaker[AsyncSession]) -> Staff:
    """The rep who types, and a manager told of every new lead; the rep is returned."""
    rep = Staff(telegram_id=REP_TELEGRAM_ID, display_name="Taras", role=Role.REP, **ALWAYS)
    manager = Staff(
        telegram_id=MANAGER_TELEGRAM_ID,
        display_name="Марина",
        role=Role.MANAGER,
        language=Language.UK,
        **ALWAYS,
    )
    async with factory() as session:
        session.add_all([rep, manager])
        await session.commit()
    return rep


class QuickAdds:
    """The rep types ``/lead`` with a new name and phone each time, at a steady pace."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, rep: Staff) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.rep = rep
        self.typed = 0

    async def replies(self, count: int) -> list[float]:
        """Milliseconds from each update's arrival to the rep's reply sent."""
        samples = []
        for _ in range(count):
            update = self._next_update()
            started = time.perf_counter()
            await self.dispatcher.feed_update(self.bot, update)
            samples.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(QUICK_ADD_GAP_SECONDS)
        return samples

    def _next_update(self) -> Update:
        self.typed += 1
        n = self.typed
        person = User(id=self.rep.telegram_id, is_bot=False, first_name=self.rep.display_name)
        message = Message(
            message_id=n,
            date=datetime.now(UTC),
            chat=Chat(id=self.rep.telegram_id, type="private"),
            from_user=person,
            text=f"/lead Client {_letters(n)} +38067{n:07d}",
        )
        return Update(update_id=n, message=message)


def _letters(n: int) -> str:
    """A name word for ``n`` without digits, which quick-add would read as an amount."""
    word = ""
    while True:
        n, digit = divmod(n, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[digit] + word
        if n == 0:
            return word.capitalize()


async def drained(factory: async_sessionmaker[AsyncSession]) -> None:
    # The database is what changes, and it signals nothing: look often.
    while await _count(factory, OutboxStatus.PENDING):  # noqa: ASYNC110
        await asyncio.sleep(0.2)


async def enqueue_waiting_notifications(
    factory: async_sessionmaker[AsyncSession], recipients: list[Staff], rep: Staff
) -> None:
    """ "Assigned to you" about one of the rep's leads, to each recipient in turn."""
    async with factory() as session:
        lead_id = await session.scalar(
            select(Lead.id).where(Lead.responsible_id == rep.id).limit(1)
        )
    payload = {"lead_id": lead_id, "actor_id": rep.id}
    await enqueue_due_now(factory, recipients, notifications.LEAD_ASSIGNED, [payload] * WAITING)


async def report_quick_adds(
    backend: str,
    factory: async_sessionmaker[AsyncSession],
    rep: Staff,
    typed: int,
    left: list[int],
) -> None:
    async with factory() as session:
        leads = await session.scalar(
            select(func.count()).select_from(Lead).where(Lead.responsible_id == rep.id)
        )
    print(
        f"[{backend}] quick-adds: {leads:,} leads created of {typed:,} typed; "
        f"notifications still waiting when the rep finished each round: {left}"
    )
