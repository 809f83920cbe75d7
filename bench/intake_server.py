"""One HTTP server process for the intake benchmark: ``python -m bench.intake_server URL``
serves the web app of ``crm-bot serve`` (its intake endpoints, with the outbox written but
no bot sending it), or with ``--bare`` the baseline: an aiohttp handler that reads the JSON
body and writes one row, nothing else. Prints ``port N`` once it listens; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import signal
import uuid

from aiohttp import web
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import event_loop
from bot.database import create_engine
from bot.runner import keep_start_up_out_of_collections
from crm.db import create_session_factory
from crm.models import IntakeReceipt, utcnow
from web.app import create_web_app
from web.context import IntakeSettings, WebContext

# Enough connections for 50 clients on PostgreSQL.
POSTGRES_POOL_SIZE = 20
UNLIMITED_PACE = 10**9


class NoSender:
    """The outbox rows are written; sending them is not what is measured."""

    def wake(self) -> None:
        return None


def intake_app(engine: AsyncEngine) -> web.Application:
    context = WebContext(
        create_session_factory(engine), NoSender(), IntakeSettings(per_minute=UNLIMITED_PACE)
    )
    return create_web_app(context)


def bare_app(engine: AsyncEngine) -> web.Application:
    """The floor: parse the body, insert one row in one transaction, answer."""

    async def write_one_row(request: web.Request) -> web.Response:
        body = await request.json()
        async with engine.begin() as connection:
            await connection.execute(
                insert(IntakeReceipt).values(
                    scope="bare", external_id=uuid.uuid4().hex, received_at=utcnow()
                )
            )
        return web.json_response({"status": "received", "fields": len(body)})

    app = web.Application()
    app.router.add_post("/intake/forms/{key}", write_one_row)
    return app


def server_engine(database_url: str, *, bare: bool) -> AsyncEngine:
    """On SQLite the intake app has the pool of ``crm-bot serve``, its writers taking turns in
    the driver adapter (``bot.sqlite_driver``); the bare handler, the baseline as it was first
    measured, queues for one connection."""
    if make_url(database_url).get_backend_name() == "postgresql":
        return create_engine(database_url, pool_size=POSTGRES_POOL_SIZE, max_overflow=0)
    if bare:
        return create_engine(database_url, pool_size=1, max_overflow=0)
    return create_engine(database_url)


async def serve(database_url: str, *, bare: bool) -> None:
    engine = server_engine(database_url, bare=bare)
    app = bare_app(engine) if bare else intake_app(engine)
    keep_start_up_out_of_collections()
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port}), flush=True)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await stopping.wait()
    await runner.cleanup()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_server")
    parser.add_argument("database_url")
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    # BENCH_PROFILE=folder: each intake server writes its cProfile statistics there on SIGTERM.
    folder = os.environ.get("BENCH_PROFILE")
    if folder is None or args.bare:
        event_loop.run(serve(args.database_url, bare=args.bare))
        return
    with cProfile.Profile() as profile:
        event_loop.run(serve(args.database_url, bare=args.bare))
    profile.dump_stats(os.path.join(folder, f"intake-{os.getpid()}.prof"))


if __name__ == "__main__":
    main()
