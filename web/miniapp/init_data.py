"""Telegram's Mini App ``initData``: checked with the bot token, and no older than allowed.

The algorithm is Telegram's own ("Validating data received via the Mini App"): the
data-check-string is every field but ``hash``, sorted by name, as ``name=value`` lines; the
key is HMAC-SHA256 of the bot token keyed with ``WebAppData``; the hash is the hex HMAC-SHA256
of the data-check-string under that key. Written here rather than taken from aiogram, which
``web`` may not import and whose check ignores ``auth_date``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

# Telegram's clock and ours may differ by a little; an auth_date further ahead is forged.
CLOCK_SKEW = timedelta(seconds=30)


class InitDataRejected(Exception):
    """``code`` says why: ``init-data-invalid`` or ``init-data-expired``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class WebAppUser:
    telegram_id: int
    language_code: str | None
    auth_date: datetime


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "hash")


def signed_init_data(fields: dict[str, str], bot_token: str) -> dict[str, str]:
    """``fields`` with the ``hash`` Telegram would add: what a client (or a test) sends."""
    digest = hmac.new(secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256)
    return {**fields, "hash": digest.hexdigest()}


def checked_user(
    init_data: str, *, bot_token: str, max_age: timedelta, now: datetime
) -> WebAppUser:
    """The Telegram user ``init_data`` was signed for, or :class:`InitDataRejected`."""
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise InitDataRejected("init-data-invalid") from None
    given = fields.get("hash", "")
    expected = signed_init_data(fields, bot_token)["hash"]
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InitDataRejected("init-data-invalid")
    auth_date = _auth_date(fields.get("auth_date", ""))
    if auth_date > now + CLOCK_SKEW or now - auth_date > max_age:
        raise InitDataRejected("init-data-expired")
    return _user(fields.get("user", ""), auth_date)


def _auth_date(value: str) -> datetime:
    if not value.isdigit():
        raise InitDataRejected("init-data-invalid")
    return datetime.fromtimestamp(int(value), UTC)


def _user(value: str, auth_date: datetime) -> WebAppUser:
    try:
        user = json.loads(value)
        telegram_id = user["id"]
    except (ValueError, TypeError, KeyError):
        raise InitDataRejected("init-data-invalid") from None
    if not isinstance(telegram_id, int) or isinstance(telegram_id, bool):
        raise InitDataRejected("init-data-invalid")
    language = user.get("language_code")
    return WebAppUser(
        telegram_id=telegram_id,
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )
