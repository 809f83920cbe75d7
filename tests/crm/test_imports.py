"""Import of leads and customers from rows of a spreadsheet, and the round trip with export,
on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import Forbidden, ValidationFailed
from crm.models import Customer, FieldKind, Lead, Tag
from crm.services import imports
from crm.services.exports import LEAD_COLUMNS, ExportKind, export_table
from crm.services.fields import FieldDraft, define_field
from crm.services.imports import (
    ImportStopped,
    ImportTarget,
    Problem,
    Transaction,
    apply_import,
    check_import,
    import_fields,
    match_columns,
)
from crm.services.pipelines import default_pipeline
from tests.crm.conftest import Stages, Team

# What the bot passes: each field's header words in English and Ukrainian.
KNOWN = {
    "External ID": "external_id",
    "Зовнішній ID": "external_id",
    "Title": "title",
    "Назва": "title",
    "Contact": "contact_name",
    "Контактна особа": "contact_name",
    "Phone": "phone",
    "Телефон": "phone",
    "E-mail": "email",
    "Ел. пошта": "email",
    "Value": "value",
    "Сума": "value",
    "Tags": "tags",
    "Теги": "tags",
    "Name": "name",
    "Phones": "phones",
}


def committing(session: AsyncSession) -> Transaction:
    """The test's session as the transaction of each chunk: committed when it ends, rolled
    back when it fails, as the bot's ``own_transaction``."""

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()

    return transaction


async def lead_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Lead)) or 0


async def imported(
    session: AsyncSession, actor: object, headers: list[str], rows: list[list[str]]
) -> tuple[list[Problem], int, int]:
    from crm.models import Staff

    assert isinstance(actor, Staff)
    mapping = match_columns(headers, ImportTarget.LEADS, KNOWN)
    plan = await check_import(
        session,
        actor=actor,
        target=ImportTarget.LEADS,
        headers=headers,
        mapping=mapping,
        rows=rows,
    )
    result = await apply_import(committing(session), actor=actor, plan=plan)
    return plan.problems, result.created, result.updated


def test_headers_match_in_either_language_in_any_case_and_once() -> None:
    headers = ["телефон", "CONTACT", "Зовнішній  ID", "Notes", "Phone"]

    assert match_columns(headers, ImportTarget.LEADS, KNOWN) == [
        "phone",
        "contact_name",
        "external_id",
        None,
        None,
    ]
    assert match_columns(["Name", "Назва"], ImportTarget.CUSTOMERS, KNOWN) == ["name", None]


async def test_good_and_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    headers = ["Контактна особа", "Телефон", "Сума", "Теги"]
    rows = [
        ["Олена", "067 123 45 67", "12000", "vip"],
        ["Петро", "not a phone", "5000", ""],
        ["Ірина", "+380501112233", "-5", "bad tag!"],
        ["", "", "", ""],
    ]
    mapping = match_columns(
        headers, ImportTarget.LEADS, {"Контактна особа": "contact_name"} | KNOWN
    )

    plan = await check_import(
        session,
        actor=team.rep,
        target=ImportTarget.LEADS,
        headers=headers,
        mapping=mapping,
        rows=rows,
    )

    assert plan.problems == [
        Problem(3, "Телефон", "phone-invalid"),
        Problem(4, "Сума", "amount-negative"),
        Problem(4, "Теги", "tag-invalid"),
        Problem(5, "Контактна особа", "import-name-required"),
    ]
    assert [row["contact_name"] for row in plan.rows] == ["Олена"]
    assert await lead_count(session) == 0

    result = await apply_import(committing(session), actor=team.rep, plan=plan)

    lead = await session.scalar(select(Lead))
    assert result.created == 1 and await lead_count(session) == 1
    assert lead is not None and lead.phone == "+380671234567"
    assert lead.phone_digits_reversed == "765432176083"
    assert lead.value_minor == 1_200_000 and lead.responsible_id == team.rep.id
    assert [tag.name for tag in await lead.awaitable_attrs.tags] == ["vip"]


async def test_reimporting_with_an_external_id_updates_instead_of_doubling(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    headers = ["External ID", "Contact", "Phone"]

    first = await imported(session, team.rep, headers, [["crm-1", "Olena", "+380671234567"]])
    again = await imported(session, team.rep, headers, [["crm-1", "Olena P.", "+380671234568"]])
    taken = await imported(session, team.other_rep, headers, [["crm-1", "Mine now", ""]])

    lead = await session.scalar(select(Lead))
    assert first[1:] == (1, 0) and again[1:] == (0, 1)
    assert taken[0] == [Problem(2, "External ID", "import-not-yours")]
    assert await lead_count(session) == 1
    assert lead is not None and lead.contact_name == "Olena P." and lead.phone == "+380671234568"


async def test_export_then_import_gives_the_same_leads(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    headers = ["External ID", "Title", "Contact", "Phone", "E-mail", "Value", "Tags"]
    rows = [
        ["a-1", "=1+2 deal", "Олена", "+380671234567", "o@example.com", "12000.50", "#vip #b2b"],
        ["a-2", "Second", "Petro", "", "", "", ""],
    ]
    await imported(session, team.rep, headers, rows)
    exported = await export_table(session, actor=team.rep, kind=ExportKind.LEADS)
    english = {"id": "ID", "external_id": "External ID", "title": "Title"}
    english |= {"contact_name": "Contact", "phone": "Phone", "email": "E-mail"}
    english |= {"value": "Value", "tags": "Tags"}
    back_headers = [english.get(column, column) for column in LEAD_COLUMNS]
    back_rows = [["" if cell is None else str(cell) for cell in row] for row in exported.rows]

    problems, created, updated = await imported(session, team.rep, back_headers, back_rows)

    again = await export_table(session, actor=team.rep, kind=ExportKind.LEADS)
    assert problems == [] and (created, updated) == (0, 2)
    assert again.rows == exported.rows
    assert await session.scalar(select(func.count()).select_from(Tag)) == 2


async def test_customers_are_imported_by_managers_only_and_matched_by_external_id(
    session: AsyncSession, team: Team
) -> None:
    headers = ["External ID", "Name", "Phones"]
    rows = [["c-1", "Олена", "+380671234567; 0501112233"]]
    mapping = match_columns(headers, ImportTarget.CUSTOMERS, KNOWN)
    arguments = {"target": ImportTarget.CUSTOMERS, "headers": headers, "mapping": mapping}

    with pytest.raises(Forbidden):
        await check_import(session, actor=team.rep, rows=rows, **arguments)
    for _ in range(2):
        plan = await check_import(session, actor=team.manager, rows=rows, **arguments)
        await apply_import(committing(session), actor=team.manager, plan=plan)

    customer = await session.scalar(select(Customer))
    assert await session.scalar(select(func.count()).select_from(Customer)) == 1
    assert customer is not None and customer.phones == ["+380671234567", "+380501112233"]


async def test_an_empty_file_or_one_of_too_many_columns_is_refused(
    session: AsyncSession, team: Team
) -> None:
    wide = [f"column {number}" for number in range(100)]

    with pytest.raises(ValidationFailed) as empty:
        await check_import(
            session,
            actor=team.rep,
            target=ImportTarget.LEADS,
            headers=["Phone"],
            mapping=["phone"],
            rows=[],
        )
    with pytest.raises(ValidationFailed) as too_wide:
        await check_import(
            session,
            actor=team.rep,
            target=ImportTarget.LEADS,
            headers=wide,
            mapping=[None] * 100,
            rows=[["x"] * 100],
        )

    assert empty.value.code == "import-empty"
    assert too_wide.value.code == "import-too-many-columns"


async def test_chunks_commit_one_by_one_and_a_failed_chunk_stops_the_import_saying_what_was_saved(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    headers = ["External ID", "Contact"]
    rows = [[f"x-{number}", f"Lead {number}"] for number in range(1, 6)]
    mapping = match_columns(headers, ImportTarget.LEADS, KNOWN)
    plan = await check_import(
        session,
        actor=team.manager,
        target=ImportTarget.LEADS,
        headers=headers,
        mapping=mapping,
        rows=rows,
    )
    await session.commit()
    chunks_opened = 0
    committed_when_told: list[int] = []

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        """Each chunk in a session of its own (after the lookup of known external ids); before
        the second chunk, someone else imports x-4."""
        nonlocal chunks_opened
        chunks_opened += 1
        if chunks_opened == 3:
            async with session_factory() as other:
                other.add(await _lead_of(other, team, "x-4"))
                await other.commit()
        async with session_factory() as writing:
            yield writing
            await writing.commit()

    async def progress(done: int, total: int) -> None:
        async with session_factory() as reading:
            committed_when_told.append(await lead_count(reading))

    with pytest.raises(ImportStopped) as stopped:
        await apply_import(transaction, actor=team.manager, plan=plan, progress=progress)

    async with session_factory() as reading:
        titles = list(await reading.scalars(select(Lead.title).order_by(Lead.id)))
    assert (stopped.value.row, stopped.value.saved.created) == (4, 2)
    assert committed_when_told == [2]
    assert titles == ["Lead 1", "Lead 2", "someone else's"]


async def _lead_of(session: AsyncSession, team: Team, external_id: str) -> Lead:
    stage_id = (await default_pipeline(session)).stages[0].id
    return Lead(
        title="someone else's",
        stage_id=stage_id,
        external_id=external_id,
        responsible_id=team.manager.id,
        search_text="",
    )


async def test_custom_fields_are_matched_by_their_labels_and_checked_like_any_column(
    session: AsyncSession, team: Team
) -> None:
    draft = FieldDraft("Size", "Розмір", FieldKind.CHOICE, choices=("S", "M"))
    size = await define_field(session, actor=team.admin, draft=draft)
    headers = ["Зовнішній ID", "Контактна особа", "Розмір"]
    fields = await import_fields(session, ImportTarget.LEADS)
    mapping = match_columns(headers, ImportTarget.LEADS, KNOWN | {"Розмір": "field.size"}, fields)
    arguments = {"target": ImportTarget.LEADS, "headers": headers, "mapping": mapping}

    first = await check_import(
        session, actor=team.rep, rows=[["a-1", "Олена", "m"], ["a-2", "Петро", "XL"]], **arguments
    )
    await apply_import(committing(session), actor=team.rep, plan=first)
    again = await check_import(session, actor=team.rep, rows=[["a-1", "Олена", "S"]], **arguments)
    await apply_import(committing(session), actor=team.rep, plan=again)

    lead = await session.scalar(select(Lead).execution_options(populate_existing=True))
    assert (size.key, mapping) == ("size", ["external_id", "contact_name", "field.size"])
    assert first.problems == [Problem(3, "Розмір", "custom-field-not-a-choice")]
    assert await lead_count(session) == 1
    assert lead is not None and lead.custom_fields == {"size": "S"}
