"""Run the emulator as a sandbox.

python -m emulator --port 8081 --token 123:ABC --username crm_bot
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from emulator.app import run_emulator
from emulator.limits import RateLimits


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="A local Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token", action="append", default=[], help="a bot token to accept; repeat for more bots"
    )
    parser.add_argument(
        "--username", action="append", default=[], help="the username of the bot at the same place"
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="never answer 429 Too Many Requests"
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = RateLimits.unlimited() if args.no_rate_limits else RateLimits()
    async with run_emulator(args.host, args.port, rate_limits=limits) as emulator:
        usernames = args.username + [None] * (len(args.token) - len(args.username))
        for token, username in zip(args.token, usernames, strict=False):
            bot = emulator.register_bot(token, username=username)
            print(f"bot @{bot.username} (id {bot.id}) accepts token {token}")
        print(f"Bot API emulator listening on {emulator.base_url}", flush=True)
        print(f"control API at {emulator.base_url}/control/", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
