"""Factories, not globals: the CLI, the webhook app and the tests build the bot the same way."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import lean_aiogram
from bot.i18n import create_i18n_middleware
from bot.middlewares.access import StaffAccess
from bot.middlewares.board_address import BoardAddress
from bot.middlewares.database import CommitBeforeSending, DatabaseSession, Wakeable
from bot.middlewares.people_first import PeopleFirst
from bot.middlewares.private_chats import PrivateChatsOnly
from bot.pacing import PacedSending, SendPacer
from bot.settings import Settings
from crm.models import utcnow
from handlers import (
    customers,
    duplicates,
    errors,
    export,
    fallback,
    imports,
    invite,
    lead_duplicates,
    pipeline,
    preferences,
    reports,
    search,
    segments,
    start,
    tasks,
    whatsapp_replies,
)
from handlers.admin import delivery, fields, forms, rules, stages, team, teams, webhooks
from handlers.leads import activities, card, create, custom_fields, deal, wizard

# In this order: errors first, then commands that work in any state, then features.
FEATURES = (
    errors,
    start,
    wizard,
    create,
    card,
    activities,
    custom_fields,
    deal,
    tasks,
    customers,
    whatsapp_replies,
    export,
    imports,
    segments,
    duplicates,
    lead_duplicates,
    search,
    pipeline,
    preferences,
    invite,
    stages,
    team,
    teams,
    delivery,
    forms,
    webhooks,
    rules,
    fields,
    reports,
    # Last: whatever no feature took still gets an answer.
    fallback,
)

# Redis keys that tell destinies apart: each flow keeps its data under one of its own
# (handlers.common.flows).
FLOW_KEYS = DefaultKeyBuilder(with_destiny=True)


def create_bot(
    settings: Settings,
    session_class: type[AiohttpSession] = AiohttpSession,
    *,
    pacer: SendPacer | None = None,
) -> Bot:
    """The bot, with every call it makes first committing the update's open transaction,
    then waiting its turn within Telegram's limits."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    session = (
        session_class(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        if settings.telegram_api_url
        else session_class()
    )
    session.middleware(CommitBeforeSending())
    session.middleware(PacedSending(pacer or SendPacer()))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        ttl = timedelta(hours=settings.fsm_ttl_hours)
        return RedisStorage.from_url(
            settings.redis_url, key_builder=FLOW_KEYS, state_ttl=ttl, data_ttl=ttl
        )
    return MemoryStorage()


def create_events_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """One update per person at a time, so two quick taps cannot both act on one draft;
    across bot instances when the state lives in Redis."""
    if isinstance(storage, RedisStorage):
        return storage.create_isolation()
    return SimpleEventIsolation()


def create_dispatcher(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    outbox: Wakeable,
    translator: FluentRuntimeCore,
    storage: BaseStorage | None = None,
    pacer: SendPacer | None = None,
) -> Dispatcher:
    """``pacer`` is the bot's and the outbox sender's: the sender steps aside on the event
    loop while an update is being served."""
    lean_aiogram.build_what_every_update_needs()
    storage = storage or create_storage(settings)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=create_events_isolation(storage),
        session_factory=session_factory,
        phone_region=settings.phone_region,
        default_currency=settings.default_currency,
        # Where web forms post their leads: /forms shows it in addresses and snippets.
        public_url=settings.public_url,
        # Where /webhooks lets admins send events.
        webhook_targets=settings.webhook_targets,
        # Whether a rep may answer a customer on WhatsApp from the customer card.
        whatsapp_replies=settings.whatsapp_replies,
        translator=translator,
        # The time for middlewares and handlers that ask for it; tests may set another.
        clock=utcnow,
    )
    if pacer is not None:
        dispatcher.update.outer_middleware(PeopleFirst(pacer))
    dispatcher.update.outer_middleware(PrivateChatsOnly(translator))
    dispatcher.update.outer_middleware(DatabaseSession(session_factory, outbox))
    dispatcher.update.outer_middleware(StaffAccess(frozenset(settings.admin_ids), translator))
    dispatcher.update.outer_middleware(BoardAddress(settings.board_address))
    create_i18n_middleware(translator).setup(dispatcher)
    dispatcher.include_routers(*(feature.create_router() for feature in FEATURES))
    return dispatcher
