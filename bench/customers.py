"""The customer's data: the 360-degree card of a customer with 1,000 orders, 10,000 messages
and 2,000 activities, an import of 100,000 rows and an export of 100,000 leads; and, on a
database of its own (``--duplicates``), the /duplicates pages at 100,000 and 1,000,000 leads.

The card is timed as a rep opens it (every section counted, scoped to their deals) against a
bare ``SELECT 1`` round trip; the import as the bot runs it (the CSV read, every row checked,
written a chunk per transaction with progress reported) against reading the file alone, and
its longest write transaction (how long others wait for SQLite's lock) against the whole; the
export
(rows gathered, then a CSV and an XLSX file written) against fetching the leads' rows bare.
The leads' duplicate pairs page is timed as a manager opens it against the query before
migration 0018 (grouping every lead's phone and e-mail, pair ids only); the customers' against
``SELECT 1``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import CompoundSelect, Select, and_, func, insert, select, union
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from bench.crm_core import manager, round_trip_ms, seed, settle
from bench.report import Measurement, time_calls
from bot.database import create_engine
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import (
    Activity,
    ActivityKind,
    Conversation,
    ConversationMessage,
    Customer,
    Direction,
    Lead,
    Order,
    Role,
    Staff,
    StageKind,
    utcnow,
)
from crm.services.access import work_seen_by
from crm.services.customer_card import customer_card
from crm.services.duplicates import duplicate_pairs, page_of_pairs
from crm.services.exports import Cell, ExportKind, export_table
from crm.services.imports import (
    CHUNK,
    ImportTarget,
    apply_import,
    check_import,
    match_columns,
)
from crm.services.lead_duplicates import lead_duplicate_pairs
from crm.services.pipelines import default_pipeline
from handlers.spreadsheet_reading import read_table
from handlers.spreadsheets import csv_bytes, xlsx_bytes

ORDERS = 1_000
CONVERSATIONS = 10
MESSAGES = 10_000
ACTIVITIES = 2_000
IMPORT_ROWS = 100_000
CARD_TARGET_MS = 30.0
IMPORT_TARGET_S = 60.0
# Others' updates wait for SQLite's write lock at most this long while an import runs.
LONGEST_WRITE_TARGET_S = 1.0
EXPORT_TARGET_S = 10.0
CARD_REPEAT = 50
PAIR_SIZES = (100_000, 1_000_000)
PAIRS_TARGET_MS = 20.0
PAIRS_REPEAT = 20
# The query before migration 0018 reads whole indexes: fewer rounds of it.
PAIRS_BEFORE_REPEAT = 5


async def measure_backend(backend: str, url: str) -> list[Measurement]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    rep_id, customer_id = await _seed_customer(engine)
    await settle(engine)
    rows = [await _measure_card(engine, backend, rep_id, customer_id)]
    print(f"[{backend}] importing {IMPORT_ROWS:,} rows ...", flush=True)
    rows += await _measure_import(engine, backend)
    await settle(engine)
    rows += await _measure_export(engine, backend)
    await engine.dispose()
    return rows


async def _seed_customer(engine: AsyncEngine) -> tuple[int, int]:
    factory = create_session_factory(engine)
    async with factory() as session:
        rep = Staff(telegram_id=7_000_001, display_name="Bench Rep", role=Role.REP)
        customer = Customer(name="Big Buyer")
        session.add_all([rep, customer])
        pipeline = await default_pipeline(session)
        stage = next(s for s in pipeline.stages if s.kind == StageKind.OPEN)
        await session.flush()
        lead = Lead(
            title="Big Buyer",
            stage_id=stage.id,
            responsible_id=rep.id,
            customer_id=customer.id,
            custom_fields={},
        )
        session.add(lead)
        await session.flush()
        start = utcnow() - timedelta(days=1000)
        await session.execute(
            insert(Order),
            [
                {
                    "customer_id": customer.id,
                    "external_id": f"B-{n}",
                    "amount_minor": 10_000 + n,
                    "currency": "UAH",
                    "created_at": start + timedelta(days=n),
                    "lead_id": lead.id if n % 10 == 0 else None,
                }
                for n in range(ORDERS)
            ],
        )
        conversations = list(
            await session.scalars(
                insert(Conversation).returning(Conversation.id),
                [{"customer_id": customer.id, "channel": "whatsapp"}] * CONVERSATIONS,
            )
        )
        await session.execute(
            insert(ConversationMessage),
            [
                {
                    "conversation_id": conversations[n % CONVERSATIONS],
                    "direction": Direction.INBOUND if n % 2 else Direction.OUTBOUND,
                    "text": f"message {n}",
                    "sent_at": start + timedelta(minutes=n),
                }
                for n in range(MESSAGES)
            ],
        )
        await session.execute(
            insert(Activity),
            [
                {
                    "kind": ActivityKind.NOTE,
                    "lead_id": lead.id if n % 2 else None,
                    "customer_id": None if n % 2 else customer.id,
                    "author_id": rep.id,
                    "text": f"note {n}",
                    "created_at": start + timedelta(hours=n),
                }
                for n in range(ACTIVITIES)
            ],
        )
        ids = rep.id, customer.id
        await session.commit()
        return ids


async def _measure_card(
    engine: AsyncEngine, backend: str, rep_id: int, customer_id: int
) -> Measurement:
    factory = create_session_factory(engine)
    baseline = await round_trip_ms(factory)
    async with factory() as session:
        rep = await session.get(Staff, rep_id)
        assert rep is not None

        async def open_card() -> None:
            await customer_card(session, actor=rep, customer_id=customer_id)

        timing = await time_calls(open_card, repeat=CARD_REPEAT)
    return Measurement(
        name=f"360 card ({ORDERS:,} orders, {MESSAGES:,} messages, {ACTIVITIES:,} activities)",
        backend=backend,
        value=timing.median_ms,
        unit="ms",
        baseline=baseline,
        baseline_name="SELECT 1",
        target=f"<= {CARD_TARGET_MS:.0f} ms",
        met=timing.median_ms <= CARD_TARGET_MS,
    )


def _import_file() -> bytes:
    header = ["External ID", "Contact", "Phone", "E-mail", "Value", "Tags"]
    rows = [
        [
            f"imp-{n}",
            f"Client {n}",
            f"+38067{n:07d}",
            f"client{n}@example.com",
            "1200.50",
            "#imported",
        ]
        for n in range(IMPORT_ROWS)
    ]
    return csv_bytes(header, rows)


async def _measure_import(engine: AsyncEngine, backend: str) -> list[Measurement]:
    content = _import_file()
    started = time.perf_counter()
    read_table("bench.csv", content)
    baseline = time.perf_counter() - started
    factory = create_session_factory(engine)
    progress_calls = 0

    longest_write = 0.0

    async def progress(done: int, total: int) -> None:
        nonlocal progress_calls
        progress_calls += 1

    @asynccontextmanager
    async def chunk_transaction() -> AsyncIterator[AsyncSession]:
        """As the bot's ``own_transaction``, timed from the first statement to the commit."""
        nonlocal longest_write
        async with factory() as writing:
            opened = time.perf_counter()
            yield writing
            await writing.commit()
            longest_write = max(longest_write, time.perf_counter() - opened)

    async with factory() as session:
        manager = Staff(telegram_id=7_000_002, display_name="Bench Manager", role=Role.MANAGER)
        session.add(manager)
        await session.commit()
        await session.refresh(manager)
        started = time.perf_counter()
        table = read_table("bench.csv", content)
        known = {"Contact": "contact_name", "Phone": "phone", "E-mail": "email"}
        known |= {"External ID": "external_id", "Value": "value", "Tags": "tags"}
        plan = await check_import(
            session,
            actor=manager,
            target=ImportTarget.LEADS,
            headers=table.headers,
            mapping=match_columns(table.headers, ImportTarget.LEADS, known),
            rows=table.rows,
        )
        await session.commit()
        result = await apply_import(chunk_transaction, actor=manager, plan=plan, progress=progress)
        seconds = time.perf_counter() - started
    assert result.created == IMPORT_ROWS and not plan.problems and progress_calls > 1
    return [
        Measurement(
            name=f"import {IMPORT_ROWS:,} lead rows (CSV, checked, a transaction per chunk)",
            backend=backend,
            value=seconds,
            unit="s",
            baseline=baseline,
            baseline_name="reading the CSV",
            target=f"<= {IMPORT_TARGET_S:.0f} s",
            met=seconds <= IMPORT_TARGET_S,
        ),
        Measurement(
            name=f"import: longest write transaction ({CHUNK:,} rows)",
            backend=backend,
            value=longest_write,
            unit="s",
            baseline=seconds,
            baseline_name="the whole import",
            target=f"<= {LONGEST_WRITE_TARGET_S:.0f} s",
            met=longest_write <= LONGEST_WRITE_TARGET_S,
        ),
    ]


async def _measure_export(engine: AsyncEngine, backend: str) -> list[Measurement]:
    factory = create_session_factory(engine)
    rows: list[Measurement] = []
    async with factory() as session:
        manager = await session.scalar(select(Staff).where(Staff.role == Role.MANAGER))
        assert manager is not None
        started = time.perf_counter()
        await session.execute(select(Lead.__table__))
        baseline = time.perf_counter() - started
        for name, write in (("CSV", csv_bytes), ("XLSX", _xlsx_of)):
            started = time.perf_counter()
            table = await export_table(session, actor=manager, kind=ExportKind.LEADS)
            write(table.columns, table.rows)
            seconds = time.perf_counter() - started
            rows.append(
                Measurement(
                    name=f"export {len(table.rows):,} leads as {name}",
                    backend=backend,
                    value=seconds,
                    unit="s",
                    baseline=baseline,
                    baseline_name="SELECT the leads bare",
                    target=f"<= {EXPORT_TARGET_S:.0f} s",
                    met=seconds <= EXPORT_TARGET_S,
                )
            )
    return rows


def _xlsx_of(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    return xlsx_bytes(header, rows, "leads")


async def measure_duplicate_pairs(backend: str, url: str) -> list[Measurement]:
    """The /duplicates pages, leads' and customers', at each of ``PAIR_SIZES`` demo leads."""
    engine = create_engine(url)
    await upgrade_to_head(engine)
    rows: list[Measurement] = []
    seeded = 0
    for size in PAIR_SIZES:
        print(f"[{backend}] seeding up to {size:,} leads ...", flush=True)
        await seed(engine, leads=size - seeded)
        seeded = size
        await settle(engine)
        rows += await _measure_pair_pages(engine, backend, size)
    await engine.dispose()
    return rows


async def _measure_pair_pages(engine: AsyncEngine, backend: str, size: int) -> list[Measurement]:
    """Each page in a session of its own, as each tap on the bot gets."""
    factory = create_session_factory(engine)
    baseline = await round_trip_ms(factory)
    async with factory() as session:
        actor = await manager(session)
        lead_pairs = (await page_of_pairs(session, _lead_pairs_before(actor), 0)).total
        customer_pairs = (await duplicate_pairs(session, actor=actor, page=0)).total
        customers = await session.scalar(select(func.count()).select_from(Customer))

    async def leads_page() -> None:
        async with factory() as session:
            await lead_duplicate_pairs(session, actor=actor, page=0)

    async def leads_page_before() -> None:
        async with factory() as session:
            await page_of_pairs(session, _lead_pairs_before(actor), 0)

    async def customers_page() -> None:
        async with factory() as session:
            await duplicate_pairs(session, actor=actor, page=0)

    leads_ms = (await time_calls(leads_page, repeat=PAIRS_REPEAT)).median_ms
    before = await time_calls(leads_page_before, repeat=PAIRS_BEFORE_REPEAT, warmup=1)
    customers_ms = (await time_calls(customers_page, repeat=PAIRS_REPEAT)).median_ms
    return [
        _pairs_row(
            f"lead duplicate pairs page ({size:,} leads, {lead_pairs:,} pairs)",
            backend,
            leads_ms,
            before.median_ms,
            "the query before 0018 (ids only)",
        ),
        _pairs_row(
            f"customer duplicate pairs page ({customers or 0:,} customers, "
            f"{customer_pairs:,} pairs)",
            backend,
            customers_ms,
            baseline,
            "SELECT 1",
        ),
    ]


def _pairs_row(name: str, backend: str, ms: float, baseline: float, against: str) -> Measurement:
    return Measurement(
        name=f"{name} (median)",
        backend=backend,
        value=ms,
        unit="ms",
        baseline=baseline,
        baseline_name=against,
        target=f"<= {PAIRS_TARGET_MS:.0f} ms",
        met=ms <= PAIRS_TARGET_MS,
    )


def _lead_pairs_before(actor: Staff) -> CompoundSelect[tuple[int, int]]:
    """The pairs of leads as listed before migration 0018: the values held twice found by
    grouping each whole index of phones and e-mails."""
    first, second = aliased(Lead), aliased(Lead)

    def sharing(column: str) -> Select[int, int]:
        mine, theirs = getattr(first, column), getattr(second, column)
        indexed = getattr(Lead, column)
        held_twice = (
            select(indexed).where(indexed.is_not(None)).group_by(indexed).having(func.count() > 1)
        )
        return (
            select(first.id.label("first_id"), second.id.label("second_id"))
            .join(second, and_(theirs == mine, second.id > first.id))
            .where(
                mine.in_(held_twice),
                work_seen_by(actor, first.responsible_id),
                work_seen_by(actor, second.responsible_id),
            )
        )

    return union(sharing("phone"), sharing("email"))
