"""The forecast: the open pipeline's value and probability-weighted value by the month its
deals are expected to close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Staff, Stage, StageKind
from crm.money import from_minor_units
from crm.reports.periods import add_months, today_in
from crm.reports.sql import Money, without_jit
from crm.services.access import visible_leads

MONTHS_AHEAD = 4
"""Months shown one by one, this one included; later ones are shown together."""


class Horizon(StrEnum):
    OVERDUE = "overdue"
    """Expected to close in a month that is over."""
    MONTH = "month"
    LATER = "later"
    UNDATED = "undated"


@dataclass(slots=True)
class ForecastBucket:
    horizon: Horizon
    month: date | None
    """The first day of the month, for ``Horizon.MONTH``."""
    deals: int = 0
    total: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


async def forecast(
    session: AsyncSession, *, actor: Staff, zone: str, now: datetime
) -> list[ForecastBucket]:
    """Open deals ``actor`` may see by expected close month, as months of ``zone``'s
    calendar: the months that are over, this month and the next ones, later, and no date."""
    await without_jit(session)
    this_month = today_in(zone, now).replace(day=1)
    months = [add_months(this_month, offset) for offset in range(MONTHS_AHEAD)]
    buckets: dict[Horizon | date, ForecastBucket] = {
        Horizon.OVERDUE: ForecastBucket(Horizon.OVERDUE, None),
        **{month: ForecastBucket(Horizon.MONTH, month) for month in months},
        Horizon.LATER: ForecastBucket(Horizon.LATER, None),
        Horizon.UNDATED: ForecastBucket(Horizon.UNDATED, None),
    }
    probability = dict(
        (
            await session.execute(
                select(Stage.id, Stage.probability).where(Stage.kind == StageKind.OPEN)
            )
        ).all()
    )
    # Grouped in the order of ix_leads_forecast, which holds every column read.
    rows = await session.execute(
        select(
            Lead.stage_id,
            Lead.expected_close_on,
            Lead.currency,
            func.count(),
            func.sum(Lead.value_minor),
        )
        .where(Lead.stage_id.in_(probability), visible_leads(actor))
        .group_by(Lead.stage_id, Lead.expected_close_on, Lead.currency)
    )
    for stage_id, close_on, currency, deals, total_minor in rows:
        bucket = buckets[_bucket_key(close_on, months)]
        bucket.deals += deals
        if total_minor is None:
            continue
        total = from_minor_units(int(total_minor))
        bucket.total[currency] = bucket.total.get(currency, Decimal(0)) + total
        weighted = bucket.weighted.get(currency, Decimal(0)) + total * probability[stage_id] / 100
        bucket.weighted[currency] = weighted.quantize(Decimal("0.01"))
    return list(buckets.values())


def _bucket_key(close_on: date | None, months: list[date]) -> Horizon | date:
    if close_on is None:
        return Horizon.UNDATED
    month = close_on.replace(day=1)
    if month < months[0]:
        return Horizon.OVERDUE
    return month if month <= months[-1] else Horizon.LATER
