"""Dates and times as people type them, in English or Ukrainian, read in their own time zone.

Pure functions without aiogram: ``now`` is an aware datetime in the person's zone and the
moments returned are wall-clock times in that zone; ``None`` means "not understood". Whether a
moment is in the past is for the caller to judge.

Understood: ``tomorrow 10:00``, ``завтра 10:00``, ``today 18:30``, ``in 2 hours``,
``через 2 години``, ``25.12 14:30``, ``25.12.2026 14:30``, ``2026-12-25 14:30``, ``14:30``,
``9pm``, ``monday 9:00``, ``в понеділок о 9``, ``завтра 14.30``, in any order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MORNING = time(10, 0)

_DAY_WORDS = {"today": 0, "сьогодні": 0, "tomorrow": 1, "завтра": 1, "післязавтра": 2}
_WEEKDAY_NAMES = (
    ("monday", "mon", "понеділок", "пн"),
    ("tuesday", "tue", "tues", "вівторок", "вт"),
    ("wednesday", "wed", "середа", "середу", "ср"),
    ("thursday", "thu", "thur", "thurs", "четвер", "чт"),
    ("friday", "fri", "п'ятниця", "п'ятницю", "пятниця", "пятницю", "пт"),
    ("saturday", "sat", "субота", "суботу", "сб"),
    ("sunday", "sun", "неділя", "неділю", "нд"),
)
_WEEKDAYS = {name: index for index, names in enumerate(_WEEKDAY_NAMES) for name in names}
# Words that join the parts and change nothing: "on monday at 9", "в понеділок о 9".
_FILLERS = frozenset({"at", "on", "о", "об", "в", "у", "на"})
_MINUTES_IN_A_DAY = 24 * 60
_UNIT_MINUTES = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1),
    **dict.fromkeys(("хв", "хвилина", "хвилину", "хвилини", "хвилин"), 1),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60),
    **dict.fromkeys(("год", "година", "годину", "години", "годин"), 60),
    **dict.fromkeys(("d", "day", "days"), _MINUTES_IN_A_DAY),
    **dict.fromkeys(("день", "дні", "днів", "дня", "добу", "доби", "діб"), _MINUTES_IN_A_DAY),
    **dict.fromkeys(("w", "week", "weeks"), 7 * _MINUTES_IN_A_DAY),
    **dict.fromkeys(("тиждень", "тижні", "тижнів", "тижня"), 7 * _MINUTES_IN_A_DAY),
}

_APOSTROPHES = re.compile(r"[’ʼ`´‘]")
_AM_PM_APART = re.compile(r"(\d)\s+([ap]m)\b")
_RELATIVE = re.compile(r"^(?:in|через)\s+(?:an?\s+)?(\d{1,4})?\s*([^\d\s]+)$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?([ap]m)?$")
_DOTTED_CLOCK = re.compile(r"^(\d{1,2})\.(\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class _DaysAhead:
    days: int


@dataclass(frozen=True, slots=True)
class _Weekday:
    index: int


@dataclass(frozen=True, slots=True)
class _CalendarDay:
    day: int
    month: int
    year: int | None


_DaySpec = _DaysAhead | _Weekday | _CalendarDay


@dataclass(frozen=True, slots=True)
class _Reading:
    day: _DaySpec | None
    at: time | None


def parse_moment(text: str, now: datetime) -> datetime | None:
    """The moment ``text`` names, seen from ``now``. A bare time that has passed today means
    tomorrow, a weekday means its next occurrence; a day alone means at ``MORNING``."""
    normalized = _normalized(text)
    relative = _RELATIVE.match(normalized)
    if relative:
        return _after(now, relative.group(1), relative.group(2))
    reading = _read(normalized.split())
    if reading is None or (reading.day is None and reading.at is None):
        return None
    return _resolve(reading, now)


def parse_day(text: str, today: date) -> date | None:
    """The day ``text`` names (``25.12.2026``, ``friday``, ``завтра``), seen from ``today``."""
    reading = _read(_normalized(text).split())
    if reading is None or reading.day is None or reading.at is not None:
        return None
    return _day_on_or_after(reading.day, today)


def parse_past_day(text: str, today: date) -> date | None:
    """The calendar date ``text`` names (``1.03``, ``01.03.2026``, ``2026-03-01``) looking back
    from ``today``, as the first day of a report: without a year, a date still to come this
    year means last year's."""
    reading = _read(_normalized(text).split())
    if reading is None or not isinstance(reading.day, _CalendarDay) or reading.at is not None:
        return None
    spec = reading.day
    if spec.year is not None:
        return _date(spec.year, spec.month, spec.day)
    this_year = _date(today.year, spec.month, spec.day)
    if this_year is not None and this_year > today:
        return _date(today.year - 1, spec.month, spec.day)
    return this_year


def exactly_later(now: datetime, delta: timedelta) -> datetime:
    """``delta`` later by the watch, however the clocks are changed meanwhile."""
    return (now.astimezone(UTC) + delta).astimezone(now.tzinfo)


def days_later(now: datetime, days: int) -> datetime:
    """The same time of day ``days`` later."""
    return now + timedelta(days=days)


def tomorrow_at(now: datetime, at: time = MORNING) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), at, tzinfo=now.tzinfo)


def end_of_day(now: datetime) -> datetime:
    """The start of the next day in ``now``'s zone."""
    return tomorrow_at(now, time(0, 0))


def _normalized(text: str) -> str:
    text = _APOSTROPHES.sub("'", text.casefold()).replace(",", " ")
    return _AM_PM_APART.sub(r"\1\2", " ".join(text.split()))


def _after(now: datetime, amount: str | None, unit: str) -> datetime | None:
    minutes = _UNIT_MINUTES.get(unit)
    if minutes is None:
        return None
    count = int(amount) if amount else 1
    if minutes >= _MINUTES_IN_A_DAY:
        return days_later(now, count * minutes // _MINUTES_IN_A_DAY)
    return exactly_later(now, timedelta(minutes=count * minutes))


def _read(tokens: list[str]) -> _Reading | None:
    """Each token is a filler, a day or a time of day; anything else, or two days or two
    times, and the text is not understood."""
    names_a_day = any(token in _DAY_WORDS or token in _WEEKDAYS for token in tokens)
    day: _DaySpec | None = None
    at: time | None = None
    for token in tokens:
        if token in _FILLERS:
            continue
        part = _part(token, day_known=names_a_day or day is not None)
        if isinstance(part, time) and at is None:
            at = part
        elif isinstance(part, _DaysAhead | _Weekday | _CalendarDay) and day is None:
            day = part
        else:
            return None
    return _Reading(day, at)


def _part(token: str, *, day_known: bool) -> _DaySpec | time | None:
    """``14.30`` is a time once a day is named ("завтра 14.30"), a date otherwise."""
    if token in _DAY_WORDS:
        return _DaysAhead(_DAY_WORDS[token])
    if token in _WEEKDAYS:
        return _Weekday(_WEEKDAYS[token])
    dotted = _DOTTED_CLOCK.match(token)
    if day_known and dotted:
        return _clock(int(dotted.group(1)), int(dotted.group(2)))
    return _calendar_day(token) or _typed_clock(token)


def _calendar_day(token: str) -> _CalendarDay | None:
    if match := _DAY_MONTH.match(token):
        day, month, year = match.groups()
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return _CalendarDay(int(day), int(month), full_year)
    if match := _ISO_DATE.match(token):
        year, month, day = match.groups()
        return _CalendarDay(int(day), int(month), int(year))
    return None


def _typed_clock(token: str) -> time | None:
    match = _CLOCK.match(token)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = match.group(3)
    if half is None:
        return _clock(hour, minute)
    if not 1 <= hour <= 12:
        return None
    return _clock(hour % 12 + (12 if half == "pm" else 0), minute)


def _clock(hour: int, minute: int) -> time | None:
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _resolve(reading: _Reading, now: datetime) -> datetime | None:
    today = now.date()
    at = reading.at or MORNING
    if reading.day is None:
        return _first_future(today, at, now, step_days=1)
    if isinstance(reading.day, _Weekday):
        first = _day_on_or_after(reading.day, today)
        return None if first is None else _first_future(first, at, now, step_days=7)
    day = _day_on_or_after(reading.day, today)
    return None if day is None else datetime.combine(day, at, tzinfo=now.tzinfo)


def _first_future(day: date, at: time, now: datetime, *, step_days: int) -> datetime:
    moment = datetime.combine(day, at, tzinfo=now.tzinfo)
    if _is_past(moment, now):
        return datetime.combine(day + timedelta(days=step_days), at, tzinfo=now.tzinfo)
    return moment


def _is_past(moment: datetime, now: datetime) -> bool:
    # Compared in UTC: aware datetimes sharing a tzinfo compare by wall clock, wrong in DST folds.
    return moment.astimezone(UTC) <= now.astimezone(UTC)


def _day_on_or_after(spec: _DaySpec, today: date) -> date | None:
    """The day meant; a date typed without a year that has passed means next year's."""
    if isinstance(spec, _DaysAhead):
        return today + timedelta(days=spec.days)
    if isinstance(spec, _Weekday):
        return today + timedelta(days=(spec.index - today.weekday()) % 7)
    if spec.year is not None:
        return _date(spec.year, spec.month, spec.day)
    this_year = _date(today.year, spec.month, spec.day)
    if this_year is None or this_year >= today:
        return this_year
    return _date(today.year + 1, spec.month, spec.day)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
