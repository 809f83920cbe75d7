"""Every report figure against values worked out by hand on tests/report_dataset.py, for March
2026 in Kyiv unless a test says otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import LeadSource, LostReason
from crm.reports.forecast import Horizon, forecast
from crm.reports.history import funnel, time_in_stage
from crm.reports.outcomes import lost_reasons, reps, sources, win_loss
from crm.reports.periods import NamedPeriod, Period, named_period, typed_period
from tests.crm.conftest import Team
from tests.report_dataset import KYIV, NOW, Dataset, add_report_dataset

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), KYIV)
UAH = "UAH"
USD = "USD"


def money(**amounts: str) -> dict[str, Decimal]:
    return {currency: Decimal(amount) for currency, amount in amounts.items()}


@pytest.fixture
async def dataset(session: AsyncSession, team: Team) -> Dataset:
    return await add_report_dataset(session, rep=team.rep, other_rep=team.other_rep)


# Periods


def test_march_in_kyiv_starts_and_ends_at_kyiv_midnights_across_the_clock_change() -> None:
    march = named_period(NamedPeriod.THIS_MONTH, zone=KYIV, now=NOW)

    assert march == MARCH
    assert march.starts == datetime(2026, 2, 28, 22, 0, tzinfo=UTC)
    assert march.ends == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)
    assert march.previous() == Period(date(2026, 1, 29), date(2026, 3, 1), KYIV)


@pytest.mark.parametrize(
    ("name", "now", "zone", "expected"),
    [
        (NamedPeriod.THIS_WEEK, NOW, KYIV, (date(2026, 3, 16), date(2026, 3, 23))),
        (NamedPeriod.LAST_WEEK, NOW, KYIV, (date(2026, 3, 9), date(2026, 3, 16))),
        (NamedPeriod.LAST_MONTH, NOW, KYIV, (date(2026, 2, 1), date(2026, 3, 1))),
        (NamedPeriod.THIS_QUARTER, NOW, KYIV, (date(2026, 1, 1), date(2026, 4, 1))),
        # A week across the month boundary.
        (
            NamedPeriod.THIS_WEEK,
            datetime(2026, 4, 1, 12, tzinfo=UTC),
            KYIV,
            (date(2026, 3, 30), date(2026, 4, 6)),
        ),
        # Last month of January is last year's December.
        (
            NamedPeriod.LAST_MONTH,
            datetime(2026, 1, 15, tzinfo=UTC),
            KYIV,
            (date(2025, 12, 1), date(2026, 1, 1)),
        ),
        # 22:30 UTC on 31 March is already April in Kyiv, still March in UTC.
        (
            NamedPeriod.THIS_MONTH,
            datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
            KYIV,
            (date(2026, 4, 1), date(2026, 5, 1)),
        ),
        (
            NamedPeriod.THIS_MONTH,
            datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
            "UTC",
            (date(2026, 3, 1), date(2026, 4, 1)),
        ),
        (
            NamedPeriod.THIS_QUARTER,
            datetime(2026, 12, 31, tzinfo=UTC),
            "UTC",
            (date(2026, 10, 1), date(2027, 1, 1)),
        ),
    ],
)
def test_named_periods_are_calendar_days_in_the_readers_zone(
    name: NamedPeriod, now: datetime, zone: str, expected: tuple[date, date]
) -> None:
    period = named_period(name, zone=zone, now=now)

    assert (period.since, period.until) == expected


def test_typed_periods_include_their_last_day_and_are_checked() -> None:
    period = typed_period(date(2026, 3, 1), date(2026, 3, 15), zone=KYIV)
    assert (period.since, period.until, period.days) == (date(2026, 3, 1), date(2026, 3, 16), 15)

    with pytest.raises(ValidationFailed) as reversed_days:
        typed_period(date(2026, 3, 15), date(2026, 3, 1), zone=KYIV)
    assert reversed_days.value.code == "report-period-reversed"
    with pytest.raises(ValidationFailed) as too_long:
        typed_period(date(2025, 1, 1), date(2026, 3, 1), zone=KYIV)
    assert too_long.value.code == "report-period-too-long"


# Win/loss


async def test_win_loss_counts_values_rate_size_and_days_against_the_period_before(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    report = await win_loss(session, actor=team.manager, period=MARCH)

    # Won: Alpha, Gamma (reopened after Lost), Delta (USD), Zeta (1 March in Kyiv).
    now = report.current
    assert (now.won, now.lost) == (4, 3)
    assert now.won_value == money(UAH="18000", USD="1000")
    # Lost: Epsilon, Lambda (USD), Mu.
    assert now.lost_value == money(UAH="10000", USD="500")
    assert now.win_rate == pytest.approx(4 / 7)
    assert now.average_won == money(UAH="6000", USD="1000")
    # (11 + 24 + 6 + 1) / 4
    assert now.average_days_to_close == pytest.approx(10.5)

    # 29 January to 28 February: Theta won, Eta lost; Gamma's loss was undone by reopening.
    before = report.previous
    assert (before.won, before.lost, before.win_rate) == (1, 1, 0.5)
    assert before.won_value == money(UAH="6000")
    assert before.average_days_to_close == pytest.approx(10)


async def test_the_readers_time_zone_decides_which_month_a_late_evening_win_is_in(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    in_utc = Period(date(2026, 3, 1), date(2026, 4, 1), "UTC")

    report = await win_loss(session, actor=team.manager, period=in_utc)

    # Zeta, won at 23:30 UTC on 28 February, is February's in UTC.
    assert report.current.won == 3
    assert report.current.won_value == money(UAH="15000", USD="1000")
    assert report.previous.won == 2


async def test_a_reps_win_loss_counts_only_their_own_deals(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    own = await win_loss(session, actor=team.rep, period=MARCH)
    others = await win_loss(session, actor=team.other_rep, period=MARCH)

    assert (own.current.won, own.current.lost) == (4, 1)
    assert own.current.lost_value == money(USD="500")
    assert (others.current.won, others.current.lost) == (0, 2)
    assert others.current.win_rate == 0
    assert others.current.average_days_to_close is None


# Funnel


async def test_the_funnel_counts_the_furthest_stage_each_new_lead_ever_reached(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    steps = await funnel(session, actor=team.manager, period=MARCH)

    # Created in March: Alpha, Beta, Delta, Epsilon, Iota, Lambda, Nu. Beta went back from
    # Proposal and still counts there; Delta skipped Qualified and counts there too.
    assert [(step.stage.code, step.reached) for step in steps] == [
        ("new", 7),
        ("qualified", 4),
        ("proposal", 3),
        ("won", 2),
    ]
    assert [step.conversion for step in steps] == [
        None,
        pytest.approx(4 / 7),
        pytest.approx(3 / 4),
        pytest.approx(2 / 3),
    ]


async def test_a_reps_funnel_has_only_their_leads(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    steps = await funnel(session, actor=team.rep, period=MARCH)

    # Alpha, Delta, Iota, Lambda.
    assert [step.reached for step in steps] == [4, 2, 2, 2]


# Time in stage


async def test_time_in_stage_from_every_stay_that_ended_in_the_period(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    report = await time_in_stage(session, actor=team.manager, period=MARCH, now=NOW)

    by_code = {figures.stage.code: figures for figures in report.stages}
    assert list(by_code) == ["new", "qualified", "proposal"]
    # New: Alpha 2, Beta 2, Gamma 15 (since reopened), Delta 1, Epsilon 2, Zeta 1, Lambda 1,
    # Mu 69 days.
    assert by_code["new"].spells == 8
    assert by_code["new"].median_days == pytest.approx(2)
    assert by_code["new"].p90_days == pytest.approx(31.2)
    # Qualified: Alpha 5, Beta 1, Epsilon 6. Proposal: Alpha 4, Beta 4, Delta 5.
    assert (by_code["qualified"].spells, by_code["qualified"].median_days) == (
        3,
        pytest.approx(5),
    )
    assert by_code["qualified"].p90_days == pytest.approx(5.8)
    assert by_code["proposal"].median_days == pytest.approx(4)
    assert by_code["proposal"].p90_days == pytest.approx(4.8)
    # Beta has had nothing done in Qualified since 10 March, over its 7 idle days.
    assert [figures.idle_now for figures in report.stages] == [0, 1, 0]
    assert [lead.title for lead in report.idle_leads] == ["Beta"]


async def test_a_reps_time_in_stage_has_only_their_leads(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    report = await time_in_stage(session, actor=team.rep, period=MARCH, now=NOW)

    # Alpha, Gamma, Delta, Zeta, Lambda.
    assert [figures.spells for figures in report.stages] == [5, 1, 2]
    assert report.idle_leads == []


# Forecast


async def test_the_forecast_weighs_open_deals_by_expected_close_month(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    buckets = await forecast(session, actor=team.manager, zone=KYIV, now=NOW)

    assert [(b.horizon, b.month, b.deals, b.total, b.weighted) for b in buckets] == [
        # Nu, in New (10 %), was expected in February.
        (Horizon.OVERDUE, None, 1, money(UAH="7000"), money(UAH="700")),
        # Kappa, in Proposal (60 %); Beta, back in Qualified (30 %).
        (Horizon.MONTH, date(2026, 3, 1), 1, money(UAH="30000"), money(UAH="18000")),
        (Horizon.MONTH, date(2026, 4, 1), 1, money(UAH="20000"), money(UAH="6000")),
        (Horizon.MONTH, date(2026, 5, 1), 0, {}, {}),
        (Horizon.MONTH, date(2026, 6, 1), 0, {}, {}),
        # Iota has no value yet.
        (Horizon.LATER, None, 1, {}, {}),
        (Horizon.UNDATED, None, 1, money(USD="2000"), money(USD="1200")),
    ]


async def test_a_reps_forecast_has_only_their_deals(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    buckets = await forecast(session, actor=team.rep, zone=KYIV, now=NOW)

    assert [b.deals for b in buckets] == [0, 0, 0, 0, 0, 1, 0]


# Sources, reps, lost reasons


async def test_sources_show_leads_wins_rate_and_won_value_best_paying_first(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    figures = await sources(session, actor=team.manager, period=MARCH)

    assert [
        (f.source, f.leads, f.closed.won, f.closed.win_rate, f.closed.won_value) for f in figures
    ] == [
        (LeadSource.WEB_FORM, 2, 2, 1.0, money(UAH="13000")),
        (LeadSource.WEBSITE_CHAT, 1, 1, 1.0, money(USD="1000")),
        (LeadSource.FACEBOOK, 0, 1, 1.0, money(UAH="5000")),
        (LeadSource.WHATSAPP, 2, 0, 0.0, {}),
        (LeadSource.MANUAL, 1, 0, 0.0, {}),
        (LeadSource.TELEGRAM, 1, 0, None, {}),
        (LeadSource.IMPORT, 0, 0, 0.0, {}),
    ]


async def test_reps_show_each_reps_figures_and_the_unassigned_leads(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    rows = await reps(session, actor=team.manager, period=MARCH, now=NOW)

    assert [
        (
            row.rep.display_name if row.rep else None,
            row.new,
            row.closed.won,
            row.closed.lost,
            row.closed.won_value,
            row.open_deals,
            row.open_value,
            row.overdue_tasks,
        )
        for row in rows
    ] == [
        ("Тарас Мельник", 4, 4, 1, money(UAH="18000", USD="1000"), 1, {}, 1),
        ("Olivia Brown", 2, 0, 2, {}, 3, money(UAH="50000", USD="2000"), 0),
        (None, 1, 0, 0, {}, 1, money(UAH="7000"), 0),
    ]
    assert rows[0].closed.win_rate == pytest.approx(4 / 5)


async def test_a_rep_sees_only_their_own_row(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    rows = await reps(session, actor=team.other_rep, period=MARCH, now=NOW)

    assert [(row.rep, row.new, row.closed.lost, row.open_deals) for row in rows] == [
        (team.other_rep, 2, 2, 3)
    ]


async def test_lost_reasons_group_codes_whatever_language_they_were_given_in(
    session: AsyncSession, team: Team, dataset: Dataset
) -> None:
    figures = await lost_reasons(session, actor=team.manager, period=MARCH)

    # Lambda's own words and Mu's reason from before codes are both "other".
    assert [(f.reason, f.lost, f.value) for f in figures] == [
        (LostReason.OTHER, 2, money(UAH="2000", USD="500")),
        (LostReason.COMPETITOR, 1, money(UAH="8000")),
    ]
    own = await lost_reasons(session, actor=team.rep, period=MARCH)
    assert [(f.reason, f.lost) for f in own] == [(LostReason.OTHER, 1)]
