"""Starting the sandbox: one loopback port serving the page, the emulator (under
``/emulator``) and ``serve``'s web app, with the real bot polling that emulator and the
scheduler and outbox sender on the sandbox's clock, over a SQLite file in the user's data
directory."""

from __future__ import annotations

import logging
import secrets
import socket
import time
from pathlib import Path

import platformdirs
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import set_commands
from bot.database import create_engine
from bot.factory import create_bot, create_dispatcher
from bot.pacing import SendPacer
from bot.runner import delivering, prepare_database
from bot.settings import Settings
from bot.webhook import create_serve_app
from crm.wakeups import Wakeups
from emulator import create_emulator_app
from emulator.app import EMULATOR_STATE
from emulator.limits import RateLimits
from sandbox.clock import SandboxClock
from sandbox.loopback import require_loopback
from sandbox.page import SandboxPage
from sandbox.people import ADMIN, seed_once, team_as_telegram_users
from sandbox.providers import Providers
from scheduler import Rounds

log = logging.getLogger(__name__)
BOT_TOKEN = "7000000001:sandbox-local-bot-token"
BOT_USERNAME = "crm_sandbox_bot"
EMULATOR_PATH = "/emulator"
DATABASE_FILE = "sandbox.sqlite3"


class _EmulatorRequestsUnlogged(logging.Filter):
    """The web app logs each request; the bot's long polls of the emulator would drown the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f" {EMULATOR_PATH}/" not in record.getMessage()


def data_directory() -> Path:
    return Path(platformdirs.user_data_dir("telegram-crm", appauthor=False)) / "sandbox"


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before anything starts, so the bot and the page know the port (0 picks one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def sandbox_settings(settings: Settings, base_url: str, database: Path) -> Settings:
    return settings.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{database}",
            "bot_token": SecretStr(BOT_TOKEN),
            "telegram_api_url": base_url + EMULATOR_PATH,
            "admin_ids": [ADMIN.telegram_id],
            "redis_url": None,
            # Telegram opens Mini Apps over https only; the page opens them on this server.
            "public_url": base_url.replace("http://", "https://", 1),
            "webhook_secret": SecretStr(secrets.token_urlsafe(24)),
            "whatsapp_verify_token": SecretStr(secrets.token_urlsafe(16)),
            "whatsapp_app_secret": SecretStr(secrets.token_urlsafe(24)),
        }
    )


def forget(directory: Path) -> None:
    """``--reset``: the database with its WAL files; the next start seeds afresh."""
    for path in directory.glob(f"{DATABASE_FILE}*"):
        path.unlink()


async def run_sandbox(settings: Settings, *, reset: bool = False) -> None:
    started = time.perf_counter()
    require_loopback(settings.host)
    logging.getLogger("web.requests").addFilter(_EmulatorRequestsUnlogged())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    directory = data_directory()
    directory.mkdir(parents=True, exist_ok=True)
    if reset:
        forget(directory)
    sock = listening_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{url_host}:{port}"
    settings = sandbox_settings(settings, base_url, directory / DATABASE_FILE)
    engine = create_engine(settings.database_url)
    try:
        wakeups = Wakeups()
        session_factory = await prepare_database(engine, wakeups)
        if await seed_once(session_factory):
            log.info("sandbox: seeded the demo data in %s", directory)
        await _serve(settings, sock, session_factory, wakeups, base_url, started)
    finally:
        await engine.dispose()


async def _serve(
    settings: Settings,
    sock: socket.socket,
    session_factory: async_sessionmaker[AsyncSession],
    wakeups: Wakeups,
    base_url: str,
    started: float,
) -> None:
    emulator = create_emulator_app(rate_limits=RateLimits())
    bot_state = emulator[EMULATOR_STATE].register_bot(
        BOT_TOKEN, username=BOT_USERNAME, first_name="CRM"
    )
    # As if each of the team had pressed Start once: a bot may write only to who did.
    for user in await team_as_telegram_users(session_factory):
        emulator[EMULATOR_STATE].users[user.id] = user
        bot_state.open_private_chat(user)
    clock = SandboxClock()
    pacer = SendPacer()
    bot = create_bot(settings, pacer=pacer)
    async with delivering(settings, bot, pacer, wakeups=wakeups, clock=clock) as sender:
        dispatcher = create_dispatcher(
            settings,
            session_factory=session_factory,
            outbox=sender,
            translator=sender.translator,
            pacer=pacer,
        )
        app = create_serve_app(
            settings, bot=bot, dispatcher=dispatcher, session_factory=session_factory, outbox=sender
        )
        app.add_subapp(EMULATOR_PATH, emulator)
        page = SandboxPage(
            bot_token=BOT_TOKEN,
            bot_username=BOT_USERNAME,
            emulator_path=EMULATOR_PATH,
            clock=clock,
            rounds=Rounds(session_factory, sender, clock=clock),
            providers=Providers(
                base_url,
                session_factory,
                whatsapp_app_secret=_secret(settings.whatsapp_app_secret),
            ),
        )
        app.add_routes(page.routes())
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            await set_commands(bot, sender.translator)
            print(
                f"The sandbox is at {base_url} (ready in {time.perf_counter() - started:.1f} s; "
                "Ctrl+C stops it).",
                flush=True,
            )
            await dispatcher.start_polling(bot, polling_timeout=25)
        finally:
            await runner.cleanup()


def _secret(value: SecretStr | None) -> str:
    assert value is not None, "sandbox_settings sets every secret"
    return value.get_secret_value()
