"""Fixtures: an emulator on a free local port, a real aiogram Bot on it, and a control client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from emulator import EmulatorClient, RunningEmulator, SimulatedUser, run_emulator

TOKEN = "123456:TEST-emulator-token"
BOT_USERNAME = "crm_test_bot"


class LocalAiohttpSession(AiohttpSession):
    """aiogram's session minus its 250 ms wait on close for TLS shutdown: the emulator is HTTP."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(base_url: str, token: str = TOKEN) -> Bot:
    session = LocalAiohttpSession(api=TelegramAPIServer.from_base(base_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(webhook_retry_delays=(0.05, 0.1)) as running:
        running.register_bot(TOKEN, username=BOT_USERNAME)
        yield running


@pytest.fixture
async def bot(emulator: RunningEmulator) -> AsyncIterator[Bot]:
    bot = make_bot(emulator.base_url)
    yield bot
    await bot.session.close()


@pytest.fixture
async def control(emulator: RunningEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.base_url) as client:
        yield client


@pytest.fixture
def alice() -> SimulatedUser:
    return SimulatedUser(id=1001, first_name="Alice", username="alice", language_code="en")


@pytest.fixture
def bohdan() -> SimulatedUser:
    return SimulatedUser(id=1002, first_name="Богдан", language_code="uk")
