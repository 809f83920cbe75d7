"""Typed dates and times, in English and Ukrainian, read in the person's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.common.when import (
    MORNING,
    days_later,
    end_of_day,
    exactly_later,
    parse_day,
    parse_moment,
    tomorrow_at,
)

KYIV = ZoneInfo("Europe/Kyiv")
# A Wednesday afternoon, four days before the clocks go forward in Kyiv.
NOW = datetime(2026, 3, 25, 15, 0, tzinfo=KYIV)


def kyiv(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tomorrow 10:00", kyiv(2026, 3, 26, 10)),
        ("завтра 10:00", kyiv(2026, 3, 26, 10)),
        ("Tomorrow at 10:00", kyiv(2026, 3, 26, 10)),
        ("10:00 tomorrow", kyiv(2026, 3, 26, 10)),
        ("завтра о 10", kyiv(2026, 3, 26, 10)),
        ("завтра 14.30", kyiv(2026, 3, 26, 14, 30)),
        ("tomorrow", kyiv(2026, 3, 26, 10)),
        ("післязавтра 9:15", kyiv(2026, 3, 27, 9, 15)),
        ("today 18:30", kyiv(2026, 3, 25, 18, 30)),
        ("сьогодні 18:30", kyiv(2026, 3, 25, 18, 30)),
        ("in 2 hours", kyiv(2026, 3, 25, 17)),
        ("через 2 години", kyiv(2026, 3, 25, 17)),
        ("in an hour", kyiv(2026, 3, 25, 16)),
        ("через годину", kyiv(2026, 3, 25, 16)),
        ("in 30 min", kyiv(2026, 3, 25, 15, 30)),
        ("через 45 хвилин", kyiv(2026, 3, 25, 15, 45)),
        ("in 3 days", kyiv(2026, 3, 28, 15)),
        ("через 3 дні", kyiv(2026, 3, 28, 15)),
        ("in 2 weeks", kyiv(2026, 4, 8, 15)),
        ("через тиждень", kyiv(2026, 4, 1, 15)),
        ("25.12 14:30", kyiv(2026, 12, 25, 14, 30)),
        ("25.12.2026 14:30", kyiv(2026, 12, 25, 14, 30)),
        ("25.12.26 14:30", kyiv(2026, 12, 25, 14, 30)),
        ("25/12 14:30", kyiv(2026, 12, 25, 14, 30)),
        ("2026-12-25 14:30", kyiv(2026, 12, 25, 14, 30)),
        ("25.12 14.30", kyiv(2026, 12, 25, 14, 30)),
        ("25.12", kyiv(2026, 12, 25, 10)),
        ("01.03", kyiv(2027, 3, 1, 10)),
        ("16:00", kyiv(2026, 3, 25, 16)),
        ("14:30", kyiv(2026, 3, 26, 14, 30)),
        ("9pm", kyiv(2026, 3, 25, 21)),
        ("9:30 am", kyiv(2026, 3, 26, 9, 30)),
        ("12am", kyiv(2026, 3, 26, 0)),
        ("monday 9:00", kyiv(2026, 3, 30, 9)),
        ("понеділок 9:00", kyiv(2026, 3, 30, 9)),
        ("on Mon at 9", kyiv(2026, 3, 30, 9)),
        ("в понеділок о 9", kyiv(2026, 3, 30, 9)),
        ("у п’ятницю 14.30", kyiv(2026, 3, 27, 14, 30)),
        ("пт 8:00", kyiv(2026, 3, 27, 8)),
        ("wednesday 16:00", kyiv(2026, 3, 25, 16)),
        ("wednesday 9:00", kyiv(2026, 4, 1, 9)),
        ("середу 9:00", kyiv(2026, 4, 1, 9)),
        ("неділю", kyiv(2026, 3, 29, 10)),
    ],
)
def test_typed_moments_are_read_in_the_persons_zone(typed: str, meant: datetime) -> None:
    assert parse_moment(typed, NOW) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("today 9:00", kyiv(2026, 3, 25, 9)),
        ("25.03 10:00", kyiv(2026, 3, 25, 10)),
        ("01.01.2020 10:00", kyiv(2020, 1, 1, 10)),
        ("in 0 minutes", NOW),
    ],
)
def test_a_moment_already_past_is_returned_as_it_is_for_the_caller_to_refuse(
    typed: str, meant: datetime
) -> None:
    moment = parse_moment(typed, NOW)

    assert moment == meant
    assert moment <= NOW


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "soon",
        "tomorrow tomorrow",
        "monday friday",
        "10:00 11:00",
        "tomorrow 25.12",
        "25:00",
        "10:61",
        "13pm",
        "0am",
        "31.02 10:00",
        "2026-02-30 10:00",
        "32.01",
        "in 2 bananas",
        "через 2",
        "in",
        "tomorrow 10:00 please",
        "14.30",
    ],
)
def test_what_is_not_a_moment_is_not_guessed(typed: str) -> None:
    assert parse_moment(typed, NOW) is None


def test_in_hours_counts_real_hours_across_the_clock_change() -> None:
    night = kyiv(2026, 3, 29, 2, 30)

    later = parse_moment("in 2 hours", night)

    assert later is not None
    assert later.astimezone(UTC) - night.astimezone(UTC) == timedelta(hours=2)
    assert (later.hour, later.minute) == (5, 30)


def test_tomorrow_morning_after_the_clock_change_is_ten_by_the_new_clock() -> None:
    moment = parse_moment("завтра 10:00", kyiv(2026, 3, 28, 20))

    assert moment is not None
    assert moment.astimezone(UTC) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("25.12.2026", date(2026, 12, 25)),
        ("2026-12-25", date(2026, 12, 25)),
        ("25.12", date(2026, 12, 25)),
        ("01.03", date(2027, 3, 1)),
        ("friday", date(2026, 3, 27)),
        ("в середу", date(2026, 3, 25)),
        ("завтра", date(2026, 3, 26)),
    ],
)
def test_typed_days(typed: str, meant: date) -> None:
    assert parse_day(typed, NOW.date()) == meant


@pytest.mark.parametrize("typed", ["", "someday", "25.12 10:00", "31.04.2026", "friday monday"])
def test_what_is_not_a_day_is_not_guessed(typed: str) -> None:
    assert parse_day(typed, NOW.date()) is None


def test_quick_choices() -> None:
    evening = kyiv(2026, 3, 28, 23, 30)

    assert exactly_later(evening, timedelta(hours=1)) == kyiv(2026, 3, 29, 0, 30)
    assert tomorrow_at(evening) == kyiv(2026, 3, 29, 10)
    assert days_later(evening, 3) == kyiv(2026, 3, 31, 23, 30)
    assert end_of_day(evening) == kyiv(2026, 3, 29, 0)


ZONES = st.sampled_from(
    [KYIV, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
ENGLISH_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
UKRAINIAN_WEEKDAYS = ["понеділок", "вівторок", "середу", "четвер", "п'ятницю", "суботу", "неділю"]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@given(text=st.text(max_size=40), now=MOMENTS)
def test_any_text_is_read_or_refused_never_crashes(text: str, now: datetime) -> None:
    moment = parse_moment(text, now)

    assert moment is None or moment.tzinfo is now.tzinfo


@given(now=MOMENTS, hours=st.integers(min_value=1, max_value=500), ukrainian=st.booleans())
def test_in_n_hours_is_exactly_n_hours_later(now: datetime, hours: int, ukrainian: bool) -> None:
    typed = f"через {hours} годин" if ukrainian else f"in {hours} hours"

    moment = parse_moment(typed, now)

    assert moment is not None
    assert utc(moment) - utc(now) == timedelta(hours=hours)


@given(now=MOMENTS, at=st.times())
def test_a_bare_time_is_the_next_time_the_clock_shows_it(now: datetime, at: time) -> None:
    moment = parse_moment(f"{at.hour}:{at.minute:02d}", now)

    assert moment is not None
    assert (moment.hour, moment.minute) == (at.hour, at.minute)
    assert utc(now) < utc(moment)
    assert moment.date() - now.date() <= timedelta(days=1)


@given(now=MOMENTS, index=st.integers(min_value=0, max_value=6), at=st.times())
def test_a_weekday_is_its_next_occurrence_in_either_language(
    now: datetime, index: int, at: time
) -> None:
    clock = f"{at.hour}:{at.minute:02d}"

    english = parse_moment(f"{ENGLISH_WEEKDAYS[index]} {clock}", now)
    ukrainian = parse_moment(f"в {UKRAINIAN_WEEKDAYS[index]} о {clock}", now)

    assert english is not None and english == ukrainian
    assert english.weekday() == index
    assert utc(now) < utc(english)
    assert english.date() - now.date() <= timedelta(days=7)


@given(now=MOMENTS)
def test_the_day_ends_at_the_next_midnight(now: datetime) -> None:
    end = end_of_day(now)

    assert end.date() == now.date() + timedelta(days=1)
    assert end.time() == time(0, 0)
    assert tomorrow_at(now).time() == MORNING
