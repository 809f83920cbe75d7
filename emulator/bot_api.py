"""The Bot API over HTTP: /bot<token>/<method> in, {"ok": ...} out."""

from __future__ import annotations

import time
from collections.abc import Sequence

from aiohttp import web

from emulator.errors import BotApiError, JsonObject, method_not_found, unauthorized
from emulator.methods import METHODS, ApiCall, Described
from emulator.params import Params, read_params
from emulator.state import ApiErrorRecord, BotState, EmulatorState
from emulator.webhooks import WebhookDelivery


class BotApi:
    def __init__(self, state: EmulatorState, webhook_retry_delays: Sequence[float]) -> None:
        self.state = state
        self.webhooks = WebhookDelivery(self._execute_webhook_reply, webhook_retry_delays)

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        try:
            params = await read_params(request)
            body = await self.call(token, method, params)
        except BotApiError as error:
            self._record_error(token, method, error)
            return web.json_response(error.to_json(), status=error.error_code)
        finally:
            self.state.changed.notify()
        return web.json_response(body)

    async def call(self, token: str, method: str, params: Params) -> JsonObject:
        bot = self.state.bots.get(token)
        if bot is None:
            raise unauthorized()
        handler = METHODS.get(method.lower())
        if handler is None:
            raise method_not_found()
        outcome = await handler(ApiCall(self.state, bot, params, method, self.webhooks))
        if isinstance(outcome, Described):
            return {"ok": True, "result": outcome.result, "description": outcome.description}
        return {"ok": True, "result": outcome}

    async def _execute_webhook_reply(self, bot: BotState, method: str, params: Params) -> None:
        # Telegram tells the webhook nothing about how its reply went; errors are only logged.
        try:
            await self.call(bot.token, method, params)
        except BotApiError as error:
            self._record_error(bot.token, method, error)
        finally:
            self.state.changed.notify()

    def _record_error(self, token: str, method: str, error: BotApiError) -> None:
        bot = self.state.bots.get(token)
        self.state.api_errors.append(
            ApiErrorRecord(
                bot_id=bot.id if bot else None,
                method=method,
                error_code=error.error_code,
                description=error.description,
                at=time.time(),
            )
        )
