"""Opening a Mini App as Telegram does: the URL with the launch parameters in its hash, the
``initData`` signed with the bot's token by Telegram's algorithm, for the person chosen."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import quote, urlencode, urlsplit

from sandbox.people import DemoPerson

# Telegram's light theme, as its clients pass it in tgWebAppThemeParams.
THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
}


def signed_init_data(bot_token: str, person: DemoPerson, *, auth_date: int | None = None) -> str:
    """``initData``: the fields, then ``hash``, the HMAC-SHA256 of the sorted ``key=value``
    lines keyed with HMAC-SHA256(key="WebAppData", msg=bot_token)."""
    user = {
        "id": person.telegram_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language_code": person.language.value,
        "allows_write_to_pm": True,
    }
    fields = {
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "chat_type": "sender",
        "auth_date": str(auth_date if auth_date is not None else int(time.time())),
    }
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def launch_url(button_url: str, origin: str, init_data: str) -> str:
    """The button's page on this sandbox's own server (the bot names its public address),
    with Telegram's launch parameters after ``#``."""
    parts = urlsplit(button_url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    launch = urlencode(
        {
            "tgWebAppData": init_data,
            "tgWebAppVersion": "8.0",
            "tgWebAppPlatform": "web",
            "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":")),
        },
        quote_via=quote,
    )
    return f"{origin}{path}{query}#{launch}"
