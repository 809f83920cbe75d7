"""Lead intake over HTTP: 50 concurrent clients posting web-form leads to the web app of
``crm-bot serve`` running in processes of its own, a share of the submissions sent twice
(the same ``Idempotency-Key``), against the baseline of a bare aiohttp handler that writes
one row, measured in the same run. On PostgreSQL also two server processes, the clients
taking turns between them as a round-robin balancer would.

Each setup is run twice. First each client sends its next request as soon as it has its
answer: the rate is the most the server answers. Then the requests are offered at the target
rate (300 a second on SQLite, 500 on PostgreSQL) and p99 is read there: when 50 clients wait
for each other's answers, latency is just 50 divided by the rate, whatever the server does.

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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.http_load import Connection
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
    base_urls: Sequence[str],
    form: Form,
    sent: list[tuple[str, dict[str, str]]],
    *,
    offered_per_second: float | None = None,
) -> Run:
    """Post ``sent`` from ``CLIENTS`` concurrent clients, each taking the next servers in turn.

    Without ``offered_per_second`` each client sends its next request as soon as it has its
    answer (the most the server answers). With it, the n-th request is due n/rate seconds
    after the start and its latency is counted from then, so a request that waited for a free
    client is not measured as if the server had been quick (coordinated omission)."""
    queue = iter(enumerate(sent))
    latencies: list[float] = []
    refused = 0
    path = f"/intake/forms/{form.key}"

    async def client(connections: list[Connection]) -> None:
        nonlocal refused
        for n, (key, fields) in queue:
            due = started + n / offered_per_second if offered_per_second else time.perf_counter()
            await asyncio.sleep(due - time.perf_counter())
            status = await connections[n % len(connections)].post_json(
                path,
                json.dumps(fields).encode(),
                {"X-Form-Secret": form.secret, "Idempotency-Key": key},
            )
            if status != 200:
                refused += 1
            latencies.append((time.perf_counter() - due) * 1000)

    clients = [[await Connection.open(url) for url in base_urls] for _ in range(CLIENTS)]
    started = time.perf_counter()
    await asyncio.gather(*(client(connections) for connections in clients))
    seconds = time.perf_counter() - started
    for connections in clients:
        for connection in connections:
            await connection.close()
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


@dataclass(frozen=True, slots=True)
class Runs:
    """A setup's runs: as fast as it answers, and at the target rate offered."""

    saturated: Run
    offered: Run
    lost: int = 0
    duplicated: int = 0

    @property
    def refused(self) -> int:
        return self.saturated.refused + self.offered.refused


async def both_runs(
    base_urls: Sequence[str], form: Form, run_id: str, operators: list[int], offered: float
) -> Runs:
    """The saturated run and the run at ``offered`` requests a second, each of its own
    people (their phones on an operator code of their own)."""
    saturated = await post_all(base_urls, form, submissions(run_id, operators[0], SUBMISSIONS))
    at_rate = submissions(f"{run_id}r", operators[1], SUBMISSIONS)
    return Runs(saturated, await post_all(base_urls, form, at_rate, offered_per_second=offered))


async def measured(
    engine: AsyncEngine, base_urls: Sequence[str], form: Form, run_id: str, operators: list[int]
) -> Runs:
    await post_all(base_urls, form, submissions(f"warm{run_id}", operators[0], WARMUP))
    offered = TARGET_PER_SECOND[engine.dialect.name]
    runs = await both_runs(base_urls, form, run_id, operators[1:], offered)
    lost = duplicated = 0
    for counted_run in (run_id, f"{run_id}r"):
        leads, people = await count_leads(engine, counted_run)
        lost, duplicated = lost + SUBMISSIONS - people, duplicated + leads - people
    return Runs(runs.saturated, runs.offered, lost, duplicated)


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url)
    form = await prepare(engine)
    print(f"[{backend}] intake: {CLIENTS} clients, {SUBMISSIONS:,} leads ...", flush=True)
    async with server_process(url, bare=True) as bare_url:
        bare = await both_runs([bare_url], form, "bare", [50, 99], TARGET_PER_SECOND[backend])
    rows = []
    setups = [("1 process", 1, [63, 66, 95])]
    if backend == "postgresql":
        setups.append(("2 processes", 2, [67, 68, 96]))
    for label, processes, operators in setups:
        async with AsyncExitStack() as stack:
            base_urls = [
                await stack.enter_async_context(server_process(url, bare=False))
                for _ in range(processes)
            ]
            runs = await measured(engine, base_urls, form, f"p{processes}", operators)
        rows += _rows(backend, label, runs, bare)
    await engine.dispose()
    return rows


def _rows(backend: str, label: str, runs: Runs, bare: Runs) -> list[Measurement]:
    target = TARGET_PER_SECOND[backend]
    name = f"intake web-form leads, {label}"
    offered = runs.offered
    return [
        Measurement(
            f"{name}: rate, as fast as answered ({REPLAY_EVERY}% replayed)",
            backend,
            runs.saturated.per_second,
            "req/s",
            bare.saturated.per_second,
            "bare aiohttp handler writing 1 row",
            f">= {target:.0f}/s",
            runs.saturated.per_second >= target and runs.refused == 0,
        ),
        Measurement(
            f"{name}: p99 latency at {target:.0f} req/s offered "
            f"(median {statistics.median(offered.latencies_ms):.0f} ms, "
            f"{offered.per_second:.0f} req/s answered)",
            backend,
            offered.p99_ms,
            "ms",
            bare.offered.p99_ms,
            "bare handler p99 at the same rate",
            f"<= {P99_TARGET_MS:.0f} ms",
            offered.p99_ms <= P99_TARGET_MS,
        ),
        Measurement(
            f"{name}: lost + duplicated leads, refused requests",
            backend,
            float(runs.lost + runs.duplicated + runs.refused),
            "",
            0.0,
            f"lost {runs.lost}, duplicated {runs.duplicated}, refused {runs.refused}",
            "0",
            runs.lost == runs.duplicated == runs.refused == 0,
        ),
    ]
