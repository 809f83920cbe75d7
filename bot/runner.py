"""Running the product: the one place that wires the real parts together.

``crm-bot run`` polls Telegram and runs the scheduler and the outbox sender in one process;
``crm-bot worker`` runs the scheduler and the sender alone, and any number of workers may run
beside the bot at once: the database decides what is due and who sends it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.commands import set_board_menu_button, set_commands
from bot.database import create_engine
from bot.delivery.registry import RENDERERS
from bot.delivery.sender import OutboxSender
from bot.delivery.webhooks import WebhookSender
from bot.delivery.whatsapp import WhatsAppSender
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.pacing import SendPacer
from bot.settings import Settings
from bot.webhook import create_serve_app, point_telegram_here, serve_until_stopped
from crm.automation.runner import RuleRunner
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import utcnow
from crm.services.pipelines import ensure_default_pipeline
from crm.wakeups import Queue, Wakeups
from scheduler import create_scheduler
from web.graph_api import GraphApi, WhatsAppCloudApi

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 30.0
# The scheduler's, the senders' and the rule runner's own connections, apart from the updates'
# pool.
BACKGROUND_CONNECTIONS = 6
UNREACHABLE = (OSError, TimeoutError, OperationalError, TelegramNetworkError, TelegramServerError)


async def wait_until_reachable(what: str, attempt: Callable[[], Awaitable[object]]) -> None:
    """Try ``attempt`` until it succeeds, waiting longer each time and saying so in the log."""
    delay = FIRST_RETRY_SECONDS
    while True:
        try:
            await attempt()
            return
        except UNREACHABLE as error:
            log.warning("%s is unreachable (%s); trying again in %.0f s", what, error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, LONGEST_RETRY_SECONDS)


async def prepare_database(
    engine: AsyncEngine, wakeups: Wakeups
) -> async_sessionmaker[AsyncSession]:
    """The database migrated and reachable, and the sessions of updates and requests, whose
    commits wake the workers of ``wakeups``."""

    async def ping() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    await wait_until_reachable("the database", ping)
    await upgrade_to_head(engine)
    session_factory = create_session_factory(engine, wakeups=wakeups)
    async with session_factory() as session:
        await ensure_default_pipeline(session)
        await session.commit()
    return session_factory


async def reachable_bot(settings: Settings) -> tuple[Bot, SendPacer]:
    """The bot once the Bot API answers, with the pace its sends and the outbox share."""
    pacer = SendPacer()
    bot = create_bot(settings, pacer=pacer)
    await wait_until_reachable("the Bot API", bot.get_me)
    return bot, pacer


@asynccontextmanager
async def delivering(
    settings: Settings,
    bot: Bot,
    pacer: SendPacer,
    *,
    wakeups: Wakeups,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[OutboxSender]:
    """The scheduler, the outbox sender, the webhook sender, the rule runner and (when it is
    set up) the sender of reps' WhatsApp replies, running until the block ends; a clean stop
    finishes what is in flight and hands the rest back for the next process. The scheduler and
    the outbox sender read the time from ``clock`` (the sandbox moves its own forward). The
    rule runner and the webhook sender are registered with ``wakeups``: a commit that adds to
    their queue wakes them at once, whichever of the process's session factories made it.

    They have a small connection pool of their own, so a busy outbox never keeps a person's
    update waiting for a connection."""
    engine = create_engine(settings.database_url, pool_size=BACKGROUND_CONNECTIONS, max_overflow=0)
    background = create_session_factory(engine, wakeups=wakeups)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    sender = OutboxSender(
        bot,
        background,
        create_translator(),
        RENDERERS,
        clock=clock,
        lease=lease,
        pacer=pacer,
    )
    scheduler = create_scheduler(
        background,
        sender,
        clock=clock,
        overdue_after=timedelta(hours=settings.overdue_after_hours),
        keep_receipts=timedelta(days=settings.intake_receipts_keep_days),
    )
    async with AsyncExitStack() as running:
        running.push_async_callback(engine.dispose)
        await _start_sending(running, sender)
        webhook_sender = WebhookSender(background, policy=settings.webhook_targets, lease=lease)
        wakeups.register(Queue.WEBHOOK_DELIVERIES, webhook_sender)
        await _start_sending(running, webhook_sender)
        rule_runner = RuleRunner(background, sender)
        wakeups.register(Queue.RULE_EVENTS, rule_runner)
        await _start_sending(running, rule_runner)
        whatsapp = await whatsapp_sender(running, settings, background)
        if whatsapp is not None:
            await _start_sending(running, whatsapp)
        scheduler.start()
        running.callback(scheduler.shutdown, wait=False)
        yield sender


class Looping(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


async def _start_sending(running: AsyncExitStack, sender: Looping) -> None:
    task = asyncio.create_task(sender.run(), name=type(sender).__name__)

    async def stop() -> None:
        sender.stop()
        await task

    running.push_async_callback(stop)


async def whatsapp_sender(
    running: AsyncExitStack,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> WhatsAppSender | None:
    """The sender of reps' WhatsApp replies through the Graph API, if WhatsApp is set up."""
    if settings.whatsapp_phone_number_id is None or settings.whatsapp_access_token is None:
        return None  # the customer card then says replies are not set up
    http = await running.enter_async_context(aiohttp.ClientSession())
    graph = GraphApi(
        http,
        settings.whatsapp_access_token.get_secret_value(),
        base_url=settings.graph_api_url,
        version=settings.graph_api_version,
    )
    return WhatsAppSender(
        WhatsAppCloudApi(graph, settings.whatsapp_phone_number_id),
        session_factory,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def keep_start_up_out_of_collections() -> None:
    """What start-up made (modules, routers, translations) lives as long as the process:
    frozen, the garbage collector's full passes skip it instead of pausing an update."""
    gc.collect()
    gc.freeze()


async def run_polling(settings: Settings, engine: AsyncEngine) -> None:
    wakeups = Wakeups()
    session_factory = await prepare_database(engine, wakeups)
    bot, pacer = await reachable_bot(settings)
    async with delivering(settings, bot, pacer, wakeups=wakeups) as sender:
        dispatcher = create_dispatcher(
            settings,
            session_factory=session_factory,
            outbox=sender,
            translator=sender.translator,
            pacer=pacer,
        )
        dispatcher.startup.register(set_commands)
        await set_board_menu_button(bot, sender.translator, settings.board_address)
        keep_start_up_out_of_collections()
        await dispatcher.start_polling(bot)


async def run_serve(settings: Settings, engine: AsyncEngine) -> None:
    """``crm-bot serve``: Telegram's webhook, the intake endpoints, health and metrics on one
    HTTP server, with the scheduler and the outbox sender."""
    wakeups = Wakeups()
    session_factory = await prepare_database(engine, wakeups)
    bot, pacer = await reachable_bot(settings)
    try:
        async with delivering(settings, bot, pacer, wakeups=wakeups) as sender:
            dispatcher = create_dispatcher(
                settings,
                session_factory=session_factory,
                outbox=sender,
                translator=sender.translator,
                pacer=pacer,
            )
            await set_commands(bot, sender.translator)
            await set_board_menu_button(bot, sender.translator, settings.board_address)
            app = create_serve_app(
                settings,
                bot=bot,
                dispatcher=dispatcher,
                session_factory=session_factory,
                outbox=sender,
                translator=sender.translator,
            )
            keep_start_up_out_of_collections()
            await serve_until_stopped(
                app, settings, once_listening=lambda: point_telegram_here(settings, bot, dispatcher)
            )
    finally:
        await bot.session.close()


async def run_worker(settings: Settings, engine: AsyncEngine) -> None:
    wakeups = Wakeups()
    await prepare_database(engine, wakeups)
    bot, pacer = await reachable_bot(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    try:
        async with delivering(settings, bot, pacer, wakeups=wakeups):
            log.info("worker running: scheduler and outbox sender")
            await stopping.wait()
    finally:
        await bot.session.close()
    log.info("worker stopped cleanly")
