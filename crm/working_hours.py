"""Each person's working hours, every day, in their own time zone: what waits outside them
goes out when they begin. Equal start and end mean around the clock; an end before the start
spans midnight. Working days (for digests) are Monday to Friday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.models import Staff

SATURDAY = 5


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def start_of_work(staff: Staff, day: date) -> datetime:
    """When ``staff``'s working hours begin on ``day``, in UTC."""
    zone = ZoneInfo(staff.time_zone)
    return datetime.combine(day, staff.work_starts, tzinfo=zone).astimezone(UTC)


def within_working_hours(staff: Staff, at: datetime) -> bool:
    starts, ends = staff.work_starts, staff.work_ends
    if starts == ends:
        return True
    now = at.astimezone(ZoneInfo(staff.time_zone)).time()
    if starts < ends:
        return starts <= now < ends
    return now >= starts or now < ends


def next_working_moment(staff: Staff, at: datetime) -> datetime:
    """``at`` itself inside ``staff``'s working hours, else when their hours next begin."""
    if within_working_hours(staff, at):
        return at
    local = at.astimezone(ZoneInfo(staff.time_zone))
    day = local.date() if local.time() < staff.work_starts else local.date() + timedelta(days=1)
    return start_of_work(staff, day)
