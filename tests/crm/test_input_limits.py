"""Input at the edges gets a clear answer and breaks nothing: values the board can always sum,
dates the calendar can show in every zone, searches of a sensible length, notes kept whole."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.dates import checked_day, checked_moment
from crm.errors import ValidationFailed
from crm.models import NOTE_MAX_LENGTH, Activity, ActivityKind, utcnow
from crm.money import MAX_AMOUNT
from crm.schemas import LeadChanges, LeadDraft
from crm.services import board, leads, search, tasks, timeline
from crm.services.search import SEARCH_TEXT_MAX
from crm.services.timeline import note_parts
from tests.crm.conftest import Team

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
WHITESPACE = re.compile(r"\s")


async def add(session: AsyncSession, team: Team, name: str, **fields: object) -> int:
    draft = LeadDraft.model_validate({"contact_name": name, **fields})
    lead = await leads.create_lead(session, actor=team.rep, draft=draft, allow_duplicate=True)
    return lead.id


def refused(code: str) -> pytest.RaisesExc[ValidationFailed]:
    return pytest.raises(ValidationFailed, match=f"^{code}$")


async def test_the_board_sums_deals_at_the_largest_value_and_refuses_more(
    session: AsyncSession, team: Team
) -> None:
    await add(session, team, "Big one", value=str(MAX_AMOUNT))
    await add(session, team, "Big two", value=str(MAX_AMOUNT))
    with refused("amount-too-large"):
        await add(session, team, "Too big", value="92233720368547758.00")

    for viewer in (team.rep, team.manager, team.other_rep):
        figures = await board.pipeline_board(session, actor=viewer)
        totals = [column.totals for column in figures.columns if column.count]
        assert totals == ([{"UAH": 2 * MAX_AMOUNT}] if viewer.id != team.other_rep.id else [])


async def test_an_order_above_the_largest_amount_is_refused(
    session: AsyncSession, team: Team
) -> None:
    lead_id = await add(session, team, "Olena")
    with refused("amount-too-large"):
        await leads.convert_lead_to_order(
            session, actor=team.rep, lead_id=lead_id, external_id="A-1", amount="1e11"
        )


@pytest.mark.parametrize("zone", [TOKYO, NEW_YORK, UTC])
def test_the_last_day_of_the_calendar_is_refused_in_every_zone(zone: ZoneInfo) -> None:
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    with refused("date-too-far"):
        checked_moment(datetime(9999, 12, 31, 23, 59, tzinfo=zone), now=now, field="due_at")
    with refused("date-too-long-ago"):
        checked_moment(datetime(1, 1, 1, 0, 0, tzinfo=zone), now=now, field="due_at")


def test_dates_within_ten_years_ahead_and_one_back_are_kept() -> None:
    today = date(2028, 2, 29)
    assert checked_day(date(2038, 2, 28), today=today, field="day") == date(2038, 2, 28)
    assert checked_day(date(2027, 2, 28), today=today, field="day") == date(2027, 2, 28)
    with refused("date-too-far"):
        checked_day(date(2038, 3, 1), today=today, field="day")
    with refused("date-too-long-ago"):
        checked_day(date(2027, 2, 27), today=today, field="day")
    moment = datetime(2029, 1, 1, 9, tzinfo=TOKYO)
    assert checked_moment(moment, now=datetime(2028, 1, 1, tzinfo=UTC), field="due_at") == (
        datetime(2029, 1, 1, 0, tzinfo=UTC)
    )


async def test_tasks_and_expected_close_dates_years_away_are_refused(
    session: AsyncSession, team: Team
) -> None:
    lead_id = await add(session, team, "Olena")
    far = datetime(9999, 12, 31, 23, 0, tzinfo=TOKYO)
    with refused("date-too-far"):
        await tasks.create_task(session, actor=team.rep, title="Call", due_at=far, lead_id=lead_id)
    task = await tasks.create_task(
        session, actor=team.rep, title="Call", due_at=utcnow() + timedelta(days=3)
    )
    with refused("date-too-far"):
        await tasks.snooze_task(session, actor=team.rep, task_id=task.id, until=far)
    with refused("date-too-far"):
        await leads.update_lead(
            session,
            actor=team.rep,
            lead_id=lead_id,
            changes=LeadChanges(expected_close_on=date(9999, 12, 31)),
        )
    with refused("date-too-far"):
        await add(session, team, "Later", expected_close_on=date(9999, 12, 31))


async def test_a_search_longer_than_anything_it_could_find_is_refused(
    session: AsyncSession, team: Team
) -> None:
    await add(session, team, "Olena")
    assert await search.search_leads(session, actor=team.rep, text="o" * SEARCH_TEXT_MAX) == []
    with refused("search-too-long"):
        await search.search_leads(session, actor=team.rep, text="Olena " * 675)


async def test_a_note_over_the_limit_is_kept_as_several_notes_in_order(
    session: AsyncSession, team: Team
) -> None:
    lead_id = await add(session, team, "Olena")
    first = ("Перша частина розмови. " * 150).strip()
    second = ("Second part of the call, kept as typed. " * 25).strip()
    notes = await timeline.add_note(
        session, actor=team.rep, lead_id=lead_id, text=f"{first}\n\n{second}"
    )
    await session.commit()

    saved = await session.scalars(
        select(Activity.text)
        .where(Activity.lead_id == lead_id, Activity.kind == ActivityKind.NOTE)
        .order_by(Activity.id)
    )
    assert len(notes) == 2
    assert list(saved) == [first, second]


@given(
    st.text(st.sampled_from("ab яї.\n"), min_size=1, max_size=3 * NOTE_MAX_LENGTH).filter(str.strip)
)
def test_a_note_is_split_into_parts_that_keep_every_character(text: str) -> None:
    parts = note_parts(text)
    assert all(part and len(part) <= NOTE_MAX_LENGTH for part in parts)
    assert WHITESPACE.sub("", "".join(parts)) == WHITESPACE.sub("", text)
    assert len(parts) == 1 or len(text.strip()) > NOTE_MAX_LENGTH


def test_a_note_is_cut_where_a_paragraph_ends() -> None:
    first, second = "a" * 3000, "b" * 2000
    assert note_parts(f"{first}\n\n{second}") == [first, second]
    assert note_parts(f"{first}. {second}") == [f"{first}.", second]
    assert note_parts("c" * (NOTE_MAX_LENGTH + 1)) == ["c" * NOTE_MAX_LENGTH, "c"]
