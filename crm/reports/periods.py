"""Report periods: whole days in the reader's time zone, turned into UTC bounds for queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from crm.errors import ValidationFailed

# The longest period one may type: a year, a leap one too.
MAX_PERIOD_DAYS = 366
MONTHS_IN_A_QUARTER = 3


class NamedPeriod(StrEnum):
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"


@dataclass(frozen=True, slots=True)
class Period:
    """The days from ``since`` up to, not including, ``until``, in the zone ``zone``."""

    since: date
    until: date
    zone: str

    @property
    def last_day(self) -> date:
        return self.until - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    @property
    def starts(self) -> datetime:
        """The first moment of the period, in UTC."""
        return _midnight(self.since, self.zone)

    @property
    def ends(self) -> datetime:
        """The first moment after the period, in UTC."""
        return _midnight(self.until, self.zone)

    def previous(self) -> Period:
        """The period of the same number of days just before this one."""
        return Period(self.since - timedelta(days=self.days), self.since, self.zone)


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def today_in(zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def named_period(name: NamedPeriod, *, zone: str, now: datetime) -> Period:
    """This week (from Monday), last week, this or last month, this quarter, as days of the
    calendar in ``zone``; the current ones run to their end, days still to come included."""
    today = today_in(zone, now)
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    match name:
        case NamedPeriod.THIS_WEEK:
            return Period(monday, monday + timedelta(days=7), zone)
        case NamedPeriod.LAST_WEEK:
            return Period(monday - timedelta(days=7), monday, zone)
        case NamedPeriod.THIS_MONTH:
            return Period(first_of_month, add_months(first_of_month, 1), zone)
        case NamedPeriod.LAST_MONTH:
            return Period(add_months(first_of_month, -1), first_of_month, zone)
        case NamedPeriod.THIS_QUARTER:
            first = first_of_month.replace(month=(today.month - 1) // 3 * 3 + 1)
            return Period(first, add_months(first, MONTHS_IN_A_QUARTER), zone)


def typed_period(first_day: date, last_day: date, *, zone: str) -> Period:
    """The days from ``first_day`` to ``last_day``, both included, as a person typed them."""
    if last_day < first_day:
        raise ValidationFailed("report-period-reversed", field="period")
    period = Period(first_day, last_day + timedelta(days=1), zone)
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            "report-period-too-long", field="period", details={"days": MAX_PERIOD_DAYS}
        )
    return period


def add_months(first_of_month: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) the given one's."""
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
