"""Importing a file sent to the bot, end to end through the emulator: the columns shown and
fixed with buttons, the report, and nothing written until the person chooses."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead
from emulator import SentMessage
from handlers.imports import ImportStep, ImportStepKind
from tests.bot.conftest import Person, Team, Telegram

MIXED = (
    "Ім'я;Телефон;Сума;Примітка\n"
    "Олена Петренко;067 123 45 67;12000;постійна\n"
    "Петро;не телефон;500;\n"
).encode("cp1251")


async def send_file(
    telegram: Telegram, person: Person, name: str, content: bytes, *, size: int | None = None
) -> SentMessage:
    before = len(await telegram.control.messages(person.user.id))
    await telegram.control.send_document(person.user, name, content, file_size=size)
    reply = (await telegram.control.wait_for_messages(person.user.id, before + 1))[before]
    await telegram.settled()
    return reply


async def leads_in(session: AsyncSession) -> int:
    await session.rollback()
    return await session.scalar(select(func.count()).select_from(Lead)) or 0


async def test_a_windows_1251_file_is_mapped_fixed_checked_and_only_its_valid_rows_imported(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    asked = await send_file(telegram, team.rep, "клієнти.csv", MIXED)
    mapping = await telegram.press(team.rep, asked, "💼 Leads")
    picker = await telegram.press(team.rep, mapping, "1. Ім'я → — skip —")
    fixed = await telegram.press(team.rep, picker, "Contact")
    report = await telegram.press(team.rep, fixed, "✅ Check the rows")
    written_before_choosing = await leads_in(session)
    await telegram.press(team.rep, report, "⬆️ Import the valid rows (1)")
    done = await telegram.latest(team.rep)

    assert mapping.text is not None
    assert "• Телефон → Phone" in mapping.text and "• Примітка → — skip —" in mapping.text
    assert fixed.text is not None and "• Ім'я → Contact" in fixed.text
    assert report.text is not None
    assert "1 problem; 1 rows are fine" in report.text
    assert "• row 3, Телефон: not a phone number" in report.text
    assert written_before_choosing == 0
    assert done.text == "✅ Imported: 1 new, 0 updated, 1 rows skipped."
    lead = await session.scalar(select(Lead))
    assert lead is not None and lead.contact_name == "Олена Петренко"
    assert lead.phone == "+380671234567" and lead.value_minor == 1_200_000


async def test_a_file_with_errors_imports_nothing_when_import_is_pressed_anyway(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    asked = await send_file(telegram, team.rep, "leads.csv", MIXED)
    await telegram.press(team.rep, asked, "💼 Leads")
    forged = ImportStep(step=ImportStepKind.RUN).pack()

    report = await telegram.press(team.rep, asked, "forged", forged=forged)

    assert report.text is not None and "not a phone number" in report.text
    assert await leads_in(session) == 0


async def test_files_the_bot_cannot_import_get_a_clear_answer(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    wide = ",".join(f"c{number}" for number in range(100))

    photo = await send_file(telegram, team.rep, "photo.jpg", b"\xff\xd8\xff")
    huge = await send_file(telegram, team.rep, "big.csv", b"Name\nx\n", size=21 * 1024 * 1024)
    empty = await send_file(telegram, team.rep, "empty.csv", b"Name,Phone\n")
    too_wide = await send_file(telegram, team.rep, "wide.csv", f"{wide}\n{wide}\n".encode())

    assert photo.text == "I can import CSV and XLSX files only."
    assert huge.text == "That file is too large: send at most 20 MB."
    assert empty.text == "The file has no rows under its header."
    assert too_wide.text == "The file has too many columns: at most 50."
    assert await leads_in(session) == 0
