"""The bot's own profile: getMe, its command lists and its menu button."""

from __future__ import annotations

import json
import re

from emulator.errors import JsonObject, bad_request
from emulator.methods.registry import ApiCall, MethodHandler
from emulator.params import Params

MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
_SCOPE_FIELDS = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_MENU_BUTTON_TYPES = frozenset({"default", "commands", "web_app"})


def commands_key(scope: object, language_code: str | None) -> tuple[str, str]:
    """Where Telegram files a command list: its scope and language, both checked."""
    scope = scope or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_FIELDS:
        raise bad_request("can't parse BotCommandScope: unsupported scope type")
    if any(field not in scope for field in _SCOPE_FIELDS[scope["type"]]):
        raise bad_request("can't parse BotCommandScope: chat_id is missing")
    language_code = language_code or ""
    if language_code and not _LANGUAGE_CODE.match(language_code):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language_code


async def get_me(call: ApiCall) -> JsonObject:
    return {
        **call.bot.identity(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def set_my_commands(call: ApiCall) -> bool:
    commands = _valid_commands(call.params.get_json("commands"))
    key = _key(call.params)
    if commands:
        call.bot.commands[key] = commands
    else:
        call.bot.commands.pop(key, None)
    return True


async def get_my_commands(call: ApiCall) -> list[JsonObject]:
    return call.bot.commands.get(_key(call.params), [])


async def delete_my_commands(call: ApiCall) -> bool:
    call.bot.commands.pop(_key(call.params), None)
    return True


async def set_chat_menu_button(call: ApiCall) -> bool:
    button = call.params.get_json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button: unsupported type")
    if button["type"] == "web_app":
        web_app = button.get("web_app")
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if not button.get("text") or not isinstance(url, str) or not url.startswith("https://"):
            raise bad_request("can't parse menu button: text and an HTTPS web_app url are needed")
    call.bot.menu_buttons[call.params.get_int("chat_id")] = button
    return True


async def get_chat_menu_button(call: ApiCall) -> JsonObject:
    buttons = call.bot.menu_buttons
    chat_id = call.params.get_int("chat_id")
    return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}


def _key(params: Params) -> tuple[str, str]:
    return commands_key(params.get_json("scope"), params.get_str("language_code"))


def _valid_commands(commands: object) -> list[JsonObject]:
    if not isinstance(commands, list) or not all(isinstance(item, dict) for item in commands):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": item["command"], "description": item["description"]} for item in commands]


METHODS: dict[str, MethodHandler] = {
    "getMe": get_me,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
