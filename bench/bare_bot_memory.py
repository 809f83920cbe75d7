"""The memory baseline of ``bench.bot_memory``: a process of its own that imports only
aiogram and feeds a bare dispatcher, with one no-op handler, as many button presses
(``python -m bench.bare_bot_memory COUNT``). It prints its RSS after them as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Chat, Message, Update, User

TOKEN = "42:BENCH"


def memory_mb() -> tuple[float, float]:
    """This process's resident set now and at its peak, in MB (Linux's /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def bare_press(number: int) -> Update:
    person = User(id=1, is_bot=False, first_name="Bench")
    card = Message(message_id=7, date=datetime.now(UTC), chat=Chat(id=1, type="private"))
    query = CallbackQuery(
        id=str(number), from_user=person, chat_instance="bench", message=card, data="x"
    )
    return Update(update_id=number, callback_query=query)


async def feed_bare(count: int) -> dict[str, float]:
    dispatcher = Dispatcher()
    router = Router()

    @router.callback_query()
    async def ignore(query: CallbackQuery) -> None:
        return None

    dispatcher.include_router(router)
    bot = Bot(TOKEN)  # never asked to send anything
    for number in range(count):
        await dispatcher.feed_update(bot, bare_press(number))
    now, peak = memory_mb()
    return {"after_updates": now, "peak": peak}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(feed_bare(int(sys.argv[1])))))
