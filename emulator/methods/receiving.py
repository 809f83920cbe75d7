"""How a bot receives updates: getUpdates long polling or a webhook."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from emulator.errors import JsonObject, bad_request, conflict
from emulator.methods.registry import ApiCall, Described, MethodHandler
from emulator.state import WebhookConfig

MAX_UPDATES = 100
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_MAX_SECRET_TOKEN = 256


async def get_updates(call: ApiCall) -> list[JsonObject]:
    bot, params = call.bot, call.params
    if bot.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    queue = bot.updates
    poll = queue.begin_poll()
    offset = params.get_int("offset")
    if offset is not None:
        queue.confirm(offset)
    _allow_updates(call)
    limit = min(max(params.get_int("limit") or MAX_UPDATES, 1), MAX_UPDATES)
    timeout = max(params.get_int("timeout") or 0, 0)
    await queue.changed.wait_for(
        lambda: queue.has_pending() or not queue.is_current_poll(poll) or call.state.closing,
        timeout,
    )
    if not queue.is_current_poll(poll):
        raise conflict(
            "terminated by other getUpdates request; "
            "make sure that only one bot instance is running"
        )
    return queue.peek(limit)


async def set_webhook(call: ApiCall) -> Described:
    url = call.params.get_str("url") or ""
    if not url:
        return _remove_webhook(call)
    _check_webhook_url(url)
    secret_token = call.params.get_str("secret_token")
    if secret_token is not None and not _is_valid_secret(secret_token):
        raise bad_request("secret token contains unallowed characters")
    _allow_updates(call)
    if call.params.get_bool("drop_pending_updates"):
        call.bot.updates.clear()
    max_connections = call.params.get_int("max_connections") or 40
    call.bot.webhook = WebhookConfig(url, secret_token, max_connections)
    call.webhooks.start(call.bot)
    return Described(True, "Webhook was set")


async def delete_webhook(call: ApiCall) -> Described:
    return _remove_webhook(call)


async def get_webhook_info(call: ApiCall) -> JsonObject:
    webhook = call.bot.webhook
    info: JsonObject = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": call.bot.updates.pending_count,
    }
    if webhook is None:
        return info
    info["max_connections"] = webhook.max_connections
    info["allowed_updates"] = sorted(call.bot.updates.allowed_types)
    last_error = webhook.last_error()
    if last_error is not None:
        info["last_error_date"] = int(last_error.at)
        info["last_error_message"] = last_error.error
    return info


def _remove_webhook(call: ApiCall) -> Described:
    was_set = call.bot.webhook is not None
    call.webhooks.stop(call.bot)
    call.bot.webhook = None
    if call.params.get_bool("drop_pending_updates"):
        call.bot.updates.clear()
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


def _allow_updates(call: ApiCall) -> None:
    allowed = call.params.get_json("allowed_updates")
    if allowed is None:
        return
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    call.bot.updates.allow(allowed)


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if not parts.hostname:
        raise bad_request("bad webhook: invalid webhook URL specified")
    # Telegram only calls public HTTPS endpoints; a loopback host can only be a local test
    # server, which is why plain HTTP and any port are accepted for it alone.
    if _is_loopback(parts.hostname):
        return
    if parts.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_valid_secret(secret_token: str) -> bool:
    return 1 <= len(secret_token) <= _MAX_SECRET_TOKEN and set(secret_token) <= _SECRET_TOKEN_CHARS


METHODS: dict[str, MethodHandler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
