"""Saved segments: named filters returning the leads or customers that match."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm.errors import NotFound, ValidationFailed
from crm.models import (
    Customer,
    Lead,
    Segment,
    SegmentTarget,
    Staff,
    Tag,
    customer_tags,
    lead_tags,
    utcnow,
)
from crm.money import to_minor_units
from crm.schemas import LEAD_ONLY_FILTERS, SegmentFilter, parse
from crm.services.access import require_active, visible_customers, visible_leads
from crm.services.board import PAGE_SIZE, Page
from crm.services.fields import checked_value, field_definitions
from crm.services.tags import normalize_tag

NAME_MAX = 100
RowT = TypeVar("RowT", Lead, Customer)


async def save_segment(
    session: AsyncSession,
    *,
    actor: Staff,
    name: str,
    target: SegmentTarget,
    filters: dict[str, Any],
) -> Segment:
    require_active(actor)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("segment-name-invalid", field="name")
    checked = await _checked_filter(session, filters, target)
    segment = Segment(
        name=name, target=target, owner_id=actor.id, filters=checked.model_dump(mode="json")
    )
    session.add(segment)
    await session.flush()
    return segment


async def _checked_filter(
    session: AsyncSession, filters: dict[str, Any], target: SegmentTarget
) -> SegmentFilter:
    checked = parse(SegmentFilter, filters)
    if target == SegmentTarget.CUSTOMERS:
        misplaced = LEAD_ONLY_FILTERS & checked.model_fields_set
        if misplaced:
            raise ValidationFailed("filter-not-for-customers", field=sorted(misplaced)[0])
    if checked.custom_fields:
        definitions = {d.key: d for d in await field_definitions(session)}
        unknown = sorted(set(checked.custom_fields) - set(definitions))
        if unknown:
            raise ValidationFailed("custom-field-unknown", field=unknown[0])
        values = {
            key: checked_value(definitions[key], value)
            for key, value in checked.custom_fields.items()
        }
        checked = checked.model_copy(update={"custom_fields": values})
    return checked


async def segment_members(
    session: AsyncSession, *, actor: Staff, segment_id: int, page: int = 0
) -> Page[Lead] | Page[Customer]:
    segment = await session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"segment {segment_id}")
    require_active(actor)
    filters = SegmentFilter.model_validate(segment.filters)
    if segment.target == SegmentTarget.LEADS:
        return await _page(session, _lead_query(filters, actor), Lead.last_activity_at, page)
    return await _page(session, _customer_query(filters, actor), Customer.created_at, page)


async def own_segments(session: AsyncSession, *, actor: Staff, limit: int) -> list[Segment]:
    """The segments ``actor`` saved, newest first."""
    require_active(actor)
    query = select(Segment).where(Segment.owner_id == actor.id).order_by(Segment.id.desc())
    return list(await session.scalars(query.limit(limit)))


def segment_condition(segment: Segment, actor: Staff) -> ColumnElement[bool]:
    """The WHERE clause of the segment's members that ``actor`` may see (leads or customers,
    as ``segment.target`` says)."""
    require_active(actor)
    filters = SegmentFilter.model_validate(segment.filters)
    query: Select[Lead] | Select[Customer] = (
        _lead_query(filters, actor)
        if segment.target == SegmentTarget.LEADS
        else _customer_query(filters, actor)
    )
    condition = query.whereclause
    assert condition is not None
    return condition


async def _page(
    session: AsyncSession,
    query: Select[RowT],
    order_column: InstrumentedAttribute[datetime],
    page: int,
) -> Page[RowT]:
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(order_column.desc()).limit(PAGE_SIZE).offset(max(page, 0) * PAGE_SIZE)
    )
    return Page(items=list(rows), page=max(page, 0), page_size=PAGE_SIZE, total=total)


def _lead_query(f: SegmentFilter, actor: Staff) -> Select[Lead]:
    conditions: list[ColumnElement[bool]] = [visible_leads(actor)]
    conditions += _tag_conditions(f, lead_tags.c.lead_id, lead_tags.c.tag_id, Lead.id)
    if f.stage_ids:
        conditions.append(Lead.stage_id.in_(f.stage_ids))
    if f.sources:
        conditions.append(Lead.source.in_(f.sources))
    if f.responsible_ids:
        conditions.append(Lead.responsible_id.in_(f.responsible_ids))
    if f.value_min is not None:
        conditions.append(Lead.value_minor >= to_minor_units(f.value_min))
    if f.value_max is not None:
        conditions.append(Lead.value_minor <= to_minor_units(f.value_max))
    conditions += _range(Lead.created_at, f.created_from, f.created_to)
    conditions += _range(Lead.last_activity_at, f.last_activity_from, _idle_cutoff(f))
    conditions += [
        Lead.custom_fields[key].as_string() == value for key, value in f.custom_fields.items()
    ]
    return select(Lead).where(and_(*conditions))


def _customer_query(f: SegmentFilter, actor: Staff) -> Select[Customer]:
    conditions = _tag_conditions(
        f, customer_tags.c.customer_id, customer_tags.c.tag_id, Customer.id
    )
    conditions += _range(Customer.created_at, f.created_from, f.created_to)
    conditions.append(visible_customers(actor))
    if f.last_activity_from or f.last_activity_to or f.idle_days:
        last_activity = (
            select(func.max(Lead.last_activity_at))
            .where(Lead.customer_id == Customer.id, visible_leads(actor))
            .scalar_subquery()
        )
        conditions += _range(last_activity, f.last_activity_from, _idle_cutoff(f))
    return select(Customer).where(and_(*conditions))


def _idle_cutoff(f: SegmentFilter) -> datetime | None:
    """The earlier of the typed end and "no activity for N days" from now."""
    cutoffs = [f.last_activity_to] if f.last_activity_to else []
    if f.idle_days:
        cutoffs.append(utcnow() - timedelta(days=f.idle_days))
    return min(cutoffs, default=None)


async def matching_count(
    session: AsyncSession, *, actor: Staff, target: SegmentTarget, filters: dict[str, Any]
) -> int:
    """How many leads or customers ``actor`` sees match ``filters``, before they are saved."""
    require_active(actor)
    checked = await _checked_filter(session, filters, target)
    query: Select[Lead] | Select[Customer] = (
        _lead_query(checked, actor)
        if target == SegmentTarget.LEADS
        else _customer_query(checked, actor)
    )
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _tag_conditions(
    f: SegmentFilter,
    owner_column: ColumnElement[int],
    tag_column: ColumnElement[int],
    owner_id: InstrumentedAttribute[int],
) -> list[ColumnElement[bool]]:
    def tagged_with(names: list[str]) -> ColumnElement[bool]:
        return exists().where(
            owner_column == owner_id,
            tag_column == Tag.id,
            Tag.name.in_([normalize_tag(n) for n in names]),
        )

    conditions: list[ColumnElement[bool]] = []
    if f.tags_any:
        conditions.append(tagged_with(f.tags_any))
    conditions += [tagged_with([name]) for name in f.tags_all]
    return conditions


def _range(
    column: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    start: datetime | None,
    end: datetime | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions
