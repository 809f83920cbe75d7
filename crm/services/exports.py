"""Leads, customers, tasks or a segment's members as a table a person takes away.

The table holds only what ``actor`` may see (a rep: their own leads, the customers of their
deals, their tasks), with every time in the actor's time zone. Columns are codes; the words
of the header are the reader's, in locales/, and import reads the same words back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound
from crm.models import (
    Customer,
    CustomerContact,
    FieldDefinition,
    Lead,
    Segment,
    SegmentTarget,
    Staff,
    Stage,
    Tag,
    Task,
    customer_tags,
    lead_tags,
)
from crm.money import from_minor_units
from crm.services.access import require_active, visible_customers, visible_leads, visible_tasks
from crm.services.fields import field_definitions
from crm.services.segments import segment_condition

Cell = str | int | Decimal | datetime | None
# Rows read from the database at a time: memory stays flat however many there are.
BATCH = 2000


class ExportKind(StrEnum):
    LEADS = "leads"
    CUSTOMERS = "customers"
    TASKS = "tasks"
    SEGMENT = "segment"


LEAD_COLUMNS = (
    "id",
    "external_id",
    "title",
    "contact_name",
    "phone",
    "email",
    "source",
    "stage",
    "responsible",
    "value",
    "currency",
    "tags",
    "customer_id",
    "created_at",
)
CUSTOMER_COLUMNS = ("id", "external_id", "name", "phones", "emails", "tags", "created_at")
TASK_COLUMNS = ("id", "title", "due_at", "done_at", "assignee", "lead_id", "customer_id")


@dataclass(frozen=True, slots=True)
class ExportTable:
    name: str
    columns: tuple[str, ...]
    rows: list[list[Cell]]
    # Custom fields, one column each after ``columns``, headed by their label.
    fields: tuple[FieldDefinition, ...] = ()


async def export_table(
    session: AsyncSession,
    *,
    actor: Staff,
    kind: ExportKind,
    segment_id: int | None = None,
) -> ExportTable:
    require_active(actor)
    zone = ZoneInfo(actor.time_zone)
    match kind:
        case ExportKind.LEADS:
            return await _lead_table(session, "leads", visible_leads(actor), zone)
        case ExportKind.CUSTOMERS:
            rows = await _customer_rows(session, visible_customers(actor), zone)
            return ExportTable("customers", CUSTOMER_COLUMNS, rows)
        case ExportKind.TASKS:
            return ExportTable("tasks", TASK_COLUMNS, await _task_rows(session, actor, zone))
        case ExportKind.SEGMENT:
            return await _segment_table(session, actor, segment_id, zone)


async def _segment_table(
    session: AsyncSession, actor: Staff, segment_id: int | None, zone: ZoneInfo
) -> ExportTable:
    segment = None if segment_id is None else await session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"segment {segment_id}")
    where = segment_condition(segment, actor)
    if segment.target == SegmentTarget.LEADS:
        return await _lead_table(session, segment.name, where, zone)
    return ExportTable(segment.name, CUSTOMER_COLUMNS, await _customer_rows(session, where, zone))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


async def _in_batches(session: AsyncSession, query: Select[int]) -> list[list[int]]:
    ids = list(await session.scalars(query))
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


async def _tags_of(
    session: AsyncSession, owner_column: ColumnElement[int], ids: Sequence[int]
) -> dict[int, list[str]]:
    tag_table = owner_column.table
    rows = await session.execute(
        select(owner_column, Tag.name)
        .join(Tag, Tag.id == tag_table.c.tag_id)
        .where(owner_column.in_(ids))
        .order_by(Tag.name)
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for owner_id, name in rows:
        tags[owner_id].append(name)
    return tags


async def _lead_table(
    session: AsyncSession, name: str, where: ColumnElement[bool], zone: ZoneInfo
) -> ExportTable:
    fields = tuple(await field_definitions(session))
    rows = await _lead_rows(session, where, zone, [d.key for d in fields])
    return ExportTable(name, LEAD_COLUMNS, rows, fields)


async def _lead_rows(
    session: AsyncSession, where: ColumnElement[bool], zone: ZoneInfo, field_keys: list[str]
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for ids in await _in_batches(session, select(Lead.id).where(where).order_by(Lead.id)):
        tags = await _tags_of(session, lead_tags.c.lead_id, ids)
        leads = await session.execute(
            select(
                Lead.id,
                Lead.external_id,
                Lead.title,
                Lead.contact_name,
                Lead.phone,
                Lead.email,
                Lead.source,
                func.coalesce(Stage.code, Stage.name),
                Staff.display_name,
                Lead.value_minor,
                Lead.currency,
                Lead.customer_id,
                Lead.created_at,
                # Read only when there are fields to fill: the JSON is parsed row by row.
                *([Lead.custom_fields] if field_keys else []),
            )
            .join(Stage, Stage.id == Lead.stage_id)
            .outerjoin(Staff, Staff.id == Lead.responsible_id)
            .where(Lead.id.in_(ids))
            .order_by(Lead.id)
        )
        rows += [
            [
                *row[:6],
                row.source.value,
                *row[7:9],
                None if row.value_minor is None else from_minor_units(row.value_minor),
                row.currency,
                " ".join(f"#{name}" for name in tags.get(row.id, [])) or None,
                row.customer_id,
                _local(row.created_at, zone),
                *(row.custom_fields.get(key) for key in field_keys),
            ]
            for row in leads
        ]
    return rows


async def _customer_rows(
    session: AsyncSession, where: ColumnElement[bool], zone: ZoneInfo
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    query = select(Customer.id).where(where).order_by(Customer.id)
    for ids in await _in_batches(session, query):
        tags = await _tags_of(session, customer_tags.c.customer_id, ids)
        contacts: dict[tuple[int, str], list[str]] = defaultdict(list)
        for customer_id, kind, value in await session.execute(
            select(CustomerContact.customer_id, CustomerContact.kind, CustomerContact.value)
            .where(CustomerContact.customer_id.in_(ids))
            .order_by(CustomerContact.id)
        ):
            contacts[customer_id, kind].append(value)
        customers = await session.execute(
            select(Customer.id, Customer.external_id, Customer.name, Customer.created_at)
            .where(Customer.id.in_(ids))
            .order_by(Customer.id)
        )
        rows += [
            [
                customer_id,
                external_id,
                name,
                ", ".join(contacts.get((customer_id, CustomerContact.PHONE), [])) or None,
                ", ".join(contacts.get((customer_id, CustomerContact.EMAIL), [])) or None,
                " ".join(f"#{tag}" for tag in tags.get(customer_id, [])) or None,
                _local(created_at, zone),
            ]
            for customer_id, external_id, name, created_at in customers
        ]
    return rows


async def _task_rows(session: AsyncSession, actor: Staff, zone: ZoneInfo) -> list[list[Cell]]:
    """The tasks ``actor`` sees: a rep's assigned to them or on their leads; a manager's of
    their teams (everyone's when in no team)."""
    rows = await session.execute(
        select(Task, Staff.display_name)
        .join(Staff, Staff.id == Task.assignee_id)
        .where(visible_tasks(actor))
        .order_by(Task.due_at, Task.id)
    )
    return [
        [
            task.id,
            task.title,
            _local(task.due_at, zone),
            _local(task.done_at, zone),
            assignee,
            task.lead_id,
            task.customer_id,
        ]
        for task, assignee in rows
    ]
