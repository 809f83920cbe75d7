"""How far from today a typed date or time may be.

Further is a slip of the keyboard (the year 9999, the year 1), not a plan, and a moment near the
ends of the calendar cannot even be shown in every time zone: 31.12.9999 23:00 in UTC is past
the last year Python knows in Tokyo. So dates are kept within ``YEARS_BACK`` before today and
``YEARS_AHEAD`` after it, and anything else is refused with a clear answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.errors import ValidationFailed

YEARS_AHEAD = 10
YEARS_BACK = 1


def checked_day(day: date, *, today: date, field: str) -> date:
    """``day``, if it is within range of ``today``; else ``date-too-far``/``date-too-long-ago``."""
    if day > _years_later(today, YEARS_AHEAD):
        raise ValidationFailed("date-too-far", field=field)
    if day < _years_later(today, -YEARS_BACK):
        raise ValidationFailed("date-too-long-ago", field=field)
    return day


def checked_moment(moment: datetime, *, now: datetime, field: str) -> datetime:
    """``moment`` in UTC, if its day is within range of today where it was typed.

    The day is checked on the wall clock it was typed in, before any conversion, which
    could itself fail at the ends of the calendar.
    """
    if moment.tzinfo is None:
        raise ValidationFailed("time-without-zone", field=field)
    checked_day(moment.date(), today=now.astimezone(moment.tzinfo).date(), field=field)
    return moment.astimezone(UTC)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
