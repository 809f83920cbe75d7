"""``crm-bot``: the operator's command line.

Commands that run no bot answer at once: aiogram (seconds to import) is loaded only by the
commands that talk to Telegram, and each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from typing import TYPE_CHECKING

from tqdm import tqdm  # type: ignore[import-untyped]

from bot import event_loop
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

ROLES = ("admin", "manager", "rep")


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    args.settings = Settings()
    if args.command is _run and args.settings.bot_token is None:
        print(
            "BOT_TOKEN is not set, so this is the sandbox: the whole product in your browser, "
            "with a local Telegram and demo data (set BOT_TOKEN to run the real bot).",
            flush=True,
        )
        args.command, args.reset = _sandbox, False
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Each scheduler round would log twice a second; its warnings and errors are what matter.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command is _sandbox:
        event_loop.run(_sandbox(args))
        return
    event_loop.run(_with_engine(args.settings, lambda engine: args.command(engine, args)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-bot", description="A CRM that lives in Telegram.")
    parser.add_argument("--version", action="version", version=version("telegram-crm"))
    commands = parser.add_subparsers(required=True, metavar="command")
    commands.add_parser("migrate", help="bring the database to the newest schema").set_defaults(
        command=_migrate
    )
    invite = commands.add_parser("invite", help="create a single-use invite")
    invite.add_argument("--role", choices=ROLES, required=True)
    invite.set_defaults(command=_invite)
    seed = commands.add_parser("seed-demo", help="fill the database with demo data")
    seed.add_argument("--leads", type=int, default=1000)
    seed.set_defaults(command=_seed_demo)
    commands.add_parser(
        "run", help="run the bot, polling for updates, with the scheduler and the outbox sender"
    ).set_defaults(command=_run)
    sandbox = commands.add_parser(
        "sandbox",
        help="the whole product in the browser with a local Telegram and demo data, "
        "on 127.0.0.1:8080 (HOST, PORT); what you do there is kept between runs",
    )
    sandbox.add_argument("--reset", action="store_true", help="start afresh with new demo data")
    sandbox.set_defaults(command=_sandbox)
    commands.add_parser(
        "worker", help="run the scheduler and the outbox sender without receiving updates"
    ).set_defaults(command=_worker)
    commands.add_parser(
        "serve",
        help="serve Telegram's webhook, lead intake, health and metrics over HTTP, "
        "with the scheduler and the outbox sender",
    ).set_defaults(command=_serve)
    return parser


async def _with_engine(settings: Settings, run: Callable[[AsyncEngine], Awaitable[None]]) -> None:
    from bot.database import create_engine

    engine = create_engine(settings.database_url)
    try:
        await run(engine)
    finally:
        await engine.dispose()


async def _migrate(engine: AsyncEngine, _args: argparse.Namespace) -> None:
    from crm.migrate import upgrade_to_head

    await upgrade_to_head(engine)
    print("The database is at the newest schema.")


async def _invite(engine: AsyncEngine, args: argparse.Namespace) -> None:
    from crm.db import create_session_factory
    from crm.migrate import upgrade_to_head
    from crm.models import Role
    from crm.services.staff import create_invite

    await upgrade_to_head(engine)
    async with create_session_factory(engine)() as session:
        invite = await create_invite(session, actor=None, role=Role(args.role))
        await session.commit()
    expires = f"{invite.expires_at:%Y-%m-%d %H:%M} UTC"
    print(f"Invite for a new {invite.role} (single use, until {expires}):")
    print(await invite_link(args.settings, invite.token))


async def invite_link(settings: Settings, token: str) -> str:
    """``t.me/<bot>?start=<token>`` when the bot can be asked its name, else the bare token."""
    if settings.bot_token is None:
        return token
    from aiogram.exceptions import TelegramAPIError
    from aiohttp import ClientError

    from bot.factory import create_bot

    bot = create_bot(settings)
    try:
        me = await bot.get_me()
    except (TelegramAPIError, ClientError) as error:
        print(f"(could not ask the bot its name: {error})")
        return token
    finally:
        await bot.session.close()
    return f"https://t.me/{me.username}?start={token}"


def _require_token(settings: Settings) -> None:
    if settings.bot_token is None:
        raise SystemExit(
            "BOT_TOKEN is not set. Create a bot with @BotFather and put its token in the "
            "BOT_TOKEN environment variable or a .env file (TELEGRAM_API_URL points at another "
            "Bot API server, such as the local emulator: python -m emulator)."
        )


async def _run(engine: AsyncEngine, args: argparse.Namespace) -> None:
    _require_token(args.settings)
    from bot.runner import run_polling

    await run_polling(args.settings, engine)


async def _sandbox(args: argparse.Namespace) -> None:
    from sandbox.loopback import NotLoopback, require_loopback

    try:
        require_loopback(args.settings.host)
    except NotLoopback as refused:
        raise SystemExit(str(refused)) from None
    from sandbox.launcher import run_sandbox

    await run_sandbox(args.settings, reset=args.reset)


async def _worker(engine: AsyncEngine, args: argparse.Namespace) -> None:
    _require_token(args.settings)
    from bot.runner import run_worker

    await run_worker(args.settings, engine)


async def _serve(engine: AsyncEngine, args: argparse.Namespace) -> None:
    settings: Settings = args.settings
    _require_token(settings)
    missing = [
        name
        for name, value in (
            ("PUBLIC_URL", settings.public_url),
            ("WEBHOOK_SECRET", settings.webhook_secret),
        )
        if not value
    ]
    if missing:
        raise SystemExit(
            f"{' and '.join(missing)} must be set for serve: PUBLIC_URL is the https address "
            "where Telegram reaches this server, WEBHOOK_SECRET a random string (letters, "
            "digits, _ and -, up to 256) Telegram sends back with every update."
        )
    from bot.runner import run_serve

    await run_serve(settings, engine)


async def _seed_demo(engine: AsyncEngine, args: argparse.Namespace) -> None:
    from crm.db import create_session_factory
    from crm.migrate import upgrade_to_head
    from crm.seeding import seed_demo

    await upgrade_to_head(engine)
    started = time.perf_counter()
    with seeding_progress(args.leads) as progress:
        report = await seed_demo(
            create_session_factory(engine), leads=args.leads, progress=progress
        )
    elapsed = time.perf_counter() - started
    print(
        f"Seeded {report.leads} leads, {report.customers} customers, {report.tasks} tasks "
        f"and {report.staff} demo reps in {elapsed:.1f} s."
    )


@contextmanager
def seeding_progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; elsewhere (a log, a pipe) a plain line every tenth."""
    if sys.stderr.isatty():
        with tqdm(total=total, unit=" leads", unit_scale=True, desc="Seeding") as bar:
            yield bar.update
        return
    done = 0
    reported = 0
    started = time.perf_counter()

    def report(added: int) -> None:
        nonlocal done, reported
        done += added
        if done - reported >= total / 10 or done == total:
            reported = done
            elapsed = time.perf_counter() - started
            print(f"Seeded {done:,} of {total:,} leads ({done / total:.0%}) in {elapsed:.0f} s.")

    yield report
