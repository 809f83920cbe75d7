"""The bot process's memory: its RSS after 10,000 mixed updates (open a card, move a stage,
page through a stage, /find, inline queries) through the real dispatcher, middlewares and
database at the largest size, against a bare aiogram dispatcher's process fed as many
presses (:mod:`bench.bare_bot_memory`).

The updates are fed in a process of its own (``python -m bench.bot_memory URL COUNT``), so
what seeding and the other benchmarks left in the bench's memory is not counted; they are
made one at a time from a few plain lists, so what is counted is the bot's.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.types import Chat, InlineQuery, Message, Update, User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bare_bot_memory import memory_mb
from bench.bot import TOKEN, AnsweringSession, crm_dispatcher, press
from bench.crm_core import manager
from bench.report import Measurement
from bench.search import FRAGMENTS
from bot import event_loop
from bot.database import create_engine
from crm.db import create_session_factory
from crm.models import Lead, Staff, StageKind
from crm.services.pipelines import default_pipeline
from handlers.leads.keyboards import LeadAction, LeadActionKind, MoveToStage
from handlers.pipeline import EPOCH, StageList

UPDATES = 10_000
RSS_TARGET_MB = 200.0
KINDS = ("open", "move", "stage page", "find", "inline")


@dataclass(frozen=True, slots=True)
class LeadSample:
    lead_id: int
    stage_id: int
    version: int
    last_activity_at: datetime


class MixedUpdates:
    """The i-th update of the mix, made when it is fed: one kind after another, each lead of
    the sample opened, moved once to another open stage and paged from."""

    def __init__(self, actor: Staff, leads: list[Lead], open_stages: dict[int, int]) -> None:
        self.actor = actor
        self.leads = [
            LeadSample(lead.id, lead.stage_id, lead.version, lead.last_activity_at)
            for lead in leads
        ]
        self.open_stages = open_stages  # stage id -> how many leads it holds

    def __call__(self, number: int) -> Update:
        kind = KINDS[number % len(KINDS)]
        lead = self.leads[(number // len(KINDS)) % len(self.leads)]
        if kind == "open":
            data = LeadAction(
                lead_id=lead.lead_id, action=LeadActionKind.OPEN, version=lead.version
            )
            return press(self.actor, data.pack(), number)
        if kind == "move":
            target = next(stage for stage in self.open_stages if stage != lead.stage_id)
            move = MoveToStage(lead_id=lead.lead_id, stage_id=target, version=lead.version)
            return press(self.actor, move.pack(), number)
        if kind == "stage page":
            at = (lead.last_activity_at - EPOCH) // timedelta(microseconds=1)
            total = self.open_stages[lead.stage_id]
            page = StageList(
                stage_id=lead.stage_id, page=1, total=total, at=at, lead_id=lead.lead_id
            )
            return press(self.actor, page.pack(), number)
        fragment = FRAGMENTS[number % len(FRAGMENTS)]
        if kind == "find":
            return self._message(f"/find {fragment}", number)
        return self._inline(fragment if number % 2 else "", number)

    def _person(self) -> User:
        return User(id=self.actor.telegram_id, is_bot=False, first_name=self.actor.display_name)

    def _message(self, text: str, number: int) -> Update:
        chat = Chat(id=self.actor.telegram_id, type="private")
        message = Message(
            message_id=number,
            date=datetime.now(UTC),
            chat=chat,
            from_user=self._person(),
            text=text,
        )
        return Update(update_id=number, message=message)

    def _inline(self, query: str, number: int) -> Update:
        inline = InlineQuery(id=str(number), from_user=self._person(), query=query, offset="")
        return Update(update_id=number, inline_query=inline)


async def mixed_updates(engine: AsyncEngine, count: int) -> MixedUpdates:
    """A manager's updates over leads sampled from the whole range of ids."""
    async with create_session_factory(engine)() as session:
        actor = await manager(session)
        stages = (await default_pipeline(session)).stages
        open_ids = [s.id for s in stages if s.kind == StageKind.OPEN]
        top = await session.scalar(select(func.max(Lead.id))) or 1
        sample = random.Random(count).sample(range(1, top + 1), min(top, count))
        leads = list(
            await session.scalars(
                select(Lead).where(Lead.id.in_(sample), Lead.stage_id.in_(open_ids))
            )
        )
        totals = dict(
            (
                await session.execute(
                    select(Lead.stage_id, func.count())
                    .where(Lead.stage_id.in_(open_ids))
                    .group_by(Lead.stage_id)
                )
            ).all()
        )
    return MixedUpdates(actor, leads[: count // len(KINDS)], totals)


async def feed(url: str, count: int) -> dict[str, float]:
    """Feed ``count`` mixed updates to the bot's dispatcher; the RSS before and after."""
    after_imports, _ = memory_mb()
    engine = create_engine(url)
    bot = Bot(TOKEN, session=AnsweringSession())
    updates = await mixed_updates(engine, count)
    dispatcher = crm_dispatcher(engine)
    for number in range(count):
        await dispatcher.feed_update(bot, updates(number))
    now, peak = memory_mb()
    await engine.dispose()
    return {"after_imports": after_imports, "after_updates": now, "peak": peak}


async def measure_memory(url: str, size: int, updates: int = UPDATES) -> Measurement:
    print(f"[sqlite] {updates:,} mixed updates in a process of their own ...", flush=True)
    bare = await _run_child("bench.bare_bot_memory", str(updates))
    rss = await _run_child("bench.bot_memory", url, str(updates))
    return Measurement(
        f"bot process RSS after {updates:,} mixed updates, {size:,} leads "
        f"(after imports {rss['after_imports']:.0f} MB, peak {rss['peak']:.0f} MB)",
        "sqlite",
        rss["after_updates"],
        "MB",
        bare["after_updates"],
        "bare aiogram dispatcher process, as many presses",
        f"< {RSS_TARGET_MB:.0f} MB",
        rss["after_updates"] < RSS_TARGET_MB,
    )


async def _run_child(module: str, *args: str) -> dict[str, float]:
    """``python -m module args``; the JSON it prints last."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await child.communicate()
    if child.returncode:
        raise RuntimeError(f"{module} exited with {child.returncode}")
    figures: dict[str, float] = json.loads(output.decode().splitlines()[-1])
    return figures


if __name__ == "__main__":
    print(json.dumps(event_loop.run(feed(sys.argv[1], int(sys.argv[2])))))
