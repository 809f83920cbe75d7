"""``crm-bot serve``: one HTTP server for Telegram's webhook and the web app (lead intake,
health, metrics).

Telegram POSTs each update with the secret given to ``setWebhook`` in a header; a request
without it (compared in constant time) is refused before its body is read. An update is
handled to the end, its commit included, before Telegram gets its 200, so one that a crash
interrupted is sent again rather than lost. Several instances may serve behind one balancer:
the database and Redis hold everything they share.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram_i18n.cores import FluentRuntimeCore
from aiohttp import web
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import PageWords, create_translator
from bot.settings import Settings
from web.app import create_web_app
from web.bodies import read_body
from web.context import IntakeSettings, Wakeable, WebContext
from web.errors import Rejection
from web.graph_api import GraphApi
from web.metrics import Metrics
from web.miniapp.settings import MiniAppSettings, Translator

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
# Far above any update Telegram sends; only a forged request comes near it.
UPDATE_BODY_LIMIT = 1024 * 1024


class TelegramWebhook:
    """The route Telegram POSTs updates to, feeding the same dispatcher polling would."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret: str, metrics: Metrics):
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret.encode()
        self.metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self.metrics.updates.labels("rejected").inc()
            raise Rejection(401, "unauthorized")
        body = await read_body(request, UPDATE_BODY_LIMIT)
        try:
            update = Update.model_validate_json(body, context={"bot": self.bot})
        except ValidationError:
            self.metrics.updates.labels("rejected").inc()
            raise Rejection(400, "update-invalid") from None
        started = time.perf_counter()
        outcome = "handled"
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:
            # Sending it again would fail again: logged, counted, and confirmed to Telegram.
            log.exception("update %s failed", update.update_id)
            outcome = "failed"
        self.metrics.update_seconds.observe(time.perf_counter() - started)
        self.metrics.updates.labels(outcome).inc()
        return web.Response()


def intake_settings(settings: Settings) -> IntakeSettings:
    return IntakeSettings(
        phone_region=settings.phone_region,
        currency=settings.default_currency,
        per_minute=settings.intake_per_minute,
        whatsapp_verify_token=_revealed(settings.whatsapp_verify_token),
        whatsapp_app_secret=_revealed(settings.whatsapp_app_secret),
        facebook_verify_token=_revealed(settings.facebook_verify_token),
        facebook_app_secret=_revealed(settings.facebook_app_secret),
    )


def miniapp_settings(settings: Settings, bot: Bot, translator: Translator) -> MiniAppSettings:
    """The Mini App checks ``initData`` with the bot's own token."""
    return MiniAppSettings(
        bot_token=bot.token,
        translator=translator,
        init_data_max_age=timedelta(seconds=settings.miniapp_init_data_max_age_seconds),
    )


def _revealed(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_SECRET is not set")
    return settings.webhook_secret.get_secret_value()


def create_serve_app(
    settings: Settings,
    *,
    bot: Bot,
    dispatcher: Dispatcher,
    session_factory: async_sessionmaker[AsyncSession],
    outbox: Wakeable,
    translator: FluentRuntimeCore | None = None,
) -> web.Application:
    context = WebContext(session_factory, outbox, intake_settings(settings))
    app = create_web_app(
        context, miniapp_settings(settings, bot, PageWords(translator or create_translator()))
    )
    if settings.facebook_access_token is not None:
        app.cleanup_ctx.append(_reading_lead_ads(context, settings, settings.facebook_access_token))
    app.router.add_post(
        WEBHOOK_PATH,
        TelegramWebhook(
            dispatcher, bot, secret=webhook_secret(settings), metrics=context.metrics
        ).handle,
    )
    return app


def _reading_lead_ads(
    context: WebContext, settings: Settings, token: SecretStr
) -> Callable[[web.Application], AsyncIterator[None]]:
    """While the server runs, Lead Ads leads are read from the Graph API with ``token``."""

    async def reading(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as http:
            context.lead_ads = GraphApi(
                http,
                token.get_secret_value(),
                base_url=settings.graph_api_url,
                version=settings.graph_api_version,
            )
            yield
            context.lead_ads = None

    return reading


def webhook_url(settings: Settings) -> str:
    if not settings.public_url:
        raise ValueError("PUBLIC_URL is not set")
    return settings.public_url.rstrip("/") + WEBHOOK_PATH


async def point_telegram_here(settings: Settings, bot: Bot, dispatcher: Dispatcher) -> None:
    """Ask Telegram to send updates to this server, with the secret; every instance asks the
    same, so starting a second one changes nothing."""
    await bot.set_webhook(
        webhook_url(settings),
        secret_token=webhook_secret(settings),
        allowed_updates=dispatcher.resolve_used_update_types(),
    )


async def serve_until_stopped(
    app: web.Application, settings: Settings, *, once_listening: Callable[[], Awaitable[None]]
) -> None:
    """Serve ``app`` on ``HOST``:``PORT`` until SIGTERM or SIGINT, then finish the requests
    under way. ``once_listening`` runs when requests can arrive (to set the webhook)."""
    # One line per request comes from the app itself, without query strings.
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        log.info("serving on %s:%s", settings.host, settings.port)
        await once_listening()
        await stopping.wait()
    finally:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
        await runner.cleanup()
    log.info("server stopped cleanly")
