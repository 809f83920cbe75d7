"""Delivering updates to a bot's webhook, in order, retrying a few times on failure.

Like Telegram, the emulator runs a Bot API method that the webhook returns in its response
body (aiogram does this when it answers updates "in the response"), as JSON or as a form.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

import aiohttp

from emulator.errors import JsonObject
from emulator.params import Params, UploadedFile
from emulator.state import BotState, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ReplyExecutor = Callable[[BotState, str, Params], Awaitable[object]]
_REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)


class WebhookDelivery:
    """One delivery task per bot whose webhook is set."""

    def __init__(self, execute_reply: ReplyExecutor, retry_delays: Sequence[float]) -> None:
        self._execute_reply = execute_reply
        self._retry_delays = tuple(retry_delays)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self, bot: BotState) -> None:
        self.stop(bot)
        self._tasks[bot.token] = asyncio.create_task(self._deliver_while_set(bot))

    def stop(self, bot: BotState) -> None:
        task = self._tasks.pop(bot.token, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _deliver_while_set(self, bot: BotState) -> None:
        queue = bot.updates
        while True:
            await queue.changed.wait_for(queue.has_pending, max_wait=None)
            webhook = bot.webhook
            if webhook is None:
                return
            update = queue.peek(1)[0]
            await self._deliver(bot, webhook, update)
            queue.confirm(update["update_id"] + 1)

    async def _deliver(self, bot: BotState, webhook: WebhookConfig, update: JsonObject) -> None:
        for delay in (0.0, *self._retry_delays):
            await asyncio.sleep(delay)
            if await self._attempt(bot, webhook, update):
                return

    async def _attempt(self, bot: BotState, webhook: WebhookConfig, update: JsonObject) -> bool:
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with self._client().post(
                webhook.url, json=update, headers=headers, timeout=_REQUEST_TIMEOUT
            ) as response:
                if response.status // 100 != 2:
                    reason = f"{response.status} {response.reason}"
                    webhook.record(
                        update["update_id"], f"Wrong response from the webhook: {reason}"
                    )
                    return False
                reply = await _read_reply(response)
        except (aiohttp.ClientError, TimeoutError) as error:
            webhook.record(
                update["update_id"], f"Connection failed: {error or type(error).__name__}"
            )
            return False
        webhook.record(update["update_id"], None)
        if reply is not None:
            await self._execute_reply(bot, *reply)
        return True

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session


async def _read_reply(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    """The method call a webhook answered with, if any."""
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = await response.json()
            if isinstance(body, dict) and isinstance(body.get("method"), str):
                values = dict(body)
                return str(values.pop("method")), Params(values)
        return None
    if response.content_type.startswith("multipart/"):
        return await _read_multipart_reply(response)
    return None


async def _read_multipart_reply(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    values: dict[str, object] = {}
    files: dict[str, UploadedFile] = {}
    async for part in aiohttp.MultipartReader(response.headers, response.content):
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename:
            content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
            files[part.name] = UploadedFile(part.filename, bytes(await part.read()), content_type)
        else:
            values[part.name] = await part.text()
    method = values.pop("method", None)
    return (method, Params(values, files)) if isinstance(method, str) else None
