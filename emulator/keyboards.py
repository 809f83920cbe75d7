"""Reply markup rules: inline keyboard sizes, button actions and callback data."""

from __future__ import annotations

from typing import Any

from emulator.errors import BotApiError, JsonObject, bad_request
from emulator.html_entities import checked_link

MAX_BUTTONS_IN_ROW = 8
MAX_BUTTONS = 100
MAX_CALLBACK_DATA_BYTES = 64
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_REPLY_MARKUP_KINDS = ("keyboard", "remove_keyboard", "force_reply")


def validate_reply_markup(markup: object) -> JsonObject | None:
    """Check any reply_markup a message may carry; return it, or None if absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _unparsable_markup()
    if "inline_keyboard" in markup:
        return validate_inline_keyboard(markup)
    if "keyboard" in markup:
        _validate_reply_keyboard(markup["keyboard"])
    elif not any(kind in markup for kind in _REPLY_MARKUP_KINDS):
        raise _unparsable_markup()
    return markup


def validate_inline_keyboard(markup: object) -> JsonObject | None:
    """Check an InlineKeyboardMarkup, the only markup an edit or an inline result may carry."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    rows = _rows(markup["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    if any(len(row) > MAX_BUTTONS_IN_ROW for row in rows):
        raise bad_request("too many buttons in a row")
    for row in rows:
        for button in row:
            _validate_inline_button(button)
    return markup


def require_private_chat_for_web_apps(markup: JsonObject | None, *, private: bool) -> None:
    """Mini App buttons are "available only in private chats between a user and the bot";
    Telegram refuses them anywhere else (groups, channels, inline results) this way."""
    if not private and any("web_app" in button for button in _all_buttons(markup)):
        raise bad_request("BUTTON_TYPE_INVALID")


def _all_buttons(markup: JsonObject | None) -> list[JsonObject]:
    rows = (markup or {}).get("inline_keyboard") or (markup or {}).get("keyboard") or []
    return [button for row in rows for button in row if isinstance(button, dict)]


def inline_buttons(markup: JsonObject | None) -> list[JsonObject]:
    """All buttons of an inline keyboard, row by row."""
    if markup is None:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _rows(value: object, field: str, owner: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{field}" of the {owner} should be an Array of Arrays')
    return value


def _validate_reply_keyboard(value: object) -> None:
    for row in _rows(value, "keyboard", "ReplyKeyboardMarkup"):
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request('can\'t parse keyboard button: Field "text" must be non-empty')


def _validate_inline_button(button: object) -> None:
    if not isinstance(button, dict):
        raise _unparsable_button("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _unparsable_button('Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [action for action in BUTTON_ACTIONS if action in button]
    if not actions:
        raise _unparsable_button("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _unparsable_button(f"exactly one action field expected, got {', '.join(actions)}")
    _validate_action(actions[0], button[actions[0]])


def _validate_action(action: str, value: object) -> None:
    if action == "callback_data":
        if not isinstance(value, str) or not 1 <= len(value.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        if not isinstance(value, str) or checked_link(value) is None:
            raise bad_request("BUTTON_URL_INVALID")
    elif action in ("web_app", "login_url"):
        url = value.get("url") if isinstance(value, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            kind = "Web App" if action == "web_app" else "login"
            reason = "Only HTTPS links are allowed"
            raise bad_request(f"inline keyboard button {kind} URL '{url}' is invalid: {reason}")


def _unparsable_button(reason: str) -> BotApiError:
    return bad_request(f"can't parse inline keyboard button: {reason}")


def _unparsable_markup() -> BotApiError:
    return bad_request("can't parse reply keyboard markup JSON object")
