"""Running the bot: one place that wires the real parts together for ``crm-bot run``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands import set_commands
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.notifier import TelegramNotifier
from bot.sending import RateLimitedSender
from bot.settings import Settings
from crm.db import create_session_factory
from crm.services.pipelines import ensure_default_pipeline


async def run_polling(settings: Settings, engine: AsyncEngine) -> None:
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        await ensure_default_pipeline(session)
        await session.commit()
    bot = create_bot(settings)
    translator = create_translator()
    notifier = TelegramNotifier(RateLimitedSender(bot), session_factory, translator)
    dispatcher = create_dispatcher(
        settings, session_factory=session_factory, notifier=notifier, translator=translator
    )
    dispatcher.startup.register(set_commands)
    await dispatcher.start_polling(bot)
