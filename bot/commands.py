"""The commands menu, in each user's language (``setMyCommands`` with ``language_code``)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, MenuButtonWebApp, WebAppInfo
from aiogram_i18n.cores import FluentRuntimeCore

from crm.models import Language

COMMANDS = (
    "lead",
    "pipeline",
    "report",
    "today",
    "find",
    "segments",
    "export",
    "duplicates",
    "settings",
    "invite",
    "stages",
    "team",
    "teams",
    "forms",
    "fields",
    "delivery",
    "webhooks",
    "rules",
    "help",
    "cancel",
)


def commands_in(translator: FluentRuntimeCore, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=translator.get(f"command-{name}", locale))
        for name in COMMANDS
    ]


async def set_commands(bot: Bot, translator: FluentRuntimeCore) -> None:
    """English is also the menu for every language we do not speak."""
    await bot.set_my_commands(commands_in(translator, Language.EN.value))
    for language in Language:
        await bot.set_my_commands(
            commands_in(translator, language.value), language_code=language.value
        )


async def set_board_menu_button(
    bot: Bot, translator: FluentRuntimeCore, address: str | None
) -> None:
    """The menu button opens the pipeline board when it has an address. Telegram keeps one
    default menu button for every chat, so its words are English."""
    if address is None:
        return
    text = translator.get("miniapp-menu-button", Language.EN.value)
    await bot.set_chat_menu_button(
        menu_button=MenuButtonWebApp(text=text, web_app=WebAppInfo(url=address))
    )
