"""Lead intake over HTTP: 50 concurrent clients posting web-form leads to the web app of
``crm-bot serve`` running in processes of its own, a share of the submissions sent twice
(the same ``Idempotency-Key``), against the baseline of a bare aiohttp handler that writes
one row, measured in the same run. On PostgreSQL also two server processes, the clients
taking turns between them as a round-robin balancer would.

Afterwards the database is counted: every distinct submission must be exactly one lead
(0 lost, 0 duplicated), whatever the replays.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import Measurement
from bot.database import create_engine
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import IntakeKind, Lead, Role, Staff
from crm.services.intake import open_channel
from crm.services.pipelines import ensure_default_pipeline

CLIENTS = 50
SUBMISSIONS = 2000
# Every tenth submission is sent a second time, as a client retrying after a lost answer.
REPLAY_EVERY = 10
WARMUP = 200
REPS = 4
TARGET_PER_SECOND = {"sqlite": 300.0, "postgresql": 500.0}
P99_TARGET_MS = 100.0
START_TIMEOUT = 60


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    latencies_ms: list[float]
    refused: int

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass(frozen=True, slots=True)
class Form:
    key: str
    secret: str


async def prepare(engine: AsyncEngine) -> Form:
    """A team of reps and a web form whose leads go to them in turn."""
    await upgrade_to_head(engine)
    async with create_session_factory(engine)() as session:
        await ensure_default_pipeline(session)
        admin = Staff(telegram_id=1, display_name="Admin", role=Role.ADMIN)
        session.add(admin)
        session.add(Staff(telegram_id=2, display_name="Manager", role=Role.MANAGER))
        session.add_all(
            Staff(telegram_id=10 + n, display_name=f"Rep {n}", role=Role.REP) for n in range(REPS)
        )
        await session.flush()
        form = await open_channel(
            session, actor=admin, kind=IntakeKind.WEB_FORM, name="Bench", responsible_id=None
        )
        await session.commit()
        return Form(form.key, form.secret)


@asynccontextmanager
async def server_process(database_url: str, *, bare: bool) -> AsyncIterator[str]:
    """A server in a process of its own; its base URL while the block runs."""
    arguments = [sys.executable, "-m", "bench.intake_server", database_url]
    process = await asyncio.create_subprocess_exec(
        *arguments, *(["--bare"] if bare else []), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        yield f"http://127.0.0.1:{json.loads(line)['port']}"
    finally:
        process.terminate()
        await process.wait()


def submissions(run_id: str, operator: int, count: int) -> list[tuple[str, dict[str, str]]]:
    """(idempotency key, fields) of ``count`` distinct people, every tenth sent twice; each
    run has phones of its own mobile operator code, so no run's person is another's."""
    sent = []
    for n in range(count):
        key = f"{run_id}-{n}"
        fields = {
            "name": f"Олена {run_id} {n}",
            "phone": f"+380{operator}{n:07d}",
            "email": f"lead-{run_id}-{n}@example.com",
            "message": "Скільки коштує доставка?",
        }
        sent.append((key, fields))
        if n % REPLAY_EVERY == 0:
            sent.append((key, fields))
    return sent


async def post_all(
    base_urls: Sequence[str], form: Form, sent: list[tuple[str, dict[str, str]]]
) -> Run:
    """Post ``sent`` from ``CLIENTS`` concurrent clients, each taking the next servers in turn."""
    queue = iter(enumerate(sent))
    latencies: list[float] = []
    refused = 0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal refused
        for n, (key, fields) in queue:
            url = f"{base_urls[n % len(base_urls)]}/intake/forms/{form.key}"
            started = time.perf_counter()
            async with http.post(
                url, json=fields, headers={"X-Form-Secret": form.secret, "Idempotency-Key": key}
            ) as response:
                await response.read()
                if response.status != 200:
                    refused += 1
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
        seconds = time.perf_counter() - started
    return Run(seconds, latencies, refused)


async def count_leads(engine: AsyncEngine, run_id: str) -> tuple[int, int]:
    """(leads, distinct people among them) of one run."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(func.count(), func.count(func.distinct(Lead.email))).where(
                    Lead.email.like(f"lead-{run_id}-%")
                )
            )
        ).one()
    return int(row[0]), int(row[1])


async def measured(
    engine: AsyncEngine, base_urls: Sequence[str], form: Form, run_id: str, operators: list[int]
) -> tuple[Run, int, int]:
    await post_all(base_urls, form, submissions(f"warm{run_id}", operators[0], WARMUP))
    run = await post_all(base_urls, form, submissions(run_id, operators[1], SUBMISSIONS))
    leads, people = await count_leads(engine, run_id)
    return run, SUBMISSIONS - people, leads - people


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url)
    form = await prepare(engine)
    print(f"[{backend}] intake: {CLIENTS} clients, {SUBMISSIONS:,} leads ...", flush=True)
    async with server_process(url, bare=True) as bare_url:
        bare = await post_all(
            [bare_url], form, submissions("bare", 50, SUBMISSIONS + SUBMISSIONS // REPLAY_EVERY)
        )
    rows = []
    setups = [("1 process", 1, [63, 66])]
    if backend == "postgresql":
        setups.append(("2 processes", 2, [67, 68]))
    for label, processes, operators in setups:
        async with AsyncExitStack() as stack:
            base_urls = [
                await stack.enter_async_context(server_process(url, bare=False))
                for _ in range(processes)
            ]
            run, lost, duplicated = await measured(
                engine, base_urls, form, f"p{processes}", operators
            )
        rows += _rows(backend, label, run, bare, lost, duplicated)
    await engine.dispose()
    return rows


def _rows(
    backend: str, label: str, run: Run, bare: Run, lost: int, duplicated: int
) -> list[Measurement]:
    target = TARGET_PER_SECOND[backend]
    name = f"intake web-form leads, {label}"
    return [
        Measurement(
            f"{name}: rate ({REPLAY_EVERY}% replayed)",
            backend,
            run.per_second,
            "req/s",
            bare.per_second,
            "bare aiohttp handler writing 1 row",
            f">= {target:.0f}/s",
            run.per_second >= target and run.refused == 0,
        ),
        Measurement(
            f"{name}: p99 latency (median {statistics.median(run.latencies_ms):.0f} ms)",
            backend,
            run.p99_ms,
            "ms",
            bare.p99_ms,
            "bare handler p99",
            f"<= {P99_TARGET_MS:.0f} ms",
            run.p99_ms <= P99_TARGET_MS,
        ),
        Measurement(
            f"{name}: lost + duplicated leads, refused requests",
            backend,
            float(lost + duplicated + run.refused),
            "",
            0.0,
            f"lost {lost}, duplicated {duplicated}, refused {run.refused}",
            "0",
            lost == duplicated == run.refused == 0,
        ),
    ]
