"""Run the benchmarks: ``python -m bench [--sizes 100000,1000000] [--postgres URL]``;
``--reports`` for the reports over a million leads (see ``bench.reports``).

Each backend gets a fresh database: a SQLite file in a temporary folder and, when a
PostgreSQL URL is given (or ``BENCH_DATABASE_URL`` / ``TEST_DATABASE_URL`` is set), that
database emptied and migrated. Nothing here is a test: targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from sqlalchemy import text

from bench import crm_core, reports
from bench.bot import measure_bot
from bench.report import Measurement, print_table
from crm.db import create_engine
from crm.migrate import upgrade_to_head

BOT_LEADS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--bot-only", action="store_true", help="only the bot's per-update cost at 100k leads"
    )
    parser.add_argument(
        "--reports",
        action="store_true",
        help="only the reports over 1,000,000 leads with stage histories, and their charts",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    args = parser.parse_args()
    if args.reports:
        print_table(asyncio.run(run_reports(args.postgres)))
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rows = asyncio.run(run_bot_only() if args.bot_only else run_all(sizes, args.postgres))
    print()
    print_table(rows)


async def run_all(sizes: list[int], postgres_url: str | None) -> list[Measurement]:
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        rows += await run_backend("sqlite", sqlite_url, sizes, with_moves=True)
    if postgres_url:
        await empty_postgres(postgres_url)
        rows += await run_backend("postgresql", postgres_url, sizes, with_moves=False)
    else:
        print("!!! No PostgreSQL URL (--postgres, BENCH_DATABASE_URL): PostgreSQL rows skipped !!!")
    return rows


async def run_reports(postgres_url: str | None) -> list[Measurement]:
    rows = reports.measure_charts()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'reports.sqlite3'}"
        rows += await reports.measure_backend("sqlite", sqlite_url, reports.REPORT_LEADS)
    if postgres_url:
        await empty_postgres(postgres_url)
        rows += await reports.measure_backend("postgresql", postgres_url, reports.REPORT_LEADS)
    else:
        print("!!! No PostgreSQL URL (--postgres, BENCH_DATABASE_URL): PostgreSQL rows skipped !!!")
    return rows


async def run_bot_only() -> list[Measurement]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_to_head(engine)
        print(f"[sqlite] seeding {BOT_LEADS:,} leads ...", flush=True)
        await crm_core.seed(engine, leads=BOT_LEADS)
        rows = await measure_bot(engine)
        await engine.dispose()
    return rows


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
        if size == sizes[-1]:
            rows.append(await crm_core.measure_phone_search(engine, backend, size))
    baseline = await crm_core.bare_insert_seconds(engine, seeded)
    rows.append(crm_core.seeding_measurement(backend, seconds_seeding, baseline, seeded))
    if with_moves:
        rows.append(await crm_core.measure_moves(engine, backend))
    await engine.dispose()
    return rows


if __name__ == "__main__":
    main()
