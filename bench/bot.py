"""The bot's cost per update: "open card" and "move stage" presses through the real
dispatcher, middlewares and database (100k leads), against aiogram's bare dispatcher with a
no-op handler fed the same updates in the same run.

Telegram's servers cannot exist here, so the bot's session answers every call at once
without a network: what is measured is the bot's own handling.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import Measurement
from bot.factory import create_dispatcher
from bot.i18n import create_translator
from bot.settings import Settings
from crm.db import create_session_factory
from crm.models import Lead, Role, Staff, StageKind
from crm.services.pipelines import default_pipeline
from handlers.leads.keyboards import LeadAction, LeadActionKind, MoveToStage

TOKEN = "42:BENCH"
PRESSES = 1000
PER_UPDATE_RATIO_TARGET = 8.0
P99_TARGET_MS = 15.0


class AnsweringSession(BaseSession):
    """Answers every Bot API call as Telegram would, without a network."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        if isinstance(method, AnswerCallbackQuery):
            return True  # type: ignore[return-value]
        chat_id = getattr(method, "chat_id", 1) or 1
        return Message(  # type: ignore[return-value]
            message_id=getattr(method, "message_id", 1) or 1,
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="private"),
            text=getattr(method, "text", "") or "",
        )

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""

    async def close(self) -> None:
        return None


def press(user: Staff, data: str, update_id: int) -> Update:
    person = User(id=user.telegram_id, is_bot=False, first_name=user.display_name)
    chat = Chat(id=user.telegram_id, type="private")
    card = Message(
        message_id=7,
        date=datetime.now(UTC),
        chat=chat,
        text="card",
        from_user=User(id=42, is_bot=True, first_name="CRM"),
    )
    query = CallbackQuery(
        id=str(update_id), from_user=person, chat_instance="bench", message=card, data=data
    )
    return Update(update_id=update_id, callback_query=query)


async def time_updates(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> list[float]:
    samples = []
    for update in updates:
        started = time.perf_counter()
        await dispatcher.feed_update(bot, update)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bare_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher(storage=MemoryStorage())
    router = Router()

    @router.callback_query()
    async def ignore(query: CallbackQuery) -> None:
        return None

    dispatcher.include_router(router)
    return dispatcher


class NoSender:
    """The outbox waits unsent: the bench measures the update, not the deliveries."""

    def wake(self) -> None:
        return None


def crm_dispatcher(engine: AsyncEngine) -> Dispatcher:
    settings = Settings(bot_token=SecretStr(TOKEN), database_url="unused")
    return create_dispatcher(
        settings,
        session_factory=create_session_factory(engine),
        outbox=NoSender(),
        translator=create_translator(),
        storage=MemoryStorage(),
    )


async def presses(engine: AsyncEngine) -> tuple[list[Update], list[Update]]:
    """Card openings and stage moves by one rep on leads of theirs, each lead moved once."""
    async with create_session_factory(engine)() as session:
        rep = await session.scalar(select(Staff).where(Staff.role == Role.REP).limit(1))
        assert rep is not None, "seed the demo data first"
        stages = (await default_pipeline(session)).stages
        open_ids = [s.id for s in stages if s.kind == StageKind.OPEN]
        rows = (
            (
                await session.execute(
                    select(Lead.id, Lead.stage_id, Lead.version)
                    .where(Lead.responsible_id == rep.id, Lead.stage_id.in_(open_ids))
                    .limit(PRESSES)
                )
            )
            .tuples()
            .all()
        )
    opens = [
        press(rep, LeadAction(lead_id=lead_id, action=LeadActionKind.OPEN, version=v).pack(), i)
        for i, (lead_id, _, v) in enumerate(rows)
    ]
    moves = [
        press(
            rep,
            MoveToStage(lead_id=lead_id, stage_id=_other(open_ids, stage_id), version=v).pack(),
            len(rows) + i,
        )
        for i, (lead_id, stage_id, v) in enumerate(rows)
    ]
    return opens, moves


def _other(stage_ids: list[int], current: int) -> int:
    return next(stage_id for stage_id in stage_ids if stage_id != current)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure_bot(engine: AsyncEngine) -> list[Measurement]:
    bot = Bot(TOKEN, session=AnsweringSession())
    opens, moves = await presses(engine)
    bare = bare_dispatcher()
    crm = crm_dispatcher(engine)
    rows = []
    for name, updates in (("open card", opens), ("move stage", moves)):
        baseline = await time_updates(bare, bot, updates)
        measured = await time_updates(crm, bot, updates)
        rows += _rows(name, measured, baseline)
    return rows


def _rows(name: str, measured: list[float], baseline: list[float]) -> list[Measurement]:
    mean: Callable[[list[float]], float] = lambda s: sum(s) / len(s)  # noqa: E731
    per_update = Measurement(
        f"'{name}' presses, mean per update ({len(measured):,})",
        "sqlite",
        mean(measured),
        "ms",
        mean(baseline),
        "bare dispatcher, no-op handler",
        f"<= {PER_UPDATE_RATIO_TARGET:.0f}x baseline",
        mean(measured) <= PER_UPDATE_RATIO_TARGET * mean(baseline),
    )
    p99 = percentile(measured, 0.99)
    tail = Measurement(
        f"'{name}' presses, p99",
        "sqlite",
        p99,
        "ms",
        percentile(baseline, 0.99),
        "bare dispatcher p99",
        f"<= {P99_TARGET_MS:.0f} ms",
        p99 <= P99_TARGET_MS,
    )
    return [per_update, tail]
