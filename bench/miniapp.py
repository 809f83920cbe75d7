"""The Mini App at 10,000 open leads (``python -m bench --miniapp``): the board API over HTTP,
the page ready in Debian's headless Chromium, and a card dropped on another column until the
database holds the move and the card is back on screen with its new version.

Baselines, measured in the same run against the same server and browser: ``GET /healthz``
for the API, opening a blank page of the same server for the page, and one Playwright
round trip (``page.evaluate``) for the drop.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import ClientSession, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.crm_core import manager, seed, settle
from bench.report import Measurement, time_calls
from bot.database import create_engine
from bot.i18n import PageWords, create_translator
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import Lead, Staff, Stage, StageKind
from web.app import create_web_app
from web.context import WebContext
from web.miniapp.init_data import signed_init_data
from web.miniapp.settings import MiniAppSettings

# The demo data spreads leads evenly over five stages, three of them open: about 10,000 open.
SEEDED_LEADS = 16_700
BOT_TOKEN = "123456:bench-token"
CHROMIUM = "/usr/bin/chromium"
API_TARGET_MS = 100.0
PAGE_TARGET_MS = 1000.0
DROP_TARGET_MS = 150.0
API_SAMPLES = 20
PAGE_SAMPLES = 5
DROPS = 5


class IdleOutbox:
    def wake(self) -> None:
        """No sender runs in the benchmark; the messages stay in the outbox."""


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    print(f"[{backend}] seeding {SEEDED_LEADS:,} leads ...", flush=True)
    await seed(engine, leads=SEEDED_LEADS)
    await settle(engine)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        viewer = await manager(session)
        open_leads = await _open_leads(session)
    settings = MiniAppSettings(BOT_TOKEN, PageWords(create_translator()))
    runner = web.AppRunner(create_web_app(WebContext(sessions, IdleOutbox()), settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    size = f"{open_leads:,} open leads"
    try:
        rows = [await _board_api(base, viewer, backend, size)]
        rows += await _in_chromium(base, viewer, sessions, backend, size)
    finally:
        await runner.cleanup()
        await engine.dispose()
    return rows


async def _open_leads(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Lead).join(Stage).where(Stage.kind == StageKind.OPEN)
    )
    return count or 0


def _init_data(viewer: Staff) -> str:
    fields = {
        "auth_date": str(int(time.time())),
        "user": json.dumps({"id": viewer.telegram_id, "first_name": viewer.display_name}),
    }
    return urlencode(signed_init_data(fields, BOT_TOKEN))


def _launch_url(base: str, viewer: Staff) -> str:
    launch = urlencode(
        {"tgWebAppData": _init_data(viewer), "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web"},
        quote_via=quote,
    )
    return f"{base}/miniapp/#{launch}"


async def _board_api(base: str, viewer: Staff, backend: str, size: str) -> Measurement:
    headers = {"Authorization": "tma " + _init_data(viewer)}
    async with ClientSession() as client:

        async def board() -> None:
            async with client.get(base + "/miniapp/api/board", headers=headers) as response:
                assert response.status == 200, await response.text()
                await response.read()

        async def health() -> None:
            async with client.get(base + "/healthz") as response:
                await response.read()

        baseline = (await time_calls(health, repeat=API_SAMPLES)).median_ms
        timing = (await time_calls(board, repeat=API_SAMPLES)).median_ms
    return Measurement(
        f"Mini App board API as a manager, {size} (median)",
        backend,
        timing,
        "ms",
        baseline,
        "GET /healthz",
        f"<= {API_TARGET_MS:.0f} ms",
        timing <= API_TARGET_MS,
    )


async def _in_chromium(
    base: str,
    viewer: Staff,
    sessions: async_sessionmaker[AsyncSession],
    backend: str,
    size: str,
) -> list[Measurement]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            ready = await _page_ready(page, base, viewer, backend, size)
            drop = await _drop(page, sessions, backend, size)
        finally:
            await browser.close()
    return [ready, drop]


async def _page_ready(page: Any, base: str, viewer: Staff, backend: str, size: str) -> Measurement:
    url = _launch_url(base, viewer)

    async def open_board() -> None:
        await page.goto("about:blank")
        await page.goto(url)
        await page.wait_for_selector("body[data-ready=true]")

    async def open_blank() -> None:
        await page.goto("about:blank")
        await page.goto(base + "/healthz")

    baseline = (await time_calls(open_blank, repeat=PAGE_SAMPLES, warmup=1)).median_ms
    timing = (await time_calls(open_board, repeat=PAGE_SAMPLES, warmup=1)).median_ms
    return Measurement(
        f"Mini App page ready in Chromium, {size} (median)",
        backend,
        timing,
        "ms",
        baseline,
        "open /healthz",
        f"<= {PAGE_TARGET_MS:.0f} ms",
        timing <= PAGE_TARGET_MS,
    )


async def _drop(
    page: Any, sessions: async_sessionmaker[AsyncSession], backend: str, size: str
) -> Measurement:
    """Each sample picks up the first card of the first column, carries it over the second
    and lets go; timed from letting go to the moved card on screen, the move committed."""
    columns = page.locator(".cards")
    target_stage = int(await columns.nth(1).get_attribute("data-stage-id"))
    samples = []
    for _ in range(DROPS):
        card = columns.nth(0).locator(".card").first
        lead_id = int(await card.get_attribute("data-lead-id"))
        start = await card.bounding_box()
        target = await columns.nth(1).bounding_box()
        await page.mouse.move(start["x"] + 20, start["y"] + 10)
        await page.mouse.down()
        await page.mouse.move(start["x"] + 40, start["y"] + 20, steps=3)
        await page.mouse.move(target["x"] + 40, target["y"] + 30, steps=8)
        # SortableJS places the card under the pointer on its own timer: let it, then let go.
        await page.wait_for_selector(f'.cards[data-stage-id="{target_stage}"] .card-ghost')
        started = time.perf_counter()
        await page.mouse.up()
        await page.wait_for_selector(f'.card[data-lead-id="{lead_id}"][data-moved=true]')
        samples.append((time.perf_counter() - started) * 1000)
        async with sessions() as session:
            moved = await session.get(Lead, lead_id)
            assert moved is not None and moved.stage_id == target_stage, "the drop was not saved"

    async def round_trip() -> None:
        await page.evaluate("1")

    baseline = (await time_calls(round_trip, repeat=20)).median_ms
    samples.sort()
    median = samples[len(samples) // 2]
    return Measurement(
        f"Mini App drop to saved and shown, {size} (median of {DROPS})",
        backend,
        median,
        "ms",
        baseline,
        "page.evaluate round trip",
        f"<= {DROP_TARGET_MS:.0f} ms",
        median <= DROP_TARGET_MS,
    )
