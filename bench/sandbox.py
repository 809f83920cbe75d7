"""The sandbox as a new user meets it (``python -m bench --sandbox``).

Start-up: from ``crm-bot run`` with no token on an empty data directory (so seeding included)
to the page answering, against loading the code alone (a Python importing the sandbox's
launcher, which is most of any bot's start: aiogram's types) in the same run. A tap: an inline
button pressed in the page (headless Chromium) until the bot's answer is in the page, against
the same press and answer over the emulator's control API alone, taken turn about on one
sandbox.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import aiohttp
from playwright.async_api import Page, async_playwright

from bench.report import Measurement
from emulator import EmulatorClient, SentMessage, SimulatedUser

START_TARGET_SECONDS = 10.0
TAP_RATIO_TARGET = 3.0
TAPS = 8
# Telegram lets a bot write to one chat about once a second; the bot paces itself so.
BETWEEN_TAPS_SECONDS = 1.2
ADDRESS = re.compile(r"The sandbox is at (http://\S+) ")
ADMIN = SimulatedUser(id=8000000001, first_name="Alex", last_name="Admin", language_code="en")
BUTTONS = ("Next stage ▶", "◀ Back a stage")
# Resolves with the milliseconds from the click until the chat list shows the bot's answer.
TAP_IN_PAGE = """async ([messageId, text]) => {
    const list = document.getElementById("messages");
    const card = list.querySelector(`li[data-id="${messageId}"]`);
    const button = [...card.querySelectorAll(".inline-keyboard button")]
        .find((b) => b.textContent === text);
    const shown = new Promise((resolve) => new MutationObserver((_, observer) => {
        observer.disconnect();
        resolve(performance.now());
    }).observe(list, {childList: true}));
    const started = performance.now();
    button.click();
    return (await shown) - started;
}"""


def crm_bot() -> list[str]:
    script = Path(sys.executable).with_name("crm-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def environment(home: Path) -> dict[str, str]:
    kept = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BOT_TOKEN", "DATABASE_URL", "HOST", "PORT"}
    }
    return {**kept, "XDG_DATA_HOME": str(home / "data"), "PORT": "0"}


async def measure_sandbox() -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        home = Path(scratch)
        loading = time_loading_the_code(home)
        started = time.perf_counter()
        with (home / "sandbox.log").open("w") as log:
            process = start_as_the_readme_does(home, log)
            try:
                url = await asyncio.to_thread(_address, process)
                await _page_answers(url)
                ready = time.perf_counter() - started
                page_taps, emulator_taps = await time_taps(url)
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(30)
    return [
        Measurement(
            "crm-bot run, no token, empty data dir: until the page answers",
            "sqlite",
            ready,
            "s",
            loading,
            "importing the code alone",
            f"< {START_TARGET_SECONDS:.0f} s",
            ready < START_TARGET_SECONDS,
        ),
        Measurement(
            f"a tap until the answer shows in the page, median of {TAPS}",
            "sqlite",
            statistics.median(page_taps),
            "ms",
            statistics.median(emulator_taps),
            "the same press over the emulator alone",
            f"<= {TAP_RATIO_TARGET:.0f}x baseline",
            statistics.median(page_taps) <= TAP_RATIO_TARGET * statistics.median(emulator_taps),
        ),
    ]


def start_as_the_readme_does(home: Path, log: TextIO) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*crm_bot(), "run"],
        cwd=home,
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )


def time_loading_the_code(home: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sandbox.launcher"], cwd=home, check=True)
    return time.perf_counter() - started


def _address(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        found = ADDRESS.search(line)
        if found:
            return found.group(1)
    raise RuntimeError("the sandbox stopped before it said its address")


async def _page_answers(url: str) -> None:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        response.raise_for_status()


async def time_taps(url: str) -> tuple[list[float], list[float]]:
    """Taps on a lead card's stage buttons, in the page and over the control API in turns."""
    async with EmulatorClient(f"{url}/emulator") as control, async_playwright() as playwright:
        await control.send_text(ADMIN, "/lead Bench Client +380671234599")
        (card,) = [m for m in await control.wait_for_messages(ADMIN.id, 1) if m.buttons]
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = await browser.new_page()
        await page.goto(url)
        await page.locator(f'li[data-id="{card.message_id}"] .inline-keyboard').wait_for()
        in_page, alone = [], []
        for tap in range(TAPS * 2):
            button = BUTTONS[tap % 2]
            if tap % 2:
                card, elapsed = await _tap_over_emulator(control, card, button)
                alone.append(elapsed)
            else:
                in_page.append(await _tap_in_page(page, card.message_id, button))
                card = await control.message(ADMIN.id, card.message_id)
            await asyncio.sleep(BETWEEN_TAPS_SECONDS)
        await browser.close()
    return in_page, alone


async def _tap_in_page(page: Page, message_id: int, button: str) -> float:
    return float(await page.evaluate(TAP_IN_PAGE, [message_id, button]))


async def _tap_over_emulator(
    control: EmulatorClient, card: SentMessage, button: str
) -> tuple[SentMessage, float]:
    started = time.perf_counter()
    await control.press_button(ADMIN, card, text=button)
    edited = await control.wait_for_edit(card)
    return edited, (time.perf_counter() - started) * 1000
