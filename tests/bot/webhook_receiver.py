"""A webhook receiver run as its own process by the sender's tests: it answers 503 to the
first ``--fail-first`` requests (counted across restarts), 200 to the rest, and appends
every request it got to ``--log`` as a JSON line. The request numbered ``--die-at`` (from
0) kills it before it answers, as a crash would. It prints its port once it listens."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from aiohttp import web


def requests_logged(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


DIED = 0


def create_app(log: Path, fail_first: int, die_at: int | None) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        number = len(requests_logged(log))
        status = DIED if number == die_at else 503 if number < fail_first else 200
        entry = {
            "id": request.headers.get("webhook-id"),
            "timestamp": request.headers.get("webhook-timestamp"),
            "signature": request.headers.get("webhook-signature"),
            "body": body.decode(),
            "status": status,
        }
        with log.open("a") as file:
            file.write(json.dumps(entry) + "\n")
        if status == DIED:
            os._exit(1)
        return web.Response(status=status, text="busy" if status != 200 else "ok")

    app = web.Application()
    app.router.add_post("/hooks", receive)
    return app


async def serve(port: int, log: Path, fail_first: int, die_at: int | None) -> None:
    runner = web.AppRunner(create_app(log, fail_first, die_at))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, reuse_address=True)
    await site.start()
    server = site._server
    assert server is not None and server.sockets
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--die-at", type=int)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.log, args.fail_first, args.die_at))


if __name__ == "__main__":
    main()
