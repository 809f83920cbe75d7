"""Realistic Ukrainian and English demo data, written in bulk: a million leads in a minute.

Rows are plain tuples handed to the database driver in chunks (SQLite's ``executemany``,
PostgreSQL's ``COPY``): no ORM objects, no per-row validation or type processing (the
generator only makes valid phones and e-mails and stores timestamps as the driver takes
them), the same shape the services would write, including one "created" timeline entry per
lead.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Insert, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.schema import AddConstraint, DropConstraint, ExecutableDDLElement

from crm.duplicate_keys import LEAD_HOLDINGS, count_holders, postgres_trigger
from crm.models import (
    Activity,
    ActivityKind,
    Base,
    Customer,
    CustomerContact,
    Language,
    Lead,
    LeadSource,
    LostReason,
    Role,
    Staff,
    StageKind,
    utcnow,
)
from crm.services.leads import search_text
from crm.services.pipelines import default_pipeline

CHUNK = 5000
# From this many leads the indexes of the tables loaded in bulk are dropped for the load and
# built once afterwards: one sorted build beats a million random inserts into each index.
BULK_LOAD_FROM = 50_000
BULK_LOADED_TABLES = ("leads", "activities", "tasks")
# Rows seeded with ids of their own (the ids tie their chunks together).
EXPLICIT_ID_TABLES = ("leads", "customers")
# SQLite's trigram index of lead names (migration 0005): fed row by row by this trigger, or
# for a bulk load all at once by the statement after it.
FTS_INSERT_TRIGGER = "leads_fts_insert"
FTS_INDEX_NEW_LEADS = (
    "INSERT INTO leads_fts (rowid, search_text) "
    "SELECT id, search_text FROM leads WHERE id > :first_lead"
)
# The counts of who holds each phone and e-mail (crm.duplicate_keys) likewise: row by row by
# these triggers, or for a bulk load by one grouped count of the new leads.
SQLITE_BULK_PAUSED_TRIGGERS = (
    FTS_INSERT_TRIGGER,
    *(f"{holding.name}_insert" for holding in LEAD_HOLDINGS),
)
POSTGRES_BULK_PAUSED_TRIGGERS = tuple(postgres_trigger(holding) for holding in LEAD_HOLDINGS)
# For the load only: SQLite writes its pages without waiting for the disk (the load is one
# transaction: a crash rolls it back whole either way), keeps 512 MiB of them in memory for
# the index builds and checks no foreign key (the generator makes only ids that exist);
# PostgreSQL gives its index builds (the trigram one above all) more memory.
SQLITE_LOAD_PRAGMAS = {"synchronous": "OFF", "cache_size": "-524288", "foreign_keys": "OFF"}
POSTGRES_LOAD_SETTINGS = {"synchronous_commit": "off", "maintenance_work_mem": "'512MB'"}
LEAD_COLUMNS = (
    "id",
    "stage_id",
    "title",
    "contact_name",
    "phone",
    "phone_digits_reversed",
    "email",
    "source",
    "responsible_id",
    "value_minor",
    "currency",
    "won_at",
    "lost_at",
    "lost_reason_code",
    "lost_reason",
    "stage_entered_at",
    "last_activity_at",
    "custom_fields",
    "customer_id",
    "search_text",
    "version",
    "created_at",
)
TASK_COLUMNS = (
    "title",
    "due_at",
    "remind_at",
    "assignee_id",
    "lead_id",
    "reminder_sent_at",
    "created_at",
)
CUSTOMER_COLUMNS = ("id", "name", "name_key", "created_at")
CONTACT_COLUMNS = ("customer_id", "kind", "value")
DEMO_TELEGRAM_ID_BASE = 9_000_000_000
FIRST_NAMES_UK = [
    "Олена",
    "Андрій",
    "Марія",
    "Тарас",
    "Ірина",
    "Богдан",
    "Оксана",
    "Дмитро",
    "Наталія",
    "Василь",
    "Юлія",
    "Сергій",
    "Катерина",
    "Олег",
    "Софія",
    "Ярослав",
]
LAST_NAMES_UK = [
    "Петренко",
    "Коваленко",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Мельник",
    "Олійник",
    "Лисенко",
    "Гнатюк",
    "Савчук",
    "Мороз",
    "Руденко",
]
FIRST_NAMES_EN = ["Emma", "James", "Olivia", "Noah", "Sophia", "Liam", "Ava", "Lucas", "Mia"]
LAST_NAMES_EN = ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clark"]
COMPANIES = [
    "ТОВ «Будсервіс»",
    "ФОП Гнатюк",
    "Агро-Лан",
    "Kyiv Coffee Co",
    "Lviv Print",
    "Odesa Logistics",
    "Дніпро Меблі",
    "Kharkiv Tech",
    "Полтава Агро",
    "Smart Home UA",
]
MOBILE_PREFIXES = ["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]
MAIL_DOMAINS = ["gmail.com", "ukr.net", "i.ua", "outlook.com", "meta.ua"]
SOURCE_WEIGHTS = {
    LeadSource.WEB_FORM: 30,
    LeadSource.MANUAL: 20,
    LeadSource.WEBSITE_CHAT: 15,
    LeadSource.WHATSAPP: 10,
    LeadSource.TELEGRAM: 10,
    LeadSource.WOOCOMMERCE: 8,
    LeadSource.FACEBOOK: 7,
}
TASK_TITLES = ["Передзвонити", "Надіслати КП", "Call back", "Send the invoice"]
# Lost deals carry a reason code; these are the words of the reason "other".
LOST_REASON_CODES = [reason.value for reason in LostReason]
LOST_IN_WORDS = ["Закрили проєкт", "Бюджет перенесли на наступний рік", "No budget this year"]


@dataclass(frozen=True, slots=True)
class SeedReport:
    staff: int
    customers: int
    leads: int
    tasks: int


async def seed_demo(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    leads: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Add ``leads`` demo leads (with staff, customers and tasks) to a migrated database in
    one transaction; ``progress`` is told how many leads each written chunk added.

    The transaction includes the DDL of a bulk load (both databases' DDL is transactional):
    the indexes of the loaded tables and the triggers feeding the trigram index (SQLite's) and
    the counts of held phones and e-mails row by row are dropped or disabled, and made again
    with the new rows indexed and counted in one pass before it commits. A load that fails
    midway leaves the database as it was, indexes and triggers included.
    """
    async with session_factory() as session:
        restore = await _begin_load(session)
        try:
            report = await _load(session, random.Random(seed), leads=leads, progress=progress)
            await session.commit()
        finally:
            await session.rollback()
            for statement in restore:
                await session.execute(text(statement))
            await session.commit()
    async with session_factory() as session:
        # Fresh planner statistics: without them the planners misjudge a million new rows.
        await session.execute(text("ANALYZE"))
        await session.commit()
    return report


async def _begin_load(session: AsyncSession) -> list[str]:
    """Settings for a bulk load, and the transaction that makes it; the statements that put
    back SQLite's settings after it (PostgreSQL's last as long as the transaction)."""
    if session.get_bind().dialect.name != "sqlite":
        for name, value in POSTGRES_LOAD_SETTINGS.items():
            await session.execute(text(f"SET LOCAL {name} = {value}"))
        return []
    restore = [
        f"PRAGMA {name} = {await session.scalar(text(f'PRAGMA {name}'))}"
        for name in SQLITE_LOAD_PRAGMAS
    ]
    for name, value in SQLITE_LOAD_PRAGMAS.items():
        await session.execute(text(f"PRAGMA {name} = {value}"))
    await session.execute(text("BEGIN IMMEDIATE"))
    return restore


async def _load(
    session: AsyncSession,
    rng: random.Random,
    *,
    leads: int,
    progress: Callable[[int], None] | None,
) -> SeedReport:
    writer = await _BulkWriter.of(session)
    staff_ids = await _seed_staff(session)
    stages = [(s.id, s.kind) for s in (await default_pipeline(session)).stages]
    customer_count = max(1, leads // 10)
    first_customer = await _seed_customers(session, writer, rng, customer_count)
    first_lead = (await session.scalar(select(func.max(Lead.id)))) or 0
    generator = _LeadGenerator(rng, writer.stamp, staff_ids, stages, first_customer, customer_count)
    bulk = leads >= BULK_LOAD_FROM
    drops, creates = _bulk_load_ddl(sqlite=writer.sqlite) if bulk else ([], [])
    paused = await _pause_row_triggers(session, sqlite=writer.sqlite) if bulk else []
    await _run_ddl_in(session, drops)
    await _insert_leads(
        lambda chunk: _write_lead_chunk(session, writer, chunk),
        generator,
        first_lead=first_lead,
        leads=leads,
        progress=progress,
    )
    await _run_ddl_in(session, creates)
    if bulk:
        await _index_and_count_new_leads(session, sqlite=writer.sqlite, first_lead=first_lead)
    for statement in paused:
        await session.execute(text(statement))
    if not writer.sqlite:
        await _advance_id_sequences(session)
    return SeedReport(
        staff=len(staff_ids), customers=customer_count, leads=leads, tasks=generator.task_count
    )


Row = tuple[Any, ...]


def _sqlite_timestamp(moment: datetime) -> str:
    """A UTC moment as SQLAlchemy stores it in SQLite: naive, to the microsecond."""
    return moment.isoformat(" ", "microseconds")[:26]


def _as_is(moment: datetime) -> datetime:
    return moment


class _BulkWriter:
    """Plain tuples into a table through the database driver, inside the session's
    transaction, with none of SQLAlchemy's per-row work: SQLite's rows in one
    ``executemany``, PostgreSQL's by ``COPY``."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self.connection = connection
        self.driver = driver
        self.sqlite = connection.dialect.name == "sqlite"
        # Values of timestamp columns as the driver takes them.
        self.stamp: Callable[[datetime], Any] = _sqlite_timestamp if self.sqlite else _as_is

    @classmethod
    async def of(cls, session: AsyncSession) -> _BulkWriter:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        return cls(connection, raw.driver_connection)

    async def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            await self.connection.exec_driver_sql(statement, rows)
        else:
            await self.driver.copy_records_to_table(table, records=rows, columns=columns)


async def _advance_id_sequences(session: AsyncSession) -> None:
    """PostgreSQL's id sequences past the ids given to seeded rows, so the next lead or
    customer made one at a time gets a free id."""
    for table in EXPLICIT_ID_TABLES:
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )


DDLStep = Callable[[Connection], None]


def _bulk_load_ddl(*, sqlite: bool) -> tuple[list[DDLStep], list[DDLStep]]:
    """What a bulk load drops before it and makes again after it: the loaded tables' indexes
    and, on PostgreSQL, their foreign keys, checked there row by row by triggers (one query
    checks each when it is made again; SQLite's are off for the load)."""
    tables = [Base.metadata.tables[name] for name in BULK_LOADED_TABLES]
    indexes = [index for table in tables for index in table.indexes]
    keys = [] if sqlite else [key for table in tables for key in table.foreign_key_constraints]
    drops: list[DDLStep] = [partial(_execute_ddl, DropConstraint(key)) for key in keys]
    creates: list[DDLStep] = [index.create for index in indexes]
    drops += [index.drop for index in indexes]
    creates += [partial(_execute_ddl, AddConstraint(key)) for key in keys]
    return drops, creates


def _execute_ddl(statement: ExecutableDDLElement, connection: Connection) -> None:
    connection.execute(statement)


async def _run_ddl_in(session: AsyncSession, statements: list[DDLStep]) -> None:
    connection = await session.connection()
    for statement in statements:
        await connection.run_sync(statement)


async def _pause_row_triggers(session: AsyncSession, *, sqlite: bool) -> list[str]:
    """Stop the triggers that index or count each new lead (migrations 0005 and 0018); the
    statements that start them again as they were. SQLite's are dropped and made again from
    their SQL (only those that exist); PostgreSQL's disabled, inside the load's transaction."""
    if not sqlite:
        for name in POSTGRES_BULK_PAUSED_TRIGGERS:
            await session.execute(text(f"ALTER TABLE leads DISABLE TRIGGER {name}"))
        return [
            f"ALTER TABLE leads ENABLE TRIGGER {name}" for name in POSTGRES_BULK_PAUSED_TRIGGERS
        ]
    restore = []
    for name in SQLITE_BULK_PAUSED_TRIGGERS:
        trigger: str | None = await session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": name},
        )
        if trigger is not None:
            await session.execute(text(f"DROP TRIGGER {name}"))
            restore.append(trigger)
    return restore


async def _index_and_count_new_leads(
    session: AsyncSession, *, sqlite: bool, first_lead: int
) -> None:
    """What the paused triggers would have done for the leads past ``first_lead``."""
    if sqlite:
        await session.execute(text(FTS_INDEX_NEW_LEADS), {"first_lead": first_lead})
    for holding in LEAD_HOLDINGS:
        await session.execute(text(count_holders(holding, after_id=first_lead)))


async def _insert_leads(
    write: Callable[[LeadChunk], Coroutine[Any, Any, None]],
    generator: _LeadGenerator,
    *,
    first_lead: int,
    leads: int,
    progress: Callable[[int], None] | None,
) -> None:
    writing: asyncio.Task[None] | None = None
    written = 0
    for start in range(0, leads, CHUNK):
        chunk = generator.chunk(first_lead + start + 1, min(CHUNK, leads - start))
        if writing is not None:
            await writing
            if progress is not None:
                progress(start - written)
            written = start
        # The database writes this chunk in its own thread (or process) while the next one
        # is made.
        writing = asyncio.create_task(write(chunk))
    if writing is not None:
        await writing
        if progress is not None:
            progress(leads - written)


async def _seed_staff(session: AsyncSession) -> list[int]:
    """Demo reps and managers, made once; their Telegram ids are out of real users' range."""
    existing = list(
        await session.scalars(select(Staff.id).where(Staff.telegram_id >= DEMO_TELEGRAM_ID_BASE))
    )
    if existing:
        return existing
    people = [
        ("Марина Коваль", Role.MANAGER, Language.UK),
        ("Peter Hall", Role.MANAGER, Language.EN),
    ]
    people += [(f"{FIRST_NAMES_UK[i]} {LAST_NAMES_UK[i]}", Role.REP, Language.UK) for i in range(6)]
    people += [(f"{FIRST_NAMES_EN[i]} {LAST_NAMES_EN[i]}", Role.REP, Language.EN) for i in range(2)]
    rows = [
        {
            "telegram_id": DEMO_TELEGRAM_ID_BASE + i,
            "display_name": name,
            "role": role,
            "language": language,
        }
        for i, (name, role, language) in enumerate(people)
    ]
    for row in rows:
        session.add(Staff(**row))
    await session.flush()
    return list(
        await session.scalars(
            select(Staff.id).where(
                Staff.telegram_id >= DEMO_TELEGRAM_ID_BASE, Staff.role == Role.REP
            )
        )
    )


def _person(rng: random.Random) -> tuple[str, str]:
    """A name and the Latin e-mail handle that goes with it."""
    if rng.random() < 0.7:
        first, last = rng.choice(FIRST_NAMES_UK), rng.choice(LAST_NAMES_UK)
        handle = f"user{rng.randrange(10**6)}"
    else:
        first, last = rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)
        handle = f"{first}.{last}{rng.randrange(1000)}".lower()
    return f"{first} {last}", handle


def _phone(rng: random.Random) -> str:
    return f"+380{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"


async def _seed_customers(
    session: AsyncSession, writer: _BulkWriter, rng: random.Random, count: int
) -> int:
    first = ((await session.scalar(select(func.max(Customer.id)))) or 0) + 1
    now = utcnow()
    for start in range(0, count, CHUNK):
        ids = range(first + start, first + min(count, start + CHUNK))
        customers = [
            (cid, _person(rng)[0], "", writer.stamp(now - timedelta(days=rng.randrange(720))))
            for cid in ids
        ]
        await writer.insert("customers", CUSTOMER_COLUMNS, customers)
        phones = [(cid, CustomerContact.PHONE, _phone(rng)) for cid in ids]
        await writer.insert("customer_contacts", CONTACT_COLUMNS, phones)
    return first


@dataclass(frozen=True, slots=True)
class LeadChunk:
    """Rows of consecutive leads, in the order of ``LEAD_COLUMNS``, and of their tasks
    (``TASK_COLUMNS``)."""

    leads: list[Row]
    tasks: list[Row]

    @property
    def first_id(self) -> int:
        lead_id: int = self.leads[0][0]
        return lead_id

    @property
    def last_id(self) -> int:
        lead_id: int = self.leads[-1][0]
        return lead_id


class _LeadGenerator:
    """Makes the rows of chunks of leads from a seeded random generator.

    Names, sources and stages are drawn from pools built once, rows are plain tuples: a
    million leads must be made in well under the minute the whole seeding may take.
    """

    PEOPLE_POOL = 4096
    YEAR = timedelta(days=365)

    def __init__(
        self,
        rng: random.Random,
        stamp: Callable[[datetime], Any],
        staff_ids: list[int],
        stages: list[tuple[int, StageKind]],
        first_customer: int,
        customer_count: int,
    ) -> None:
        self.random = random = rng.random

        def pick(options: Sequence[Any]) -> Any:
            """``rng.choice`` without its exact handling of huge sequences, which took a
            third of the time the generator takes."""
            return options[int(random() * len(options))]

        self.pick = pick
        self.stamp = stamp
        self.people = [_person(rng) for _ in range(self.PEOPLE_POOL)]
        self.staff_ids = staff_ids
        self.stages = stages
        self.first_customer = first_customer
        self.customer_count = customer_count
        self.sources = [s.value for s, weight in SOURCE_WEIGHTS.items() for _ in range(weight)]
        self.now = utcnow()
        self.task_count = 0

    def chunk(self, first_id: int, count: int) -> LeadChunk:
        chunk = LeadChunk([], [])
        for lead_id in range(first_id, first_id + count):
            self._add_lead(chunk, lead_id)
        self.task_count += len(chunk.tasks)
        return chunk

    def _add_lead(self, chunk: LeadChunk, lead_id: int) -> None:
        random, pick, stamp = self.random, self.pick, self.stamp
        name, handle = pick(self.people)
        phone = (
            f"+380{pick(MOBILE_PREFIXES)}{int(random() * 10**7):07d}" if random() < 0.9 else None
        )
        email = f"{handle}{lead_id}@{pick(MAIL_DOMAINS)}" if random() < 0.6 else None
        title = pick(COMPANIES) if random() < 0.3 else name
        stage_id, kind = pick(self.stages)
        created = self.now - self.YEAR * random()
        touched = stamp(created + (self.now - created) * random())
        value = int(random() * 500_000 + 500) * 100
        responsible = pick(self.staff_ids)
        reason_code, reason = self._lost_reason(kind)
        chunk.leads.append(
            (
                lead_id,
                stage_id,
                title,
                name,
                phone,
                # reversed_digits(phone), faster: the phone is "+" and digits.
                phone[:0:-1] if phone else None,
                email,
                pick(self.sources),
                responsible,
                value if kind == StageKind.WON or random() < 0.8 else None,
                "UAH" if random() < 0.85 else "USD",
                touched if kind == StageKind.WON else None,
                touched if kind == StageKind.LOST else None,
                reason_code,
                reason,
                touched,
                touched,
                "{}",
                self._customer(),
                search_text(title, name, email),
                1,
                stamp(created),
            )
        )
        if kind == StageKind.OPEN and random() < 0.1:
            chunk.tasks.append(self._task(lead_id, responsible))

    def _lost_reason(self, kind: StageKind) -> tuple[str | None, str | None]:
        if kind != StageKind.LOST:
            return None, None
        code: str = self.pick(LOST_REASON_CODES)
        words = self.pick(LOST_IN_WORDS) if code == LostReason.OTHER else None
        return code, words

    def _task(self, lead_id: int, assignee_id: int) -> Row:
        due = self.now + timedelta(hours=int(self.random() * 312) - 72)
        # Reminders long past are not sent all at once when the demo starts.
        sent = self.stamp(self.now) if due < self.now else None
        title = self.pick(TASK_TITLES)
        return (
            title,
            self.stamp(due),
            self.stamp(due),
            assignee_id,
            lead_id,
            sent,
            self.stamp(self.now),
        )

    def _customer(self) -> int | None:
        if self.random() < 0.3:
            return self.first_customer + int(self.random() * self.customer_count)
        return None


def _created_entries(first_id: int, last_id: int) -> Insert:
    """The "created" timeline entry of each lead in the range, made by the database."""
    columns = Activity.__table__.c
    return insert(Activity).from_select(
        ["kind", "lead_id", "customer_id", "author_id", "created_at"],
        select(
            literal(ActivityKind.CREATED, columns.kind.type),
            Lead.id,
            Lead.customer_id,
            Lead.responsible_id,
            Lead.created_at,
        ).where(Lead.id.between(first_id, last_id)),
    )


async def _write_lead_chunk(session: AsyncSession, writer: _BulkWriter, chunk: LeadChunk) -> None:
    await writer.insert("leads", LEAD_COLUMNS, chunk.leads)
    await session.execute(_created_entries(chunk.first_id, chunk.last_id))
    await writer.insert("tasks", TASK_COLUMNS, chunk.tasks)
