"""Realistic Ukrainian and English demo data, written in bulk so a million leads take minutes.

Rows go in through Core ``INSERT ... executemany`` in chunks: no ORM objects, no per-row
validation (the generator only makes valid phones and e-mails), the same shape the services
would write, including one "created" timeline entry per lead.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Index, Insert, Table, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.contacts import reversed_digits
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
    Task,
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
LOST_IN_WORDS = ["Закрили проєкт", "Бюджет перенесли на наступний рік", "No budget this year"]


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core inserts that skip the ORM's per-row work."""
    return Base.metadata.tables[model.__tablename__]


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
    """Add ``leads`` demo leads (with staff, customers and tasks) to a migrated database;
    ``progress`` is told how many leads each written chunk added."""
    rng = random.Random(seed)
    async with session_factory() as session:
        staff_ids = await _seed_staff(session)
        stages = [(s.id, s.kind) for s in (await default_pipeline(session)).stages]
        customer_count = max(1, leads // 10)
        first_customer = await _seed_customers(session, rng, customer_count)
        first_lead = (await session.scalar(select(func.max(Lead.id)))) or 0
        sqlite = session.get_bind().dialect.name == "sqlite"
        await session.commit()
    generator = _LeadGenerator(rng, staff_ids, stages, first_customer, customer_count)
    load = _load_leads_in_one_sqlite_transaction if sqlite else _load_leads_chunk_by_chunk
    await load(session_factory, generator, first_lead=first_lead, leads=leads, progress=progress)
    async with session_factory() as session:
        if not sqlite:
            await _advance_id_sequences(session)
        # Fresh planner statistics: without them PostgreSQL misjudges a million new rows.
        await session.execute(text("ANALYZE"))
        await session.commit()
    return SeedReport(
        staff=len(staff_ids), customers=customer_count, leads=leads, tasks=generator.task_count
    )


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


def _bulk_loaded_indexes() -> list[Index]:
    return [index for name in BULK_LOADED_TABLES for index in Base.metadata.tables[name].indexes]


async def _run_ddl(
    session_factory: async_sessionmaker[AsyncSession], statements: list[Callable[[Any], None]]
) -> None:
    async with session_factory() as session:
        await _run_ddl_in(session, statements)
        await session.commit()


async def _run_ddl_in(session: AsyncSession, statements: list[Callable[[Any], None]]) -> None:
    connection = await session.connection()
    for statement in statements:
        await connection.run_sync(statement)


async def _load_leads_chunk_by_chunk(
    session_factory: async_sessionmaker[AsyncSession],
    generator: _LeadGenerator,
    *,
    first_lead: int,
    leads: int,
    progress: Callable[[int], None] | None,
) -> None:
    """Each chunk committed on its own (PostgreSQL), the indexes of a bulk load dropped for it
    and built again at the end."""
    indexes = _bulk_loaded_indexes() if leads >= BULK_LOAD_FROM else []

    async def write(rows: list[LeadRows]) -> None:
        async with session_factory() as session:
            await _write_lead_chunk(session, rows)
            await session.commit()

    await _run_ddl(session_factory, [index.drop for index in indexes])
    try:
        await _insert_leads(write, generator, first_lead=first_lead, leads=leads, progress=progress)
    finally:
        await _run_ddl(session_factory, [index.create for index in indexes])


async def _load_leads_in_one_sqlite_transaction(
    session_factory: async_sessionmaker[AsyncSession],
    generator: _LeadGenerator,
    *,
    first_lead: int,
    leads: int,
    progress: Callable[[int], None] | None,
) -> None:
    """All of it one transaction, since SQLite's DDL is transactional: for a bulk load the
    indexes and the trigger that feeds the trigram index row by row are dropped inside it, and
    made again with the new rows indexed in one pass before it commits. A crash midway leaves
    the database as it was, indexes and trigger included."""
    bulk = leads >= BULK_LOAD_FROM
    indexes = _bulk_loaded_indexes() if bulk else []
    async with session_factory() as session:
        await session.execute(text("BEGIN IMMEDIATE"))
        trigger = await _drop_fts_insert_trigger(session) if bulk else None
        await _run_ddl_in(session, [index.drop for index in indexes])

        async def write(rows: list[LeadRows]) -> None:
            await _write_lead_chunk(session, rows)

        await _insert_leads(write, generator, first_lead=first_lead, leads=leads, progress=progress)
        await _run_ddl_in(session, [index.create for index in indexes])
        if trigger is not None:
            await session.execute(text(FTS_INDEX_NEW_LEADS), {"first_lead": first_lead})
            await session.execute(text(trigger))
        await session.commit()


async def _drop_fts_insert_trigger(session: AsyncSession) -> str | None:
    """Drop the trigger of migration 0005 that indexes each new lead for name search; its
    SQL, to make it again as it was (None where it does not exist)."""
    trigger: str | None = await session.scalar(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_INSERT_TRIGGER},
    )
    if trigger is not None:
        await session.execute(text(f"DROP TRIGGER {FTS_INSERT_TRIGGER}"))
    return trigger


async def _insert_leads(
    write: Callable[[list[LeadRows]], Coroutine[Any, Any, None]],
    generator: _LeadGenerator,
    *,
    first_lead: int,
    leads: int,
    progress: Callable[[int], None] | None,
) -> None:
    writing: asyncio.Task[None] | None = None
    written = 0
    for start in range(0, leads, CHUNK):
        rows = list(generator.rows(first_lead + start + 1, min(CHUNK, leads - start)))
        if writing is not None:
            await writing
            if progress is not None:
                progress(start - written)
            written = start
        # The database writes this chunk in its own thread while the next one is made.
        writing = asyncio.create_task(write(rows))
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


async def _seed_customers(session: AsyncSession, rng: random.Random, count: int) -> int:
    first = ((await session.scalar(select(func.max(Customer.id)))) or 0) + 1
    now = utcnow()
    for start in range(0, count, CHUNK):
        ids = range(first + start, first + min(count, start + CHUNK))
        people = [_person(rng) for _ in ids]
        await session.execute(
            insert(table_of(Customer)),
            [
                {"id": cid, "name": name, "created_at": now - timedelta(days=rng.randrange(720))}
                for cid, (name, _) in zip(ids, people, strict=True)
            ],
        )
        await session.execute(
            insert(table_of(CustomerContact)),
            [
                {"customer_id": cid, "kind": CustomerContact.PHONE, "value": _phone(rng)}
                for cid in ids
            ],
        )
    return first


@dataclass(frozen=True, slots=True)
class LeadRows:
    lead: dict[str, Any]
    task: dict[str, Any] | None


class _LeadGenerator:
    """Makes one lead's rows at a time from a seeded random generator.

    Names, sources and stages are drawn from pools built once: a million leads must be made
    in well under the two minutes the whole seeding may take.
    """

    PEOPLE_POOL = 4096
    YEAR = timedelta(days=365)

    def __init__(
        self,
        rng: random.Random,
        staff_ids: list[int],
        stages: list[tuple[int, StageKind]],
        first_customer: int,
        customer_count: int,
    ) -> None:
        self.random = rng.random
        self.pick = rng.choice
        self.people = [_person(rng) for _ in range(self.PEOPLE_POOL)]
        self.staff_ids = staff_ids
        self.stages = stages
        self.first_customer = first_customer
        self.customer_count = customer_count
        self.sources = [s for s, weight in SOURCE_WEIGHTS.items() for _ in range(weight)]
        self.now = utcnow()
        self.task_count = 0

    def rows(self, first_id: int, count: int) -> Iterator[LeadRows]:
        for lead_id in range(first_id, first_id + count):
            yield self._lead(lead_id)

    def _lead(self, lead_id: int) -> LeadRows:
        random, pick = self.random, self.pick
        name, handle = pick(self.people)
        phone = (
            f"+380{pick(MOBILE_PREFIXES)}{int(random() * 10**7):07d}" if random() < 0.9 else None
        )
        email = f"{handle}{lead_id}@{pick(MAIL_DOMAINS)}" if random() < 0.6 else None
        title = pick(COMPANIES) if random() < 0.3 else name
        stage_id, kind = pick(self.stages)
        created = self.now - self.YEAR * random()
        touched = created + (self.now - created) * random()
        value = int(random() * 500_000 + 500) * 100
        lead: dict[str, Any] = {
            "id": lead_id,
            "stage_id": stage_id,
            "title": title,
            "contact_name": name,
            "phone": phone,
            "phone_digits_reversed": reversed_digits(phone) if phone else None,
            "email": email,
            "source": pick(self.sources),
            "responsible_id": pick(self.staff_ids),
            "value_minor": value if kind == StageKind.WON or random() < 0.8 else None,
            "currency": "UAH" if random() < 0.85 else "USD",
            "won_at": touched if kind == StageKind.WON else None,
            "lost_at": touched if kind == StageKind.LOST else None,
            **self._lost_reason(kind),
            "stage_entered_at": touched,
            "last_activity_at": touched,
            "custom_fields": {},
            "customer_id": self._customer(),
            "search_text": search_text(title, name, email),
            "version": 1,
            "created_at": created,
        }
        task = self._task(lead) if kind == StageKind.OPEN and random() < 0.1 else None
        return LeadRows(lead, task)

    def _lost_reason(self, kind: StageKind) -> dict[str, str | None]:
        if kind != StageKind.LOST:
            return {"lost_reason_code": None, "lost_reason": None}
        code = self.pick(list(LostReason))
        words = self.pick(LOST_IN_WORDS) if code == LostReason.OTHER else None
        return {"lost_reason_code": code.value, "lost_reason": words}

    def _task(self, lead: dict[str, Any]) -> dict[str, Any]:
        self.task_count += 1
        due = self.now + timedelta(hours=int(self.random() * 312) - 72)
        return {
            "title": self.pick(TASK_TITLES),
            "due_at": due,
            "remind_at": due,
            "assignee_id": lead["responsible_id"],
            "lead_id": lead["id"],
            # Reminders long past are not sent all at once when the demo starts.
            "reminder_sent_at": self.now if due < self.now else None,
        }

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


async def _write_lead_chunk(session: AsyncSession, rows: list[LeadRows]) -> None:
    await session.execute(insert(table_of(Lead)), [row.lead for row in rows])
    await session.execute(_created_entries(rows[0].lead["id"], rows[-1].lead["id"]))
    tasks = [row.task for row in rows if row.task is not None]
    if tasks:
        await session.execute(insert(table_of(Task)), tasks)
