"""Run the benchmarks: ``python -m bench [--sizes 100000,1000000] [--postgres URL]``;
``--bot-only`` for the bot's per-update cost, ``--bot-memory`` for its RSS, ``--seeding``
for ``seed-demo``'s rate, ``--search`` for only the searches, inline queries and stage pages
at the largest size, ``--delivery [--messages N] [--tasks N]`` for the outbox sender, due
reminders and quick-adds while the outbox drains, ``--reports`` for the reports over a
million leads, ``--sandbox`` for the browser sandbox's start-up and a tap shown in its page;
and one flag per module of ``ON_EACH_BACKEND`` (``--customers``, ``--duplicates``,
``--webhooks``, ``--rules``, ``--intake``, ``--miniapp``): see each module.

Each backend gets a fresh database: a SQLite file in a temporary folder and, when a
PostgreSQL URL is given (or ``BENCH_DATABASE_URL`` / ``TEST_DATABASE_URL`` is set), that
database emptied and migrated. Nothing here is a test: targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from bench import (
    crm_core,
    customers,
    delivery,
    intake,
    miniapp,
    reports,
    rules,
    search,
    webhooks,
)
from bench.bot import measure_bot
from bench.bot_http import measure_replies
from bench.bot_memory import measure_memory
from bench.report import Measurement, print_table
from bench.sandbox import measure_sandbox
from bot import event_loop
from bot.database import create_engine
from crm.migrate import upgrade_to_head

BOT_LEADS = 100_000
Measure = Callable[[str, str], Awaitable[list[Measurement]]]
# Benchmarks run alone on each backend's fresh database: flag -> (what it measures, how).
ON_EACH_BACKEND: dict[str, tuple[str, Measure]] = {
    "customers": (
        "the 360 card, the import of 100,000 rows and the export of 100,000 leads",
        customers.measure_backend,
    ),
    "duplicates": (
        "the /duplicates pages at 100,000 and 1,000,000 leads",
        customers.measure_duplicate_pairs,
    ),
    "webhooks": ("the outgoing webhook sender's rate", webhooks.measure_backend),
    "rules": ("what 100 automation rules add to a change", rules.measure_backend),
    "intake": (
        "lead intake: 50 clients posting web-form leads, 1 and 2 server processes",
        intake.measure_backend,
    ),
    "miniapp": (
        "the Mini App: board API, page ready and a drop, at 10,000 open leads",
        miniapp.measure_backend,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--bot-only",
        action="store_true",
        help="only the bot's per-update cost, the move-stage rate and its replies over HTTP "
        "at 100k leads",
    )
    parser.add_argument(
        "--delivery", action="store_true", help="only the outbox, reminders and quick-add benches"
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="only /find, inline queries and stage pages (with EXPLAIN) at the largest size",
    )
    parser.add_argument(
        "--bot-memory",
        action="store_true",
        help="only the bot process's RSS after 10,000 mixed updates at the largest size",
    )
    parser.add_argument(
        "--seeding",
        action="store_true",
        help="only crm-bot seed-demo's rate, for the largest size, against a bare insert",
    )
    parser.add_argument("--messages", type=int, default=delivery.MESSAGES)
    parser.add_argument("--tasks", type=int, default=delivery.TASKS)
    parser.add_argument(
        "--reports",
        action="store_true",
        help="only the reports over 1,000,000 leads with stage histories, and their charts",
    )
    for flag, (measures, _) in ON_EACH_BACKEND.items():
        parser.add_argument(f"--{flag}", action="store_true", help=f"only {measures}")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="only the sandbox: crm-bot run with no token until the page answers, and a tap",
    )
    args = parser.parse_args()
    if args.sandbox:
        print_table(event_loop.run(measure_sandbox()))
        return
    if args.reports:
        print_table(event_loop.run(run_reports(args.postgres)))
        return
    for flag, (_, measure) in ON_EACH_BACKEND.items():
        if getattr(args, flag):
            print_table(event_loop.run(on_each_backend(args.postgres, measure)))
            return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if args.delivery:
        rows = event_loop.run(run_delivery(args.messages, args.tasks, args.postgres))
    elif args.search:
        rows = event_loop.run(run_search(max(sizes), args.postgres))
    elif args.bot_memory:
        rows = event_loop.run(run_bot_memory(max(sizes)))
    elif args.seeding:
        rows = event_loop.run(run_seeding(max(sizes), args.postgres))
    else:
        rows = event_loop.run(run_bot_only() if args.bot_only else run_all(sizes, args.postgres))
    print()
    print_table(rows)


async def run_all(sizes: list[int], postgres_url: str | None) -> list[Measurement]:
    return await on_each_backend(
        postgres_url,
        lambda backend, url: run_backend(backend, url, sizes, with_moves=backend == "sqlite"),
    )


async def run_search(size: int, postgres_url: str | None) -> list[Measurement]:
    async def seeded_then_searched(backend: str, url: str) -> list[Measurement]:
        engine = create_engine(url)
        await upgrade_to_head(engine)
        print(f"[{backend}] seeding {size:,} leads ...", flush=True)
        seconds = await crm_core.seed(engine, leads=size)
        await crm_core.settle(engine)
        rows = await search.measure(engine, backend, size)
        rows.append(crm_core.seeding_measurement(backend, seconds, 0.0, size))
        await engine.dispose()
        return rows

    return await on_each_backend(postgres_url, seeded_then_searched)


async def run_seeding(size: int, postgres_url: str | None) -> list[Measurement]:
    async def seeded(backend: str, url: str) -> list[Measurement]:
        engine = create_engine(url)
        await upgrade_to_head(engine)
        print(f"[{backend}] seeding {size:,} leads ...", flush=True)
        seconds = await crm_core.seed(engine, leads=size)
        baseline = await crm_core.bare_insert_seconds(engine, size)
        await engine.dispose()
        return [crm_core.seeding_measurement(backend, seconds, baseline, size)]

    return await on_each_backend(postgres_url, seeded)


async def run_delivery(messages: int, tasks: int, postgres_url: str | None) -> list[Measurement]:
    return await on_each_backend(
        postgres_url,
        lambda backend, url: delivery.measure_backend(backend, url, messages=messages, tasks=tasks),
    )


async def on_each_backend(postgres_url: str | None, measure: Measure) -> list[Measurement]:
    """``measure`` on a fresh SQLite file, then on the emptied PostgreSQL database if given."""
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += await measure("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
    if postgres_url:
        await empty_postgres(postgres_url)
        rows += await measure("postgresql", postgres_url)
    else:
        print("!!! No PostgreSQL URL (--postgres, BENCH_DATABASE_URL): PostgreSQL rows skipped !!!")
    return rows


async def run_reports(postgres_url: str | None) -> list[Measurement]:
    return reports.measure_charts() + await on_each_backend(
        postgres_url,
        lambda backend, url: reports.measure_backend(backend, url, reports.REPORT_LEADS),
    )


async def run_bot_only() -> list[Measurement]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_to_head(engine)
        print(f"[sqlite] seeding {BOT_LEADS:,} leads ...", flush=True)
        await crm_core.seed(engine, leads=BOT_LEADS)
        rows = await measure_bot(engine)
        rows.append(await crm_core.measure_moves(engine, "sqlite"))
        rows += await measure_replies(engine, BOT_LEADS)
        await engine.dispose()
    return rows


async def run_bot_memory(size: int) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = create_engine(url)
        await upgrade_to_head(engine)
        print(f"[sqlite] seeding {size:,} leads ...", flush=True)
        await crm_core.seed(engine, leads=size)
        await engine.dispose()
        return [await measure_memory(url, size)]


async def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def run_backend(
    backend: str, url: str, sizes: list[int], *, with_moves: bool
) -> list[Measurement]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    rows: list[Measurement] = []
    seeded = 0
    seconds_seeding = 0.0
    for size in sizes:
        print(f"[{backend}] seeding up to {size:,} leads ...", flush=True)
        seconds_seeding += await crm_core.seed(engine, leads=size - seeded)
        seeded = size
        await crm_core.settle(engine)
        rows.append(await crm_core.measure_board(engine, backend, size))
        if with_moves and size == BOT_LEADS:
            rows += await measure_bot(engine)
            rows += await measure_replies(engine, size)
        if size == sizes[-1]:
            rows.append(await crm_core.measure_phone_search(engine, backend, size))
            rows += await search.measure(engine, backend, size)
            if with_moves:
                rows.append(await measure_memory(url, size))
    baseline = await crm_core.bare_insert_seconds(engine, seeded)
    rows.append(crm_core.seeding_measurement(backend, seconds_seeding, baseline, seeded))
    if with_moves:
        rows.append(await crm_core.measure_moves(engine, backend))
    await engine.dispose()
    return rows


if __name__ == "__main__":
    main()
