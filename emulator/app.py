"""Wiring the emulator into an aiohttp application, and running it on a local port."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from emulator.bot_api import BotApi
from emulator.control_api import ControlApi, control_errors
from emulator.limits import RateLimits
from emulator.state import BotState, EmulatorState

EMULATOR_STATE = web.AppKey("emulator_state", EmulatorState)
_BOT_API = web.AppKey("emulator_bot_api", BotApi)
# Telegram accepts uploads of up to 50 MB; the rest is room for the other form fields.
MAX_REQUEST_BYTES = 51 * 1024 * 1024
DEFAULT_WEBHOOK_RETRY_DELAYS = (0.2, 1.0, 3.0)


def create_emulator_app(
    *,
    rate_limits: RateLimits | None = None,
    webhook_retry_delays: Sequence[float] = DEFAULT_WEBHOOK_RETRY_DELAYS,
    clock: Callable[[], float] = time.monotonic,
) -> web.Application:
    """The emulator as an aiohttp app; its state is app[EMULATOR_STATE]."""
    state = EmulatorState(rate_limits=rate_limits or RateLimits(), clock=clock)
    bot_api = BotApi(state, webhook_retry_delays)
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[control_errors])
    app[EMULATOR_STATE] = state
    app[_BOT_API] = bot_api
    app.router.add_route("*", "/bot{token}/{method}", bot_api.handle)
    app.router.add_get("/file/bot{token}/documents/{file_id}", _download_file)
    app.router.add_routes(ControlApi(state, bot_api.webhooks).routes())
    app.on_shutdown.append(_release_waiters)
    app.on_cleanup.append(_stop_webhooks)
    return app


async def _download_file(request: web.Request) -> web.Response:
    """A file's bytes at the path getFile gave, as api.telegram.org/file/bot<token>/ serves."""
    bot = request.app[EMULATOR_STATE].bots.get(request.match_info["token"])
    stored = None if bot is None else bot.files.get(request.match_info["file_id"])
    if stored is None or stored.content is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored.content, content_type="application/octet-stream")


async def _release_waiters(app: web.Application) -> None:
    """Answer long polls and control waits now, so shutdown does not wait out their timeouts."""
    state = app[EMULATOR_STATE]
    state.closing = True
    for bot in state.bots.values():
        bot.updates.wake_all()
    state.changed.notify()


async def _stop_webhooks(app: web.Application) -> None:
    await app[_BOT_API].webhooks.close()


@dataclass(frozen=True)
class RunningEmulator:
    base_url: str
    state: EmulatorState

    def register_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> BotState:
        return self.state.register_bot(token, username=username, first_name=first_name)


@asynccontextmanager
async def run_emulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    rate_limits: RateLimits | None = None,
    webhook_retry_delays: Sequence[float] = DEFAULT_WEBHOOK_RETRY_DELAYS,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[RunningEmulator]:
    """Serve the emulator on host:port (0 picks a free port) for the duration of the block."""
    app = create_emulator_app(
        rate_limits=rate_limits, webhook_retry_delays=webhook_retry_delays, clock=clock
    )
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        url_host = f"[{host}]" if ":" in host else host
        yield RunningEmulator(f"http://{url_host}:{bound_port}", app[EMULATOR_STATE])
    finally:
        await runner.cleanup()
