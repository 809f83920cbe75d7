"""/export as people use it: the file holds what the person may see, in their time zone,
with nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff
from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead
from crm.services.staff import staff_by_telegram_id
from emulator import SentMessage
from tests.bot.conftest import Person, Team, Telegram


async def staff_of(session: AsyncSession, person: Person) -> Staff:
    await session.rollback()
    staff = await staff_by_telegram_id(session, person.user.id)
    assert staff is not None
    return staff


async def add(session: AsyncSession, person: Person, name: str, phone: str) -> int:
    """A lead of ``person`` created at 22:30 UTC on 1 March 2026; returns its id."""
    lead = await create_lead(
        session,
        actor=await staff_of(session, person),
        draft=LeadDraft(contact_name=name, phone=phone),
    )
    lead.created_at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    lead_id = lead.id
    await session.commit()
    return lead_id


async def exported(telegram: Telegram, person: Person, button: str) -> SentMessage:
    menu = await telegram.say(person, "/export")
    await telegram.press(person, menu, button)
    document = await telegram.latest(person)
    assert document.file is not None, document
    return document


async def file_of(telegram: Telegram, message: SentMessage) -> bytes:
    assert message.file is not None
    return await telegram.control.file_content(message.file["file_id"])


async def test_a_reps_csv_holds_only_their_leads_in_their_time_zone_with_formulas_defused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await add(session, team.rep, '=HYPERLINK("http://evil")', "+380671234567")
    await add(session, team.rep, "@SUM(A1)", "+380671234568")
    await add(session, team.other_rep, "Чужий лід", "+380931234567")

    document = await exported(telegram, team.rep, "💼 Leads · CSV")
    rows = list(
        csv.DictReader(io.StringIO((await file_of(telegram, document)).decode("utf-8-sig")))
    )

    assert document.caption == "2 rows"
    assert [row["Contact"] for row in rows] == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)"]
    assert [row["Phone"] for row in rows] == ["'+380671234567", "'+380671234568"]
    # 22:30 UTC on 1 March is half past midnight on 2 March in Kyiv.
    assert {row["Created"] for row in rows} == {"2026-03-02 00:30"}
    assert all(row["Responsible"] == "Taras" for row in rows)


async def test_a_manager_exports_everyones_leads_as_xlsx_with_ukrainian_headers(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await add(session, team.rep, "Олена", "+380671234567")
    await add(session, team.other_rep, "=1+2", "+380931234567")

    document = await exported(telegram, team.manager, "💼 Ліди · XLSX")
    sheet = load_workbook(io.BytesIO(await file_of(telegram, document))).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    header = rows[0]
    contact = header.index("Контактна особа")
    assert "Телефон" in header and "Створено" in header
    assert sorted(row[contact] for row in rows[1:]) == ["'=1+2", "Олена"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert rows[1][header.index("Створено")] == datetime(2026, 3, 2, 0, 30)


async def test_customers_and_tasks_export_and_a_forged_segment_is_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    lead_id = await add(session, team.rep, "Olena", "+380671234567")
    await convert_lead_to_order(
        session,
        actor=await staff_of(session, team.rep),
        lead_id=lead_id,
        external_id="A-1",
        amount="100",
    )
    await session.commit()

    customers = await exported(telegram, team.rep, "🧑 Customers · CSV")
    tasks = await exported(telegram, team.rep, "⏰ Tasks · XLSX")
    menu = await telegram.say(team.rep, "/export")
    forged = await telegram.press_for_answer(team.rep, menu, data="ex:segment:csv:99", forged=True)

    names = csv.DictReader(io.StringIO((await file_of(telegram, customers)).decode("utf-8-sig")))
    assert [(row["Name"], row["Phones"]) for row in names] == [("Olena", "'+380671234567")]
    assert tasks.caption == "0 rows"
    assert forged == "It is not there any more."
