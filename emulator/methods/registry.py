"""What a Bot API method handler receives and returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from emulator.params import Params
from emulator.state import BotState, EmulatorState
from emulator.webhooks import WebhookDelivery


@dataclass(frozen=True)
class ApiCall:
    state: EmulatorState
    bot: BotState
    params: Params
    method: str
    webhooks: WebhookDelivery


@dataclass(frozen=True)
class Described:
    """A result that Telegram sends together with a description (the webhook methods do)."""

    result: object
    description: str


MethodHandler = Callable[[ApiCall], Awaitable[object]]
