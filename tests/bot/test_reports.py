"""``/report`` end to end: buttons, typed dates, the chart sent as a photo, the spreadsheet,
and a rep's reports holding only their own leads; charts and date reading on their own."""

from __future__ import annotations

import io
import re
import struct
from datetime import date

import pytest
from aiogram import Dispatcher
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from crm.reports.periods import NamedPeriod
from emulator import SentMessage
from handlers.report_keyboards import PickPeriod, PickReport, ReportFile, TypeDates
from handlers.report_views import ReportKind
from handlers.reports import typed_days
from handlers.reports_charts import WON, Bars, Chart, chart_figure, render_png
from tests.bot.conftest import Person, Team, Telegram
from tests.report_dataset import NOW, add_report_dataset

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CALLBACK_DATA_LIMIT = 64


@pytest.fixture
def dispatcher(dispatcher: Dispatcher) -> Dispatcher:
    """The bot reads the reports on 20 March 2026."""
    dispatcher["clock"] = lambda: NOW
    return dispatcher


@pytest.fixture
async def reports(telegram: Telegram, team: Team, session: AsyncSession) -> Telegram:
    """The dataset of tests/report_dataset.py."""
    assert team.rep.staff is not None and team.other_rep.staff is not None
    await add_report_dataset(session, rep=team.rep.staff, other_rep=team.other_rep.staff)
    return telegram


async def open_report(telegram: Telegram, person: Person, report: str, period: str) -> SentMessage:
    menu = await telegram.say(person, "/report")
    periods = await telegram.press(person, menu, report)
    await telegram.press(person, periods, period)
    return await telegram.latest(person)


async def downloaded(telegram: Telegram, message: SentMessage) -> bytes:
    assert message.file is not None
    return await telegram.control.file_content(message.file["file_id"])


def plain(text: str | None) -> str:
    """Text with the narrow and non-breaking spaces of number formats as plain ones."""
    assert text is not None
    return re.sub(r"[^\S\n]", " ", text)


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def spreadsheet_rows(
    telegram: Telegram, person: Person, report: SentMessage, button: str
) -> list[tuple[object, ...]]:
    await telegram.press(person, report, button)
    document = await telegram.latest(person)
    assert document.file is not None and document.file["kind"] == "document"
    assert document.file["file_name"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(await downloaded(telegram, document))).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def test_a_manager_gets_win_loss_as_a_chart_with_the_figures_and_a_spreadsheet(
    reports: Telegram, team: Team
) -> None:
    photo = await open_report(reports, team.manager, "Виграні й програні", "Цей місяць")

    assert photo.file is not None and photo.file["kind"] == "photo"
    assert png_size(await downloaded(reports, photo)) == (1080, 1080)
    assert plain(photo.caption) == (
        "Виграні й програні · 1–31 бер. 2026 р.\n"
        "✅ Виграно: 4 · 18 000,00 ₴, 1 000,00 USD\n"
        "❌ Програно: 3 · 10 000,00 ₴, 500,00 USD\n"
        "Частка виграних: 57%\n"
        "Середня виграна угода: 6 000,00 ₴, 1 000,00 USD\n"
        "Від ліда до виграшу в середньому: 10,5 дн.\n"
        "29 січ. – 28 лют. 2026 р.: виграно 1, програно 1, частка виграних 50%\n"
        "Зміна: виграно ▲ 3, програно ▲ 2, частка виграних ▲ 7 п. п."
    )
    rows = await spreadsheet_rows(reports, team.manager, photo, "⬇️ Таблиця XLSX")
    assert rows == [
        (None, "Ці дні", "Дні перед ними"),
        ("Виграно", 4, 1),
        ("Програно", 3, 1),
        ("Частка виграних, %", 57.1, 50),
        ("Днів до виграшу, у середньому", 10.5, 10),
        ("Сума виграних, UAH", 18000, 6000),
        ("Сума виграних, USD", 1000, None),
        ("Сума програних, UAH", 10000, 4000),
        ("Сума програних, USD", 500, None),
        ("Середня виграна угода, UAH", 6000, 6000),
        ("Середня виграна угода, USD", 1000, None),
    ]


async def test_a_reps_report_holds_only_their_own_leads(reports: Telegram, team: Team) -> None:
    photo = await open_report(reports, team.rep, "Reps", "This month")

    assert plain(photo.caption) == (
        "Reps · Mar 1 – 31, 2026\n"
        "Taras: new 4, won 4, lost 1 (80%) · won UAH18,000.00, $1,000.00 · open 1: — · "
        "overdue tasks 1"
    )
    rows = await spreadsheet_rows(reports, team.rep, photo, "⬇️ XLSX spreadsheet")
    assert rows == [
        (
            "Rep",
            "New leads",
            "Won",
            "Lost",
            "Win rate, %",
            "Won value, UAH",
            "Won value, USD",
            "Open deals",
            "Overdue tasks",
        ),
        ("Taras", 4, 4, 1, 80, 18000, 1000, 1, 1),
    ]
    await reports.press(team.rep, photo, "⬇️ CSV spreadsheet")
    csv_file = await reports.latest(team.rep)
    assert csv_file.file is not None and csv_file.file["file_name"].endswith(".csv")
    assert (await downloaded(reports, csv_file)).decode("utf-8-sig").splitlines()[1] == (
        "Taras,4,4,1,80,18000.00,1000.00,1,1"
    )
    sources = await open_report(reports, team.rep, "Sources", "This month")
    # WhatsApp and import leads are the other rep's.
    assert plain(sources.caption).splitlines()[1:] == [
        "web form: 1 lead, won 2 (100%) · UAH13,000.00",
        "website chat: 1 lead, won 1 (100%) · $1,000.00",
        "Facebook Leads: 0 leads, won 1 (100%) · UAH5,000.00",
        "manual entry: 1 lead, won 0 (0%) · —",
        "Telegram: 1 lead, won 0 (—) · —",
    ]


async def test_dates_typed_choose_the_days_and_bad_ones_are_asked_again(
    reports: Telegram, team: Team
) -> None:
    menu = await reports.say(team.admin, "/report")
    periods = await reports.press(team.admin, menu, "Funnel")
    await reports.press(team.admin, periods, "Type the dates…")
    prompt = await reports.latest(team.admin)
    assert prompt.text is not None and "1.03 - 15.03" in prompt.text

    assert (await reports.say(team.admin, "last spring")).text == (
        "I could not read those dates. Type them like 1.03 - 15.03 or 01.03.2026 - 31.03.2026."
    )
    assert (await reports.say(team.admin, "15.03 - 1.03")).text == (
        "The last day comes before the first one. Type the dates again."
    )
    assert (await reports.say(team.admin, "1.01.2025 - 1.03.2026")).text == (
        "A report covers at most 366 days. Type a shorter period."
    )
    photo = await reports.say(team.admin, "з 1.03 по 31.03")

    assert photo.file is not None
    assert plain(photo.caption) == (
        "Funnel · Mar 1 – 31, 2026\n"
        "Leads created: 7\n"
        "New: 7\n"
        "Qualified: 4 (57% of the stage before)\n"
        "Proposal: 3 (75% of the stage before)\n"
        "Won: 2 (67% of the stage before)"
    )


async def test_the_forecast_needs_no_period(reports: Telegram, team: Team) -> None:
    menu = await reports.say(team.manager, "/report")
    await reports.press(team.manager, menu, "Прогноз")
    photo = await reports.latest(team.manager)

    assert photo.file is not None
    assert plain(photo.caption).splitlines() == [
        "Прогноз · від березня 2026",
        "Минулі місяці: 1 · 7 000,00 ₴ · з урахуванням імовірності 700,00 ₴",
        "березень 2026: 1 · 30 000,00 ₴ · з урахуванням імовірності 18 000,00 ₴",
        "квітень 2026: 1 · 20 000,00 ₴ · з урахуванням імовірності 6 000,00 ₴",
        "травень 2026: 0 · — · з урахуванням імовірності —",
        "червень 2026: 0 · — · з урахуванням імовірності —",
        "Пізніше: 1 · — · з урахуванням імовірності —",
        "Без дати: 1 · 2 000,00 USD · з урахуванням імовірності 1 200,00 USD",
    ]


def test_a_chart_has_one_bar_per_figure_and_is_a_phone_sized_png() -> None:
    chart = Chart(
        title="Воронка · 1–31 бер. 2026 р.",
        categories=["Новий", "Кваліфікований", "Пропозиція", "Виграно"],
        series=[Bars("", [7, 4, 3, 2], ["7", "4 · 57%", "3 · 75%", "2 · 67%"], [WON] * 4)],
        axis_label="ліди",
    )

    axes = chart_figure(chart).axes[0]
    assert [bar.get_width() for bar in axes.patches] == [7, 4, 3, 2]
    assert [text.get_text() for text in axes.texts] == [
        "7",
        "4 · 57%",
        "3 · 75%",
        "2 · 67%",
        "Новий",
        "Кваліфікований",
        "Пропозиція",
        "Виграно",
    ]
    assert png_size(render_png(chart)) == (1080, 1080)


def test_a_chart_of_more_bars_than_a_phone_shows_is_refused() -> None:
    chart = Chart(
        title="t",
        categories=[str(n) for n in range(5)],
        series=[Bars("a", [1] * 5, ["1"] * 5, [WON] * 5), Bars("b", [1] * 5, ["1"] * 5, [WON] * 5)],
        axis_label="x",
    )

    with pytest.raises(ValueError, match="too many"):
        chart_figure(chart)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1.03 - 15.03", (date(2026, 3, 1), date(2026, 3, 15))),
        ("1.03-31.03", (date(2026, 3, 1), date(2026, 3, 31))),
        ("01.03.2026 – 31.03.2026", (date(2026, 3, 1), date(2026, 3, 31))),
        ("2026-02-01 2026-02-28", (date(2026, 2, 1), date(2026, 2, 28))),
        ("from 15.12 to 10.01", (date(2025, 12, 15), date(2026, 1, 10))),
        ("з 1.03 по 15.03", (date(2026, 3, 1), date(2026, 3, 15))),
        ("від 25.03 до 31.03", (date(2025, 3, 25), date(2025, 3, 31))),
        ("14.02", (date(2026, 2, 14), date(2026, 2, 14))),
        ("15.03 - 1.03", (date(2026, 3, 15), date(2026, 3, 1))),
        ("last spring", None),
        ("1.03 - 15.03 - 20.03", None),
        ("1.03 and 15.03", None),
        ("31.02 - 5.03", None),
    ],
)
def test_typed_dates_read_back_from_today(text: str, days: tuple[date, date] | None) -> None:
    assert typed_days(text, date(2026, 3, 20)) == days


def test_every_report_button_fits_telegrams_callback_limit() -> None:
    buttons = [
        *(PickReport(kind=kind) for kind in ReportKind),
        *(PickPeriod(kind=kind, period=period) for kind in ReportKind for period in NamedPeriod),
        *(TypeDates(kind=kind) for kind in ReportKind),
        *(
            ReportFile(kind=kind, since=date.max.toordinal(), until=date.max.toordinal())
            for kind in ReportKind
        ),
    ]

    assert max(len(button.pack().encode()) for button in buttons) <= CALLBACK_DATA_LIMIT


async def test_a_forged_spreadsheet_press_sends_nothing(reports: Telegram, team: Team) -> None:
    menu = await reports.say(team.rep, "/report")
    before = len(await reports.control.messages(team.rep.user.id))

    six_years = ReportFile(
        kind=ReportKind.REPS,
        since=date(2020, 1, 1).toordinal(),
        until=date(2026, 1, 1).toordinal(),
    )
    backwards = ReportFile(
        kind=ReportKind.REPS,
        since=date(2026, 3, 2).toordinal(),
        until=date(2026, 3, 1).toordinal(),
    )
    assert await reports.press_for_answer(team.rep, menu, data=six_years.pack(), forged=True) == (
        "A report covers at most 366 days. Type a shorter period."
    )
    assert await reports.press_for_answer(team.rep, menu, data=backwards.pack(), forged=True) == (
        "The last day comes before the first one. Type the dates again."
    )
    assert len(await reports.control.messages(team.rep.user.id)) == before
