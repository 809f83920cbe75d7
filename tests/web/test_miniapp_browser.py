"""The board in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by
Playwright): opened with a correctly signed ``initData`` in Telegram's launch parameters, a
card dragged with the mouse and with touch, Won asking for the value, and the same board in
Ukrainian in the dark theme. One server and one browser for the module; screenshots go to
``artefacts/miniapp/`` (or under ARTEFACTS_DIR)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.database import create_engine
from bot.i18n import PageWords, create_translator
from crm.db import create_session_factory
from crm.models import Language, Lead, Role, Staff, StageKind, Task
from crm.schemas import LeadDraft
from crm.services.leads import create_lead, move_to_stage
from crm.services.pipelines import default_pipeline
from web.app import create_web_app
from web.context import WebContext
from web.miniapp.init_data import signed_init_data
from web.miniapp.settings import MiniAppSettings

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = (
    Path(os.environ.get("ARTEFACTS_DIR", Path(__file__).resolve().parents[2] / "artefacts"))
    / "miniapp"
)
BOT_TOKEN = "123456:browser-test-token"
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "button_color": "#2481cc"}
DARK = {
    "bg_color": "#17212b",
    "secondary_bg_color": "#232e3c",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "section_bg_color": "#17212b",
}
# Telegram's clients are told of a drop through postEvent: recorded here as a phone would.
RECORD_EVENTS = """
window.telegramEvents = [];
window.TelegramWebviewProxy = {
  postEvent: (type, data) => window.telegramEvents.push([type, data]),
};
"""
T = TypeVar("T")

# CI installs Chromium (.ci/run): there a missing browser fails the run instead.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


class NullOutbox:
    def wake(self) -> None:
        """The sender is not running: messages stay in the outbox table."""


@dataclass
class Server:
    """The web app on its own event loop in a thread, over a SQLite file."""

    loop: asyncio.AbstractEventLoop
    sessions: async_sessionmaker[AsyncSession]
    base_url: str

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=30)

    def url(self, staff: Staff, theme: dict[str, str]) -> str:
        fields = {
            "auth_date": str(int(time.time())),
            "user": json.dumps({"id": staff.telegram_id, "first_name": staff.display_name}),
        }
        launch = urlencode(
            {
                "tgWebAppData": urlencode(signed_init_data(fields, BOT_TOKEN)),
                "tgWebAppThemeParams": json.dumps(theme),
                "tgWebAppVersion": "8.0",
                "tgWebAppPlatform": "android",
            },
            quote_via=quote,
        )
        return f"{self.base_url}/miniapp/#{launch}"

    async def _lead(self, owner: Staff, title: str, value: str | None) -> Lead:
        async with self.sessions() as session:
            actor = await session.get(Staff, owner.id)
            lead = await create_lead(
                session, actor=actor, draft=LeadDraft(title=title, value=value)
            )
            await session.commit()
            return lead

    def lead(self, owner: Staff, title: str, value: str | None = "1000") -> Lead:
        return self.run(self._lead(owner, title, value))

    async def _stored(self, lead_id: int) -> Lead:
        async with self.sessions() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            return lead

    def stored(self, lead_id: int) -> Lead:
        return self.run(self._stored(lead_id))

    async def _stages(self) -> dict[StageKind | str, int]:
        async with self.sessions() as session:
            pipeline = await default_pipeline(session)
            return {stage.code or stage.name: stage.id for stage in pipeline.stages}

    async def move_behind_the_page(self, lead_id: int, stage_id: int) -> None:
        """Another person's move, from the chat, after the page was shown."""
        async with self.sessions() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None and lead.responsible_id is not None
            owner = await session.get(Staff, lead.responsible_id)
            assert owner is not None
            await move_to_stage(
                session, actor=owner, lead_id=lead_id, stage_id=stage_id, seen_version=lead.version
            )
            await session.commit()

    async def open_tasks(self, lead_id: int) -> list[str]:
        async with self.sessions() as session:
            titles = await session.scalars(
                select(Task.title).where(Task.lead_id == lead_id, Task.done_at.is_(None))
            )
            return list(titles)

    def stages(self) -> dict[StageKind | str, int]:
        return self.run(self._stages())


@dataclass(frozen=True)
class People:
    rep: Staff
    rep_uk: Staff


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("miniapp") / "crm.sqlite3"
    shutil.copyfile(sqlite_template, path)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = create_session_factory(engine)

    async def start() -> web.AppRunner:
        settings = MiniAppSettings(BOT_TOKEN, PageWords(create_translator()))
        runner = web.AppRunner(create_web_app(WebContext(sessions, NullOutbox()), settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner

    runner = asyncio.run_coroutine_threadsafe(start(), loop).result()
    host, port = runner.addresses[0][:2]
    yield Server(loop, sessions, f"http://{host}:{port}")
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
    asyncio.run_coroutine_threadsafe(engine.dispose(), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


@pytest.fixture(scope="module")
def people(server: Server) -> People:
    async def hire() -> People:
        async with server.sessions() as session:
            rep = Staff(telegram_id=3001, display_name="Taras Melnyk", role=Role.REP)
            rep_uk = Staff(
                telegram_id=3002, display_name="Олена Бондар", role=Role.REP, language=Language.UK
            )
            session.add_all([rep, rep_uk])
            await session.commit()
            return People(rep, rep_uk)

    return server.run(hire())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    """One phone-sized page with touch, reused by every test."""
    context = browser.new_context(
        viewport={"width": 1000, "height": 760}, has_touch=True, device_scale_factor=1
    )
    context.add_init_script(RECORD_EVENTS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def open_board(page: Any, server: Server, staff: Staff, theme: dict[str, str]) -> None:
    # A new hash alone would not load the page again.
    page.goto("about:blank")
    page.goto(server.url(staff, theme))
    page.wait_for_selector("body[data-ready=true]")


def card(page: Any, lead: Lead) -> Any:
    return page.locator(f'.card[data-lead-id="{lead.id}"]')


def column(page: Any, stage_id: int) -> Any:
    return page.locator(f'.cards[data-stage-id="{stage_id}"]')


def drag_with_mouse(page: Any, lead: Lead, stage_id: int) -> None:
    start = card(page, lead).bounding_box()
    target = column(page, stage_id).bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 20, steps=4)
    page.mouse.move(target["x"] + 40, target["y"] + 30, steps=12)
    wait_until_held_over(page, stage_id)
    page.mouse.up()


def wait_until_held_over(page: Any, stage_id: int) -> None:
    """SortableJS places the carried card under the pointer on a timer of its own."""
    column(page, stage_id).locator(".card-ghost").wait_for()


def drag_with_touch(page: Any, lead: Lead, stage_id: int) -> None:
    """A finger held on the card until it is picked up, then moved to the column."""
    start = card(page, lead).bounding_box()
    target = column(page, stage_id).bounding_box()
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    x, y = start["x"] + 20, start["y"] + 10
    touch("touchStart", x, y)
    page.wait_for_selector(".sortable-chosen")
    steps = 12
    for step in range(1, steps + 1):
        touch(
            "touchMove",
            x + (target["x"] + 40 - x) * step / steps,
            y + (target["y"] + 30 - y) * step / steps,
        )
    wait_until_held_over(page, stage_id)
    touch("touchEnd", 0, 0)
    cdp.detach()


def moved_card(page: Any, lead: Lead, stage_id: int) -> Any:
    moved = column(page, stage_id).locator(f'.card[data-lead-id="{lead.id}"][data-moved=true]')
    moved.wait_for()
    return moved


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_card_dragged_with_the_mouse_moves_and_the_database_follows(
    server: Server, people: People, page: Any
) -> None:
    stages = server.stages()
    lead = server.lead(people.rep, "Olena Petrenko", "12000")
    server.lead(people.rep, "Acme Ltd", "4500")
    open_board(page, server, people.rep, LIGHT)
    assert page.locator(".column h2").first.inner_text().startswith("New")
    drag_with_mouse(page, lead, stages["qualified"])
    moved_card(page, lead, stages["qualified"])
    assert server.stored(lead.id).stage_id == stages["qualified"]
    haptics = page.evaluate("window.telegramEvents.filter(([type]) => type.includes('haptic'))")
    assert haptics, "a drop is felt"
    screenshot(page, "miniapp-light-en.png")


def test_a_card_dragged_with_a_finger_moves(server: Server, people: People, page: Any) -> None:
    stages = server.stages()
    lead = server.lead(people.rep, "Touch Ltd")
    open_board(page, server, people.rep, LIGHT)
    drag_with_touch(page, lead, stages["qualified"])
    moved_card(page, lead, stages["qualified"])
    assert server.stored(lead.id).stage_id == stages["qualified"]


def test_won_asks_for_the_value_first(server: Server, people: People, page: Any) -> None:
    stages = server.stages()
    lead = server.lead(people.rep, "No value yet", None)
    open_board(page, server, people.rep, LIGHT)
    drag_with_mouse(page, lead, stages["won"])
    prompt = page.locator('#prompt-form[data-need="value"]')
    prompt.wait_for()
    assert "won deal needs a value" in prompt.inner_text()
    assert server.stored(lead.id).stage_id == stages["new"]
    screenshot(page, "miniapp-won-prompt.png")
    prompt.locator("input").fill("9 500")
    prompt.locator("button[type=submit]").click()
    moved_card(page, lead, stages["won"])
    stored = server.stored(lead.id)
    assert (stored.stage_id, str(stored.value)) == (stages["won"], "9500.00")


def test_in_ukrainian_in_the_dark_lost_asks_why(server: Server, people: People, page: Any) -> None:
    stages = server.stages()
    lead = server.lead(people.rep_uk, "Сад і город")
    open_board(page, server, people.rep_uk, DARK)
    headers = page.locator(".column h2 span:first-child").all_inner_texts()
    assert headers[:2] == ["Новий", "Кваліфікований"]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    drag_with_touch(page, lead, stages["lost"])
    prompt = page.locator('#prompt-form[data-need="lost_reason"]')
    prompt.wait_for()
    assert "Чому угоду втрачено?" in prompt.inner_text()
    assert "Задорого" in prompt.inner_text()
    screenshot(page, "miniapp-dark-uk.png")
    prompt.locator('button[data-reason="price"]').click()
    moved_card(page, lead, stages["lost"])
    assert server.stored(lead.id).lost_reason_code == "price"


def test_a_card_someone_moved_meanwhile_is_refused_and_the_board_refreshed(
    server: Server, people: People, page: Any
) -> None:
    stages = server.stages()
    lead = server.lead(people.rep, "Contested Ltd")
    open_board(page, server, people.rep, LIGHT)
    server.run(server.move_behind_the_page(lead.id, stages["proposal"]))
    drag_with_mouse(page, lead, stages["qualified"])
    page.get_by_text("Someone changed this lead a moment ago").wait_for()
    column(page, stages["proposal"]).locator(f'.card[data-lead-id="{lead.id}"]').wait_for()
    assert server.stored(lead.id).stage_id == stages["proposal"]


def test_a_tapped_card_shows_its_details_and_logs_a_call_with_a_follow_up(
    server: Server, people: People, page: Any
) -> None:
    lead = server.lead(people.rep, "Called Co", "700")
    open_board(page, server, people.rep, LIGHT)
    card(page, lead).click()
    sheet = page.locator("#sheet-body")
    sheet.get_by_text("Called Co").wait_for()
    sheet.get_by_role("button", name="Called").click()
    sheet.get_by_text("call").first.wait_for()
    sheet.get_by_role("button", name="In 1 hour").click()
    sheet.get_by_text("Follow up: Called Co").wait_for()
    assert server.run(server.open_tasks(lead.id)) == ["Follow up: Called Co"]
