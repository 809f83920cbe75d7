"""Reports over 1,000,000 leads with their stage histories: each report's query (a manager's
view of last month, the heaviest a person can ask for bar a typed year) against a bare
``count(*)`` of the leads in the same run, and each chart's rendering against an empty
figure's.

The leads are written through Core in bulk, their indexes dropped for the load and built
once afterwards: over three years, each walked along the default pipeline with some moved
back, lost, reopened, in hryvnias and dollars, with a timeline entry per stage change.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sqlalchemy import Index, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.crm_core import settle
from bench.report import Measurement, time_calls
from bot.database import create_engine
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import (
    Activity,
    ActivityKind,
    Base,
    Lead,
    LeadSource,
    LostReason,
    Role,
    Staff,
    Stage,
    StageKind,
    Task,
    table_of,
    utcnow,
)
from crm.reports.forecast import forecast
from crm.reports.history import funnel, time_in_stage
from crm.reports.outcomes import lost_reasons, reps, sources, win_loss
from crm.reports.periods import NamedPeriod, named_period
from crm.services.pipelines import default_pipeline
from handlers.reports_charts import DPI, FAINT, SIZE_INCHES, WON, Bars, Chart, render_png

REPORT_LEADS = 1_000_000
QUERY_TARGET_MS = {"sqlite": 1000.0, "postgresql": 500.0}
CHART_TARGET_MS = 300.0
CHART_REPEAT = 10
CHUNK = 10_000
REPS = 12
YEARS = 3
ZONE = "Europe/Kyiv"
BENCH_TELEGRAM_ID_BASE = 8_000_000_000
REPEAT = 5


async def measure_backend(backend: str, url: str, leads: int) -> list[Measurement]:
    """Seed a migrated, empty database at ``url`` and time each report on it."""
    engine = create_engine(url)
    await upgrade_to_head(engine)
    now = utcnow()
    print(f"[{backend}] seeding {leads:,} leads with their stage histories ...", flush=True)
    seconds = await seed_histories(engine, leads=leads, now=now)
    print(f"[{backend}] seeded in {seconds:.0f} s", flush=True)
    await settle(engine)
    if backend == "postgresql":
        # The load written out now, not by the checkpointer while queries are timed.
        async with engine.connect() as connection:
            await connection.execute(text("CHECKPOINT"))
    rows = await measure_queries(engine, backend, leads, now)
    await engine.dispose()
    return rows


# Seeding


async def seed_histories(engine: AsyncEngine, *, leads: int, now: datetime) -> float:
    started = time.perf_counter()
    factory = create_session_factory(engine)
    async with factory() as session:
        staff_ids = await _bench_staff(session)
        stages = (await default_pipeline(session)).stages
        await session.commit()
    walk = _Walk(random.Random(leads), stages, staff_ids, now=now, leads=leads)
    indexes = [index for name in ("leads", "activities", "tasks") for index in _indexes_of(name)]
    async with engine.begin() as connection:
        for index in indexes:
            await connection.run_sync(index.drop)
    try:
        for first in range(1, leads + 1, CHUNK):
            lead_rows, activity_rows, task_rows = walk.chunk(first, min(CHUNK, leads - first + 1))
            async with engine.begin() as connection:
                await connection.execute(insert(table_of(Lead)), lead_rows)
                await connection.execute(insert(table_of(Activity)), activity_rows)
                if task_rows:
                    await connection.execute(insert(table_of(Task)), task_rows)
    finally:
        async with engine.begin() as connection:
            for index in indexes:
                await connection.run_sync(index.create)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _indexes_of(table: str) -> list[Index]:
    return list(Base.metadata.tables[table].indexes)


async def _bench_staff(session: AsyncSession) -> list[int]:
    await session.execute(delete(Staff).where(Staff.telegram_id >= BENCH_TELEGRAM_ID_BASE))
    people = [Staff(telegram_id=BENCH_TELEGRAM_ID_BASE, display_name="Manager", role=Role.MANAGER)]
    people += [
        Staff(telegram_id=BENCH_TELEGRAM_ID_BASE + n, display_name=f"Rep {n}", role=Role.REP)
        for n in range(1, REPS + 1)
    ]
    session.add_all(people)
    await session.flush()
    return [person.id for person in people[1:]]


class _Walk:
    """Each lead's way along the pipeline: forward most often, sometimes back, lost, or
    reopened after closing; stopping wherever "now" finds it."""

    SPAN = timedelta(days=365 * YEARS)

    def __init__(
        self,
        rng: random.Random,
        stages: list[Stage],
        staff_ids: list[int],
        *,
        now: datetime,
        leads: int,
    ) -> None:
        self.random = rng.random
        self.pick = rng.choice
        self.walk = [s.id for s in stages if s.kind != StageKind.LOST]
        self.lost = next(s.id for s in stages if s.kind == StageKind.LOST)
        self.won = next(s.id for s in stages if s.kind == StageKind.WON)
        self.staff_ids = staff_ids
        self.now = now
        self.leads = leads
        self.sources = list(LeadSource)
        self.reasons = [reason.value for reason in LostReason]

    def chunk(
        self, first: int, count: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        leads: list[dict[str, Any]] = []
        activities: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        for lead_id in range(first, first + count):
            lead, moves = self._lead(lead_id)
            leads.append(lead)
            activities.append(_activity(lead_id, ActivityKind.CREATED, lead["created_at"]))
            activities.extend(
                _activity(lead_id, ActivityKind.STAGE_CHANGE, moment, source, target)
                for moment, source, target in moves
            )
            if self.random() < 0.05:
                tasks.append(self._task(lead))
        return leads, activities, tasks

    def _lead(self, lead_id: int) -> tuple[dict[str, Any], list[tuple[datetime, int, int]]]:
        # Leads come in over the years in the order of their ids, as they do in a real CRM.
        created = self.now - self.SPAN * (1 - lead_id / self.leads) - timedelta(hours=self.random())
        stage, moment = self.walk[0], created
        moves: list[tuple[datetime, int, int]] = []
        for _ in range(6):
            later = moment + timedelta(days=0.1 + 14 * self.random())
            target = self._next(stage)
            if target is None or later > self.now:
                break
            moves.append((later, stage, target))
            stage, moment = target, later
        value = int(self.random() * 500_000 + 500) * 100
        won_at = moment if stage == self.won else None
        lost_at = moment if stage == self.lost else None
        return {
            "id": lead_id,
            "stage_id": stage,
            "title": f"Lead {lead_id}",
            "source": self.pick(self.sources),
            "responsible_id": self.pick(self.staff_ids),
            "value_minor": value if won_at or self.random() < 0.8 else None,
            "currency": "UAH" if self.random() < 0.85 else "USD",
            "expected_close_on": self._close_on(created) if self.random() < 0.6 else None,
            "lost_reason_code": self.pick(self.reasons) if lost_at else None,
            "lost_reason": None,
            "won_at": won_at,
            "lost_at": lost_at,
            "stage_entered_at": moment,
            "last_activity_at": moment,
            "custom_fields": {},
            "search_text": f"lead {lead_id}",
            "version": 1,
            "created_at": created,
        }, moves

    def _next(self, stage: int) -> int | None:
        """The stage entered next, or None when the lead stays where it is."""
        roll = self.random()
        if stage in (self.won, self.lost):
            return self.walk[-2] if roll < 0.03 else None
        position = self.walk.index(stage)
        if roll < 0.5:
            return self.walk[position + 1]
        if roll < 0.55 and position > 0:
            return self.walk[position - 1]
        return self.lost if roll < 0.8 else None

    def _close_on(self, created: datetime) -> date:
        return (created + timedelta(days=30 + 60 * self.random())).date()

    def _task(self, lead: dict[str, Any]) -> dict[str, Any]:
        due = self.now + timedelta(days=20 * self.random() - 10)
        return {
            "title": "Call back",
            "due_at": due,
            "assignee_id": lead["responsible_id"],
            "lead_id": lead["id"],
            "done_at": due if self.random() < 0.5 else None,
        }


def _activity(
    lead_id: int,
    kind: ActivityKind,
    moment: datetime,
    source: int | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "lead_id": lead_id,
        "customer_id": None,
        "author_id": None,
        "text": None,
        "from_stage_id": source,
        "to_stage_id": target,
        "created_at": moment,
    }


# Measuring


async def measure_queries(
    engine: AsyncEngine, backend: str, leads: int, now: datetime
) -> list[Measurement]:
    factory = create_session_factory(engine)
    period = named_period(NamedPeriod.LAST_MONTH, zone=ZONE, now=now)
    target = QUERY_TARGET_MS[backend]
    async with factory() as session:
        manager = await session.scalar(
            select(Staff).where(Staff.telegram_id == BENCH_TELEGRAM_ID_BASE)
        )
        assert manager is not None

        async def count_leads() -> None:
            await session.scalar(select(func.count()).select_from(Lead))

        baseline = (await time_calls(count_leads, repeat=REPEAT, warmup=1)).median_ms
        reports: dict[str, Callable[[], Awaitable[object]]] = {
            "win/loss": lambda: win_loss(session, actor=manager, period=period),
            "funnel": lambda: funnel(session, actor=manager, period=period),
            "time in stage": lambda: time_in_stage(session, actor=manager, period=period, now=now),
            "forecast": lambda: forecast(session, actor=manager, zone=ZONE, now=now),
            "sources": lambda: sources(session, actor=manager, period=period),
            "reps": lambda: reps(session, actor=manager, period=period, now=now),
            "lost reasons": lambda: lost_reasons(session, actor=manager, period=period),
        }
        rows = []
        for name, query in reports.items():
            timing = await time_calls(query, repeat=REPEAT, warmup=1)
            rows.append(
                Measurement(
                    f"report query: {name}, {leads:,} leads (median)",
                    backend,
                    timing.median_ms,
                    "ms",
                    baseline,
                    "count(*) of leads",
                    f"<= {target:.0f} ms",
                    timing.median_ms <= target,
                )
            )
    return rows


CHARTS = {
    "8 bars, Cyrillic": Chart(
        title="Джерела · 1–31 бер. 2026 р.",
        categories=[f"Джерело {n}" for n in range(8)],
        series=[
            Bars("", [n * 1000.0 for n in range(8)], [f"{n} 000" for n in range(8)], [WON] * 8)
        ],
        axis_label="UAH",
    ),
    "7 bars overlaid, legend": Chart(
        title="Прогноз · від березня 2026",
        categories=[f"місяць {n}" for n in range(7)],
        series=[
            Bars("сума", [n * 900.0 for n in range(7)], [str(n) for n in range(7)], [FAINT] * 7),
            Bars(
                "з імовірністю",
                [n * 300.0 for n in range(7)],
                [str(n) for n in range(7)],
                [WON] * 7,
            ),
        ],
        axis_label="UAH",
        overlaid=True,
    ),
}


def measure_charts() -> list[Measurement]:
    """Each chart's PNG against an empty figure of the same size saved as PNG."""
    baseline = _median_ms(_empty_png)
    rows = []
    for name, chart in CHARTS.items():
        value = _median_ms(partial(render_png, chart))
        rows.append(
            Measurement(
                f"chart rendering: {name} (median)",
                "matplotlib",
                value,
                "ms",
                baseline,
                "empty figure to PNG",
                f"<= {CHART_TARGET_MS:.0f} ms",
                value <= CHART_TARGET_MS,
            )
        )
    return rows


def _empty_png() -> bytes:
    figure = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _median_ms(draw: Callable[[], object]) -> float:
    draw()
    samples = []
    for _ in range(CHART_REPEAT):
        started = time.perf_counter()
        draw()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)
