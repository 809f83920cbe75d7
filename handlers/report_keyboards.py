"""Buttons of ``/report``: which report, which period, and the spreadsheet of one."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.reports.periods import NamedPeriod, Period
from handlers.report_views import ReportKind
from handlers.spreadsheets import FileFormat


class ReportMenu(CallbackData, prefix="rpm"):
    """Back to the list of reports."""


class PickReport(CallbackData, prefix="rpk"):
    kind: ReportKind


class PickPeriod(CallbackData, prefix="rpp"):
    kind: ReportKind
    period: NamedPeriod


class TypeDates(CallbackData, prefix="rpt"):
    kind: ReportKind


class ReportFile(CallbackData, prefix="rpx"):
    """The report's rows as a CSV or XLSX file, for the days it showed (ordinals of the first
    day and of the day after the last), read in the presser's time zone."""

    kind: ReportKind
    since: int
    until: int
    file_format: FileFormat = FileFormat.XLSX


def reports_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for kind in ReportKind:
        kb.button(text=i18n.get(f"report-name-{kind.value}"), callback_data=PickReport(kind=kind))
    kb.adjust(2)
    return kb.as_markup()


def periods_keyboard(kind: ReportKind, i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for period in NamedPeriod:
        kb.button(
            text=i18n.get(f"report-period-{period.value}"),
            callback_data=PickPeriod(kind=kind, period=period),
        )
    kb.button(text=i18n.get("report-type-dates"), callback_data=TypeDates(kind=kind))
    kb.button(text=i18n.get("back"), callback_data=ReportMenu())
    kb.adjust(2)
    return kb.as_markup()


def file_keyboard(kind: ReportKind, period: Period, i18n: I18nContext) -> InlineKeyboardMarkup:
    """The export buttons under a report, one per file format."""
    kb = InlineKeyboardBuilder()
    for file_format in FileFormat:
        kb.button(
            text=i18n.get("report-file", format=file_format.value.upper()),
            callback_data=ReportFile(
                kind=kind,
                since=period.since.toordinal(),
                until=period.until.toordinal(),
                file_format=file_format,
            ),
        )
    return kb.as_markup()
