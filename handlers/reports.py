"""``/report``: pick a report and a period (or type the dates); get a summary with a chart,
and the rows behind it as a CSV or XLSX file on request, written by the export's code. A rep's
reports cover their own leads."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import Staff
from crm.reports.forecast import forecast
from crm.reports.history import funnel, time_in_stage
from crm.reports.outcomes import lost_reasons, reps, sources, win_loss
from crm.reports.periods import NamedPeriod, Period, named_period, today_in, typed_period
from handlers.common.editing import show_in_place
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.when import parse_day, parse_past_day
from handlers.report_keyboards import (
    PickPeriod,
    PickReport,
    ReportFile,
    ReportMenu,
    TypeDates,
    file_keyboard,
    periods_keyboard,
    reports_keyboard,
)
from handlers.report_views import ReportKind, ReportView, ReportWriter
from handlers.reports_charts import render_png
from handlers.spreadsheets import table_bytes

CAPTION_LIMIT = 1024
# A calendar date as typed: 2026-03-01, 1.03, 01.03.2026, 1/3/26.
_TYPED_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?")
# What may stand around the dates: "from 1.03 to 15.03", "з 1.03 по 15.03", "1.03 - 15.03".
_RANGE_WORDS = frozenset(
    {"from", "to", "till", "until", "з", "із", "від", "по", "до", "-", "–", "—"}
)


class ReportInput(StatesGroup):
    dates = State()


class DatesAsked(FlowData):
    """The report whose dates are being typed."""

    destiny: ClassVar[str] = "report-dates"
    kind: ReportKind


def typed_days(text: str, today: date) -> tuple[date, date] | None:
    """The first and last day typed (one date is one day), or None if that is not what the
    text is. A first day without a year is the latest that has come; a last day without one,
    the first on or after the first day that is not still to come."""
    found = _TYPED_DATE.findall(text)
    around = _TYPED_DATE.sub(" ", text).casefold().replace("–", " – ").replace("—", " — ")
    if not 1 <= len(found) <= 2 or any(word not in _RANGE_WORDS for word in around.split()):
        return None
    first = parse_past_day(found[0], today)
    if first is None:
        return None
    last = parse_day(found[-1], first)
    if last is not None and last.year > first.year and last > today:
        # "15.03 - 1.03": not a year ahead, the days the wrong way round.
        last = _in_year(last, first.year)
    return None if last is None else (first, last)


def _in_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None


async def show_reports(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("report-menu"), reply_markup=reports_keyboard(i18n))


async def back_to_reports(query: CallbackQuery, i18n: I18nContext) -> None:
    if isinstance(query.message, Message):
        await show_in_place(query.message, i18n.get("report-menu"), reports_keyboard(i18n))
    await query.answer()


async def show_forecast(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    clock: Callable[[], datetime],
    default_currency: str,
) -> None:
    """The forecast looks ahead from this month: there is no period to pick."""
    now = clock()
    period = named_period(NamedPeriod.THIS_MONTH, zone=actor.time_zone, now=now)
    await query.answer()
    if isinstance(query.message, Message):
        view = await report_view(
            ReportKind.FORECAST,
            session,
            actor,
            period,
            now,
            ReportWriter(i18n, preferred_currency=default_currency),
        )
        await send_report(query.message, view, ReportKind.FORECAST, period, i18n)


async def pick_period(query: CallbackQuery, callback_data: PickReport, i18n: I18nContext) -> None:
    if isinstance(query.message, Message):
        name = i18n.get(f"report-name-{callback_data.kind.value}")
        text = i18n.get("report-pick-period", report=name)
        await show_in_place(query.message, text, periods_keyboard(callback_data.kind, i18n))
    await query.answer()


async def report_for_named_period(
    query: CallbackQuery,
    callback_data: PickPeriod,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    clock: Callable[[], datetime],
    default_currency: str,
) -> None:
    now = clock()
    period = named_period(callback_data.period, zone=actor.time_zone, now=now)
    await query.answer()
    if isinstance(query.message, Message):
        writer = ReportWriter(i18n, preferred_currency=default_currency)
        view = await report_view(callback_data.kind, session, actor, period, now, writer)
        await send_report(query.message, view, callback_data.kind, period, i18n)


async def ask_for_dates(
    query: CallbackQuery, callback_data: TypeDates, state: FSMContext, i18n: I18nContext
) -> None:
    await ask(state, ReportInput.dates, DatesAsked(kind=callback_data.kind))
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get("report-ask-dates"))
    await query.answer()


async def dates_typed(
    message: Message,
    pending: DatesAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    clock: Callable[[], datetime],
    default_currency: str,
) -> None:
    # Dates that do not read raise before the question is closed: they are asked again.
    now = clock()
    days = typed_days(message.text or "", today_in(actor.time_zone, now))
    if days is None:
        raise ValidationFailed("report-dates-not-understood", field="period")
    period = typed_period(*days, zone=actor.time_zone)
    await answered(state, DatesAsked)
    writer = ReportWriter(i18n, preferred_currency=default_currency)
    view = await report_view(pending.kind, session, actor, period, now, writer)
    await send_report(message, view, pending.kind, period, i18n)


async def send_spreadsheet(
    query: CallbackQuery,
    callback_data: ReportFile,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    clock: Callable[[], datetime],
    default_currency: str,
) -> None:
    period = _period_of(callback_data, actor)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    writer = ReportWriter(i18n, preferred_currency=default_currency)
    view = await report_view(callback_data.kind, session, actor, period, clock(), writer)
    file_format = callback_data.file_format
    content = await asyncio.to_thread(
        table_bytes, file_format, view.sheet.header, view.sheet.rows, view.title
    )
    days = f"{period.since.isoformat()}-{period.last_day.isoformat()}"
    name = f"{callback_data.kind.value}-{days}.{file_format.value}"
    await query.message.answer_document(
        BufferedInputFile(content, filename=name), caption=html_decoration.quote(view.title)
    )


def _period_of(data: ReportFile, actor: Staff) -> Period:
    """The days a spreadsheet button names, checked as if typed: it may be forged."""
    try:
        first, last = date.fromordinal(data.since), date.fromordinal(data.until - 1)
    except ValueError:
        raise ValidationFailed("report-period-reversed", field="period") from None
    return typed_period(first, last, zone=actor.time_zone)


async def report_view(
    kind: ReportKind,
    session: AsyncSession,
    actor: Staff,
    period: Period,
    now: datetime,
    writer: ReportWriter,
) -> ReportView:
    """One query of ``crm.reports`` for ``actor``, written for them."""
    match kind:
        case ReportKind.WIN_LOSS:
            return writer.win_loss(await win_loss(session, actor=actor, period=period), period)
        case ReportKind.FUNNEL:
            return writer.funnel(await funnel(session, actor=actor, period=period), period)
        case ReportKind.TIME_IN_STAGE:
            figures = await time_in_stage(session, actor=actor, period=period, now=now)
            return writer.time_in_stage(figures, period)
        case ReportKind.FORECAST:
            buckets = await forecast(session, actor=actor, zone=period.zone, now=now)
            return writer.forecast(buckets, period.since.replace(day=1))
        case ReportKind.SOURCES:
            return writer.sources(await sources(session, actor=actor, period=period), period)
        case ReportKind.REPS:
            return writer.reps(await reps(session, actor=actor, period=period, now=now), period)
        case ReportKind.LOST_REASONS:
            return writer.lost_reasons(
                await lost_reasons(session, actor=actor, period=period), period
            )


async def send_report(
    target: Message, view: ReportView, kind: ReportKind, period: Period, i18n: I18nContext
) -> None:
    """The chart as a photo with the summary under it, or after it when it is too long for a
    caption; the spreadsheet button under the summary. The chart is drawn in a worker thread."""
    png = await asyncio.to_thread(render_png, view.chart)
    photo = BufferedInputFile(png, filename=f"{kind.value}.png")
    heading = f"<b>{html_decoration.quote(view.title)}</b>"
    text = f"{heading}\n{view.summary}"
    keyboard = file_keyboard(kind, period, i18n)
    if len(text) <= CAPTION_LIMIT:
        await target.answer_photo(photo, caption=text, reply_markup=keyboard)
        return
    await target.answer_photo(photo, caption=heading)
    await target.answer(text, reply_markup=keyboard)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_reports, Command("report"))
    router.callback_query.register(back_to_reports, ReportMenu.filter())
    router.callback_query.register(show_forecast, PickReport.filter(F.kind == ReportKind.FORECAST))
    router.callback_query.register(pick_period, PickReport.filter())
    router.callback_query.register(report_for_named_period, PickPeriod.filter())
    router.callback_query.register(ask_for_dates, TypeDates.filter())
    router.message.register(
        dates_typed, StateFilter(ReportInput.dates), TYPED_ANSWER, Pending(DatesAsked)
    )
    router.callback_query.register(send_spreadsheet, ReportFile.filter())
    return router
