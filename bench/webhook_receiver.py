"""The webhook bench's receiver, in a process of its own as a real receiver is on another
machine: run in the bench's process it took CPU from the sender it measures. It answers 200
to every POST under ``/hooks/`` and counts each ``webhook-id`` it gets; the bench sets how
many it expects (``POST /expect/<count>``) and waits for them (``GET /done``, answered with
what arrived once that many did). It prints its port once it listens, and ends when its
standard input closes, so it does not outlive a bench that died.

``python -m bench.webhook_receiver``."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections import Counter

from aiohttp import web


class Counting:
    """What arrived since the last ``expect``: each ``webhook-id``'s count, and their sum
    kept as it grows (summing the counter at every request cost O(n) each)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.total = 0
        self.expected = 0
        self.done = asyncio.Event()

    def expect(self, count: int) -> None:
        self.received.clear()
        self.total = 0
        self.expected = count
        self.done.clear()

    def count(self, key: str) -> None:
        self.received[key] += 1
        self.total += 1
        if self.total >= self.expected:
            self.done.set()

    def summary(self) -> dict[str, int]:
        return {
            "total": self.total,
            "distinct": len(self.received),
            "twice": sum(1 for times in self.received.values() if times > 1),
        }


def create_app() -> web.Application:
    counting = Counting()

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        counting.count(f"{request.path} {request.headers.get('webhook-id')}")
        return web.Response(text="ok")

    async def expect(request: web.Request) -> web.Response:
        counting.expect(int(request.match_info["count"]))
        return web.Response(text="ok")

    async def done(_request: web.Request) -> web.Response:
        await counting.done.wait()
        return web.json_response(counting.summary())

    app = web.Application()
    app.router.add_post("/hooks/{number}", receive)
    app.router.add_post("/expect/{count}", expect)
    app.router.add_get("/done", done)
    return app


async def serve() -> None:
    runner = web.AppRunner(create_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


def end_with_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=end_with_stdin, daemon=True).start()
    asyncio.run(serve())
