"""Report figures as a person reads them: a short summary, a chart and the rows behind it for
a spreadsheet, in the reader's language and number formats.

Amounts in several currencies are listed apart in the text and the spreadsheet; a chart of
money shows one currency, named under its axis: the team's default if the report has it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from aiogram_i18n import I18nContext
from babel.dates import format_date, format_interval, format_skeleton

from crm.models import LostReason
from crm.reports.forecast import ForecastBucket, Horizon
from crm.reports.history import FunnelStep, TimeInStage
from crm.reports.outcomes import Closed, ReasonFigures, RepFigures, SourceFigures, WinLoss
from crm.reports.periods import Period
from crm.reports.sql import Money
from handlers.common.text import shorten, stage_name, tr
from handlers.pipeline import money_list
from handlers.reports_charts import FAINT, LOST, MAX_BARS, NEUTRAL, WON, Bars, Chart, stage_colour

Cell = str | int | float | Decimal | None
LABEL_MAX = 24
LINES_MAX = 10
"""Rows listed in a summary; the spreadsheet has them all."""


class ReportKind(StrEnum):
    WIN_LOSS = "win_loss"
    FUNNEL = "funnel"
    TIME_IN_STAGE = "time_in_stage"
    FORECAST = "forecast"
    SOURCES = "sources"
    REPS = "reps"
    LOST_REASONS = "lost_reasons"


@dataclass(frozen=True, slots=True)
class Sheet:
    header: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True, slots=True)
class ReportView:
    title: str
    """Plain text: the report's name and its period."""
    summary: str
    """HTML."""
    chart: Chart
    sheet: Sheet


def period_text(period: Period, locale: str) -> str:
    """``Mar 1 – 31, 2026``, ``1–31 бер. 2026 р.``"""
    if period.days == 1:
        return format_skeleton("yMMMd", period.since, locale=locale)
    return format_interval(period.since, period.last_day, "yMMMd", locale=locale)


def month_text(month: date, locale: str, *, standalone: bool = True) -> str:
    """``March 2026``, ``березень 2026``; not standalone, as after "from": ``березня 2026``."""
    return format_date(month, "LLLL y" if standalone else "MMMM y", locale=locale)


class ReportWriter:
    """Writes each report for one reader."""

    def __init__(self, i18n: I18nContext, *, preferred_currency: str) -> None:
        self.i18n = i18n
        self.preferred_currency = preferred_currency

    # Formatting

    def title(self, kind: ReportKind, when: str) -> str:
        name = self.i18n.get(f"report-name-{kind.value}")
        return self.i18n.get("report-title", report=name, period=when)

    def money(self, amounts: Money) -> str:
        return money_list(self.i18n, dict(amounts))

    def rate(self, rate: float | None) -> str:
        return "—" if rate is None else self.i18n.get("report-percent", value=rate)

    def days(self, days: float | None) -> str:
        return "—" if days is None else self.i18n.get("report-days", days=days)

    def number(self, value: float | Decimal) -> str:
        return self.i18n.get("report-number", value=value)

    def change(self, now: float, before: float, shown: str) -> str:
        """``▲ 3``: how ``now`` compares with ``before``, the difference written as ``shown``."""
        if now == before:
            return self.i18n.get("report-same")
        return self.i18n.get("report-up" if now > before else "report-down", by=shown)

    def chart_currency(self, amounts: Sequence[Money]) -> str:
        """The currency a money chart is drawn in: the preferred one if the figures have it."""
        found = sorted({currency for money in amounts for currency in money})
        if not found or self.preferred_currency in found:
            return self.preferred_currency
        return found[0]

    def currency_columns(
        self, header: str, amounts: Sequence[Money]
    ) -> tuple[list[str], list[str]]:
        """One spreadsheet column per currency the figures have: (currencies, headers)."""
        currencies = sorted({currency for money in amounts for currency in money})
        return currencies, [
            self.i18n.get("report-in-currency", what=header, currency=c) for c in currencies
        ]

    # Reports

    def win_loss(self, report: WinLoss, period: Period) -> ReportView:
        now, before = report.current, report.previous
        locale = self.i18n.locale
        before_text = period_text(period.previous(), locale)
        rate_points = ((now.win_rate or 0) - (before.win_rate or 0)) * 100
        lines = [
            tr(self.i18n, "report-won", count=now.won, value=self.money(now.won_value)),
            tr(self.i18n, "report-lost", count=now.lost, value=self.money(now.lost_value)),
            tr(self.i18n, "report-win-rate", rate=self.rate(now.win_rate)),
            tr(self.i18n, "report-average-won", value=self.money(now.average_won)),
            tr(self.i18n, "report-days-to-close", days=self.days(now.average_days_to_close)),
            tr(
                self.i18n,
                "report-before",
                period=before_text,
                won=before.won,
                lost=before.lost,
                rate=self.rate(before.win_rate),
            ),
            tr(
                self.i18n,
                "report-change",
                won=self.change(now.won, before.won, str(abs(now.won - before.won))),
                lost=self.change(now.lost, before.lost, str(abs(now.lost - before.lost))),
                rate=self.change(
                    now.win_rate or 0,
                    before.win_rate or 0,
                    self.i18n.get("report-points", points=abs(rate_points)),
                ),
            ),
        ]
        labels = [self.i18n.get("report-chart-won"), self.i18n.get("report-chart-lost")]
        chart = Chart(
            title=self.title(ReportKind.WIN_LOSS, period_text(period, locale)),
            categories=labels,
            series=[
                Bars(
                    before_text,
                    [before.won, before.lost],
                    [str(before.won), str(before.lost)],
                    [FAINT, FAINT],
                ),
                Bars(
                    period_text(period, locale),
                    [now.won, now.lost],
                    [str(now.won), str(now.lost)],
                    [WON, LOST],
                ),
            ],
            axis_label=self.i18n.get("report-axis-deals"),
        )
        return ReportView(chart.title, "\n".join(lines), chart, self._win_loss_sheet(now, before))

    def _win_loss_sheet(self, now: Closed, before: Closed) -> Sheet:
        def row(key: str, pick: Callable[[Closed], Cell]) -> list[Cell]:
            return [self.i18n.get(key), pick(now), pick(before)]

        rows = [
            row("report-sheet-won", lambda c: c.won),
            row("report-sheet-lost", lambda c: c.lost),
            row("report-sheet-win-rate", lambda c: _percent(c.win_rate)),
            row("report-sheet-days-to-close", lambda c: _rounded(c.average_days_to_close)),
        ]
        money_rows: list[tuple[str, Callable[[Closed], Money]]] = [
            ("report-sheet-won-value", lambda c: c.won_value),
            ("report-sheet-lost-value", lambda c: c.lost_value),
            ("report-sheet-average-won", lambda c: c.average_won),
        ]
        for key, amounts in money_rows:
            for currency in sorted({*amounts(now), *amounts(before)}):
                rows.append(
                    [
                        self.i18n.get(
                            "report-in-currency", what=self.i18n.get(key), currency=currency
                        ),
                        amounts(now).get(currency),
                        amounts(before).get(currency),
                    ]
                )
        header = [
            "",
            self.i18n.get("report-sheet-this-period"),
            self.i18n.get("report-sheet-period-before"),
        ]
        return Sheet(header, rows)

    def funnel(self, steps: list[FunnelStep], period: Period) -> ReportView:
        lines = [tr(self.i18n, "report-created", count=steps[0].reached if steps else 0)]
        labels = []
        for step in steps:
            name = stage_name(step.stage, self.i18n)
            if step.conversion is None:
                lines.append(tr(self.i18n, "report-funnel-first", stage=name, count=step.reached))
                labels.append(str(step.reached))
            else:
                rate = self.rate(step.conversion)
                lines.append(
                    tr(self.i18n, "report-funnel-step", stage=name, count=step.reached, rate=rate)
                )
                labels.append(f"{step.reached} · {rate}")
        shown = steps[:MAX_BARS]
        chart = Chart(
            title=self.title(ReportKind.FUNNEL, period_text(period, self.i18n.locale)),
            categories=[shorten(stage_name(s.stage, self.i18n), LABEL_MAX) for s in shown],
            series=[
                Bars(
                    "",
                    [s.reached for s in shown],
                    labels[:MAX_BARS],
                    [stage_colour(s.stage) for s in shown],
                )
            ],
            axis_label=self.i18n.get("report-axis-leads"),
        )
        header = [
            self.i18n.get(key)
            for key in ("report-sheet-stage", "report-sheet-reached", "report-sheet-conversion")
        ]
        rows: list[list[Cell]] = [
            [stage_name(s.stage, self.i18n), s.reached, _percent(s.conversion)] for s in steps
        ]
        return ReportView(chart.title, "\n".join(lines), chart, Sheet(header, rows))

    def time_in_stage(self, report: TimeInStage, period: Period) -> ReportView:
        lines = []
        for figures in report.stages:
            name = stage_name(figures.stage, self.i18n)
            if figures.spells:
                lines.append(
                    tr(
                        self.i18n,
                        "report-stage-time",
                        stage=name,
                        median=self.days(figures.median_days),
                        p90=self.days(figures.p90_days),
                        stays=figures.spells,
                    )
                )
            else:
                lines.append(tr(self.i18n, "report-stage-time-none", stage=name))
        idle = sum(figures.idle_now for figures in report.stages)
        lines.append(tr(self.i18n, "report-idle", count=idle))
        lines += [
            tr(
                self.i18n,
                "report-idle-lead",
                title=shorten(lead.title, LABEL_MAX * 2),
                stage=stage_name(lead.stage, self.i18n),
            )
            for lead in report.idle_leads
        ]
        shown = report.stages[:MAX_BARS]
        p90 = [figures.p90_days or 0 for figures in shown]
        median = [figures.median_days or 0 for figures in shown]
        chart = Chart(
            title=self.title(ReportKind.TIME_IN_STAGE, period_text(period, self.i18n.locale)),
            categories=[shorten(stage_name(f.stage, self.i18n), LABEL_MAX) for f in shown],
            series=[
                Bars(
                    self.i18n.get("report-chart-p90"),
                    p90,
                    [self.number(_tenths(d)) for d in p90],
                    [FAINT] * len(shown),
                ),
                Bars(
                    self.i18n.get("report-chart-median"),
                    median,
                    [self.number(_tenths(d)) for d in median],
                    [stage_colour(f.stage) for f in shown],
                ),
            ],
            axis_label=self.i18n.get("report-axis-days"),
            overlaid=True,
        )
        keys = (
            "report-sheet-stage",
            "report-sheet-stays",
            "report-sheet-median",
            "report-sheet-p90",
            "report-sheet-idle",
        )
        rows: list[list[Cell]] = [
            [
                stage_name(f.stage, self.i18n),
                f.spells,
                _rounded(f.median_days),
                _rounded(f.p90_days),
                f.idle_now,
            ]
            for f in report.stages
        ]
        return ReportView(
            chart.title, "\n".join(lines), chart, Sheet([self.i18n.get(k) for k in keys], rows)
        )

    def forecast(self, buckets: list[ForecastBucket], this_month: date) -> ReportView:
        locale = self.i18n.locale
        names = [self._horizon(bucket) for bucket in buckets]
        lines = [
            tr(
                self.i18n,
                "report-forecast-line",
                when=name,
                count=bucket.deals,
                total=self.money(bucket.total),
                weighted=self.money(bucket.weighted),
            )
            for name, bucket in zip(names, buckets, strict=True)
        ]
        currency = self.chart_currency([bucket.total for bucket in buckets])
        totals = [float(bucket.total.get(currency, 0)) for bucket in buckets]
        weighted = [float(bucket.weighted.get(currency, 0)) for bucket in buckets]
        chart = Chart(
            title=self.title(
                ReportKind.FORECAST,
                self.i18n.get(
                    "report-forecast-from",
                    month=month_text(this_month, locale, standalone=False),
                ),
            ),
            categories=[shorten(name, LABEL_MAX) for name in names],
            series=[
                Bars(
                    self.i18n.get("report-chart-total"),
                    totals,
                    [self.number(round(v)) for v in totals],
                    [FAINT] * len(totals),
                ),
                Bars(
                    self.i18n.get("report-chart-weighted"),
                    weighted,
                    [self.number(round(v)) for v in weighted],
                    [NEUTRAL] * len(totals),
                ),
            ],
            axis_label=currency,
            overlaid=True,
        )
        currencies, total_headers = self.currency_columns(
            self.i18n.get("report-sheet-total"), [b.total for b in buckets]
        )
        _, weighted_headers = self.currency_columns(
            self.i18n.get("report-sheet-weighted"), [b.total for b in buckets]
        )
        header = [
            self.i18n.get("report-sheet-when"),
            self.i18n.get("report-sheet-deals"),
            *total_headers,
            *weighted_headers,
        ]
        rows: list[list[Cell]] = [
            [
                name,
                bucket.deals,
                *(bucket.total.get(c) for c in currencies),
                *(bucket.weighted.get(c) for c in currencies),
            ]
            for name, bucket in zip(names, buckets, strict=True)
        ]
        return ReportView(chart.title, "\n".join(lines), chart, Sheet(header, rows))

    def _horizon(self, bucket: ForecastBucket) -> str:
        if bucket.horizon == Horizon.MONTH and bucket.month is not None:
            return month_text(bucket.month, self.i18n.locale)
        return self.i18n.get(f"report-horizon-{bucket.horizon.value}")

    def sources(self, figures: list[SourceFigures], period: Period) -> ReportView:
        names = [self.i18n.get(f"source-{f.source.value}") for f in figures]
        lines = [
            tr(
                self.i18n,
                "report-source-line",
                source=name,
                leads=f.leads,
                won=f.closed.won,
                rate=self.rate(f.closed.win_rate),
                value=self.money(f.closed.won_value),
            )
            for name, f in zip(names, figures, strict=True)
        ]
        chart = self._money_bars(
            ReportKind.SOURCES, period, names, [f.closed.won_value for f in figures], WON
        )
        currencies, value_headers = self.currency_columns(
            self.i18n.get("report-sheet-won-value"), [f.closed.won_value for f in figures]
        )
        keys = (
            "report-sheet-source",
            "report-sheet-leads",
            "report-sheet-won",
            "report-sheet-lost",
            "report-sheet-win-rate",
        )
        rows: list[list[Cell]] = [
            [
                name,
                f.leads,
                f.closed.won,
                f.closed.lost,
                _percent(f.closed.win_rate),
                *(f.closed.won_value.get(c) for c in currencies),
            ]
            for name, f in zip(names, figures, strict=True)
        ]
        summary = _listed(lines, self.i18n) or self.i18n.get("report-nothing")
        return ReportView(
            chart.title,
            summary,
            chart,
            Sheet([*(self.i18n.get(k) for k in keys), *value_headers], rows),
        )

    def reps(self, figures: list[RepFigures], period: Period) -> ReportView:
        names = [
            f.rep.display_name if f.rep else self.i18n.get("report-unassigned") for f in figures
        ]
        lines = [
            tr(
                self.i18n,
                "report-rep-line",
                name=name,
                new=f.new,
                won=f.closed.won,
                lost=f.closed.lost,
                rate=self.rate(f.closed.win_rate),
                won_value=self.money(f.closed.won_value),
                open=f.open_deals,
                open_value=self.money(f.open_value),
                overdue=f.overdue_tasks,
            )
            for name, f in zip(names, figures, strict=True)
        ]
        chart = self._money_bars(
            ReportKind.REPS, period, names, [f.closed.won_value for f in figures], WON
        )
        won_currencies, won_headers = self.currency_columns(
            self.i18n.get("report-sheet-won-value"), [f.closed.won_value for f in figures]
        )
        open_currencies, open_headers = self.currency_columns(
            self.i18n.get("report-sheet-open-value"), [f.open_value for f in figures]
        )
        keys = (
            "report-sheet-rep",
            "report-sheet-new",
            "report-sheet-won",
            "report-sheet-lost",
            "report-sheet-win-rate",
        )
        header = [
            *(self.i18n.get(k) for k in keys),
            *won_headers,
            self.i18n.get("report-sheet-open-deals"),
            *open_headers,
            self.i18n.get("report-sheet-overdue"),
        ]
        rows: list[list[Cell]] = [
            [
                name,
                f.new,
                f.closed.won,
                f.closed.lost,
                _percent(f.closed.win_rate),
                *(f.closed.won_value.get(c) for c in won_currencies),
                f.open_deals,
                *(f.open_value.get(c) for c in open_currencies),
                f.overdue_tasks,
            ]
            for name, f in zip(names, figures, strict=True)
        ]
        summary = _listed(lines, self.i18n) or self.i18n.get("report-nothing")
        return ReportView(chart.title, summary, chart, Sheet(header, rows))

    def lost_reasons(self, figures: list[ReasonFigures], period: Period) -> ReportView:
        names = [self.reason(f.reason) for f in figures]
        lines = [
            tr(
                self.i18n,
                "report-reason-line",
                reason=name,
                count=f.lost,
                value=self.money(f.value),
            )
            for name, f in zip(names, figures, strict=True)
        ]
        shown = figures[:MAX_BARS]
        chart = Chart(
            title=self.title(ReportKind.LOST_REASONS, period_text(period, self.i18n.locale)),
            categories=[shorten(name, LABEL_MAX) for name in names[:MAX_BARS]],
            series=[
                Bars("", [f.lost for f in shown], [str(f.lost) for f in shown], [LOST] * len(shown))
            ],
            axis_label=self.i18n.get("report-axis-deals"),
        )
        currencies, value_headers = self.currency_columns(
            self.i18n.get("report-sheet-lost-value"), [f.value for f in figures]
        )
        header = [
            self.i18n.get("report-sheet-reason"),
            self.i18n.get("report-sheet-deals"),
            *value_headers,
        ]
        rows: list[list[Cell]] = [
            [name, f.lost, *(f.value.get(c) for c in currencies)]
            for name, f in zip(names, figures, strict=True)
        ]
        summary = _listed(lines, self.i18n) or self.i18n.get("report-nothing")
        return ReportView(chart.title, summary, chart, Sheet(header, rows))

    def reason(self, reason: LostReason) -> str:
        if reason == LostReason.OTHER:
            return self.i18n.get("report-reason-other")
        return self.i18n.get(f"lost-reason-{reason.value.replace('_', '-')}")

    def _money_bars(
        self, kind: ReportKind, period: Period, names: list[str], amounts: list[Money], colour: str
    ) -> Chart:
        """The largest amounts in the chart's currency, one bar each."""
        currency = self.chart_currency(amounts)
        ranked = sorted(
            zip(names, (float(money.get(currency, 0)) for money in amounts), strict=True),
            key=lambda pair: -pair[1],
        )[:MAX_BARS]
        return Chart(
            title=self.title(kind, period_text(period, self.i18n.locale)),
            categories=[shorten(name, LABEL_MAX) for name, _ in ranked],
            series=[
                Bars(
                    "",
                    [v for _, v in ranked],
                    [self.number(round(v)) for _, v in ranked],
                    [colour] * len(ranked),
                )
            ],
            axis_label=currency,
        )


def _listed(lines: list[str], i18n: I18nContext) -> str:
    if len(lines) <= LINES_MAX:
        return "\n".join(lines)
    more = i18n.get("report-more-in-file", count=len(lines) - LINES_MAX)
    return "\n".join([*lines[:LINES_MAX], more])


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _rounded(days: float | None) -> float | None:
    return None if days is None else round(days, 1)


def _tenths(days: float) -> Decimal:
    return Decimal(str(round(days, 1)))
