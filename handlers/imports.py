"""Importing leads or customers from a CSV or XLSX file sent to the bot.

The file is read, the person picks what it holds, sees which field each column went to and
fixes that with buttons; then the rows are checked and a report says what is wrong where.
Only then is anything written, a chunk of rows per transaction so others' changes get in
between, with progress counting committed rows only: a file with errors imports nothing unless
the person chooses to import the valid rows, and a chunk that fails stops the import with a
message saying which rows were saved. The file itself stays on
Telegram's side; each step downloads it again by its id, so the chat's state stays small.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from enum import StrEnum
from typing import ClassVar

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.exceptions import KeyNotFoundError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import CrmError, ValidationFailed
from crm.models import FieldDefinition, Staff
from crm.services.fields import field_definitions
from crm.services.imports import (
    FIELDS,
    ImportPlan,
    ImportStopped,
    ImportTarget,
    Problem,
    apply_import,
    check_import,
    custom_field_code,
    import_fields,
    match_columns,
)
from handlers.common.filters import InLoop
from handlers.common.flows import FlowData
from handlers.common.screens import Screen, show_screen
from handlers.common.text import shorten, tr
from handlers.errors import error_text
from handlers.spreadsheet_reading import MAX_FILE_BYTES, Table, read_table
from handlers.spreadsheets import csv_bytes

log = logging.getLogger(__name__)

LANGUAGES = ("en", "uk")
PROBLEMS_SHOWN = 20
HEADER_SHOWN = 30
PROGRESS_EVERY_SECONDS = 1.0


class ImportDraft(FlowData):
    destiny: ClassVar[str] = "import"
    file_id: str
    file_name: str
    target: ImportTarget | None = None
    mapping: tuple[str | None, ...] = ()


class ImportStepKind(StrEnum):
    CHECK = "check"
    RUN = "run"
    RUN_VALID = "valid"
    CANCEL = "cancel"
    MAPPING = "map"


class ImportStep(CallbackData, prefix="im"):
    step: ImportStepKind


class ImportTargetPick(CallbackData, prefix="it"):
    target: ImportTarget


class ImportColumn(CallbackData, prefix="ic"):
    column: int


class ImportSetField(CallbackData, prefix="if"):
    column: int
    field: str


def known_headers(
    translator: FluentRuntimeCore, custom: Sequence[FieldDefinition] = ()
) -> dict[str, str]:
    """Header words of every field in every language -> the field's code; a custom field's
    words are its labels."""
    codes = {code for fields in FIELDS.values() for code in fields}
    return {
        translator.get(f"column-{code.replace('_', '-')}", language): code
        for code in codes
        for language in LANGUAGES
    } | {
        label: custom_field_code(definition)
        for definition in custom
        for label in (definition.label_en, definition.label_uk)
    }


async def _field_labels(session: AsyncSession, i18n: I18nContext) -> dict[str, str]:
    """Each custom field's code -> its label in the reader's language."""
    return {
        custom_field_code(definition): definition.label(i18n.locale)
        for definition in await field_definitions(session)
    }


async def receive_file(message: Message, bot: Bot, i18n: I18nContext, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_FILE_BYTES:
        raise ValidationFailed("import-file-too-large", details={"limit": 20})
    file_name = document.file_name or ""
    read_table(file_name, await _download(bot, document.file_id))
    await ImportDraft(file_id=document.file_id, file_name=file_name).save(state)
    kb = InlineKeyboardBuilder()
    for target in ImportTarget:
        kb.button(
            text=i18n.get(f"import-target-{target.value}"),
            callback_data=ImportTargetPick(target=target),
        )
    kb.button(text=i18n.get("import-cancel"), callback_data=ImportStep(step=ImportStepKind.CANCEL))
    kb.adjust(2, 1)
    await message.answer(i18n.get("import-what"), reply_markup=kb.as_markup())


async def pick_target(
    query: CallbackQuery,
    callback_data: ImportTargetPick,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    state: FSMContext,
    translator: FluentRuntimeCore,
) -> None:
    draft = await _draft(query, state, i18n)
    if draft is None:
        return
    table = read_table(draft.file_name, await _download(bot, draft.file_id))
    target = callback_data.target
    known = known_headers(translator, await field_definitions(session))
    mapping = match_columns(table.headers, target, known, await import_fields(session, target))
    draft = draft.model_copy(update={"target": target, "mapping": tuple(mapping)})
    await draft.save(state)
    labels = await _field_labels(session, i18n)
    await show_screen(query, mapping_screen(table, draft, i18n, labels))


async def pick_column(
    query: CallbackQuery,
    callback_data: ImportColumn,
    session: AsyncSession,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    draft = await _draft(query, state, i18n)
    if draft is None or draft.target is None or callback_data.column >= len(draft.mapping):
        await query.answer(i18n.get("import-expired"), show_alert=True)
        return
    labels = await _field_labels(session, i18n)
    kb = InlineKeyboardBuilder()
    for code in (*await import_fields(session, draft.target), ""):
        kb.button(
            text=_field_label(code or None, i18n, labels),
            callback_data=ImportSetField(column=callback_data.column, field=code),
        )
    kb.adjust(2)
    await show_screen(query, Screen(i18n.get("import-pick-field"), kb.as_markup()))


async def set_field(
    query: CallbackQuery,
    callback_data: ImportSetField,
    bot: Bot,
    session: AsyncSession,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    draft = await _draft(query, state, i18n)
    column = callback_data.column
    if draft is None or draft.target is None or column >= len(draft.mapping):
        await query.answer(i18n.get("import-expired"), show_alert=True)
        return
    code = callback_data.field or None
    if code is not None and code not in await import_fields(session, draft.target):
        await query.answer(i18n.get("import-expired"), show_alert=True)
        return
    # A field goes to one column: choosing it here takes it from any other.
    mapping = [None if code is not None and other == code else other for other in draft.mapping]
    mapping[column] = code
    draft = draft.model_copy(update={"mapping": tuple(mapping)})
    await draft.save(state)
    table = read_table(draft.file_name, await _download(bot, draft.file_id))
    labels = await _field_labels(session, i18n)
    await show_screen(query, mapping_screen(table, draft, i18n, labels))


async def back_to_mapping(
    query: CallbackQuery, bot: Bot, session: AsyncSession, i18n: I18nContext, state: FSMContext
) -> None:
    draft = await _draft(query, state, i18n)
    if draft is None:
        return
    table = read_table(draft.file_name, await _download(bot, draft.file_id))
    labels = await _field_labels(session, i18n)
    await show_screen(query, mapping_screen(table, draft, i18n, labels))


async def cancel_import(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await ImportDraft.forget(state)
    await show_screen(query, Screen(i18n.get("import-cancelled")))


async def check_file(
    query: CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
) -> None:
    draft = await _draft(query, state, i18n)
    if draft is None:
        return
    _, plan = await _checked(bot, session, actor, draft, phone_region)
    await show_screen(query, report_screen(plan, i18n))
    if len(plan.problems) > PROBLEMS_SHOWN and isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(problems_csv(plan.problems, i18n), filename="import-report.csv")
        )


async def run_import(
    query: CallbackQuery,
    callback_data: ImportStep,
    bot: Bot,
    session: AsyncSession,
    own_transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
) -> None:
    draft = await _draft(query, state, i18n)
    if draft is None or not isinstance(query.message, Message):
        return
    _, plan = await _checked(bot, session, actor, draft, phone_region)
    if plan.problems and callback_data.step is not ImportStepKind.RUN_VALID:
        await show_screen(query, report_screen(plan, i18n))
        return
    await ImportDraft.forget(state)
    await query.answer()
    progress = await query.message.answer(i18n.get("import-progress", done=0, total=len(plan.rows)))
    last_shown = time.monotonic()

    async def show_progress(done: int, total: int) -> None:
        nonlocal last_shown
        if done < total and time.monotonic() - last_shown >= PROGRESS_EVERY_SECONDS:
            last_shown = time.monotonic()
            await progress.edit_text(i18n.get("import-progress", done=done, total=total))

    # A transaction of its own for each chunk: the progress messages commit the update's,
    # and others' changes get in between the chunks. Progress counts only committed rows.
    try:
        result = await apply_import(own_transaction, actor=actor, plan=plan, progress=show_progress)
    except ImportStopped as stopped:
        await progress.edit_text(_stopped_text(stopped, i18n))
        return
    await progress.edit_text(
        i18n.get(
            "import-done",
            created=result.created,
            updated=result.updated,
            skipped=len(plan.problems),
        )
    )


def _stopped_text(stopped: ImportStopped, i18n: I18nContext) -> str:
    """What was saved and where it stopped; why, in the words of the error it met."""
    cause = stopped.cause
    reason = error_text(cause, i18n) if isinstance(cause, CrmError) else i18n.get("error-not-saved")
    if isinstance(cause, SQLAlchemyError):
        log.error("import stopped at row %s", stopped.row, exc_info=cause)
    return i18n.get(
        "import-stopped",
        row=stopped.row,
        reason=reason,
        created=stopped.saved.created,
        updated=stopped.saved.updated,
    )


async def _draft(query: CallbackQuery, state: FSMContext, i18n: I18nContext) -> ImportDraft | None:
    draft = await ImportDraft.load(state)
    if draft is None:
        await query.answer(i18n.get("import-expired"), show_alert=True)
    return draft


async def _download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


async def _checked(
    bot: Bot, session: AsyncSession, actor: Staff, draft: ImportDraft, phone_region: str
) -> tuple[Table, ImportPlan]:
    if draft.target is None:
        raise ValidationFailed("import-nothing-mapped")
    table = read_table(draft.file_name, await _download(bot, draft.file_id))
    plan = await check_import(
        session,
        actor=actor,
        target=draft.target,
        headers=table.headers,
        mapping=draft.mapping,
        rows=table.rows,
        phone_region=phone_region,
    )
    return table, plan


def _field_label(code: str | None, i18n: I18nContext, custom: Mapping[str, str]) -> str:
    if code is None:
        return i18n.get("import-skip-column")
    if code in custom:
        return custom[code]
    return i18n.get(f"column-{code.replace('_', '-')}")


def mapping_screen(
    table: Table, draft: ImportDraft, i18n: I18nContext, custom: Mapping[str, str]
) -> Screen:
    """Which field each column goes to; ``custom`` names the custom fields."""
    lines = [i18n.get("import-mapping", rows=len(table.rows))]
    kb = InlineKeyboardBuilder()
    for column, (header, code) in enumerate(zip(table.headers, draft.mapping, strict=False)):
        label = _field_label(code, i18n, custom)
        lines.append(
            tr(i18n, "import-mapping-line", header=shorten(header, HEADER_SHOWN), field=label)
        )
        kb.button(
            text=f"{column + 1}. {shorten(header, HEADER_SHOWN)} → {label}",
            callback_data=ImportColumn(column=column),
        )
    kb.button(text=i18n.get("import-check"), callback_data=ImportStep(step=ImportStepKind.CHECK))
    kb.button(text=i18n.get("import-cancel"), callback_data=ImportStep(step=ImportStepKind.CANCEL))
    kb.adjust(*([1] * len(table.headers)), 2)
    return Screen("\n".join(lines), kb.as_markup())


def report_screen(plan: ImportPlan, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    if not plan.problems:
        text = i18n.get("import-ready", count=len(plan.rows))
        kb.button(text=i18n.get("import-run"), callback_data=ImportStep(step=ImportStepKind.RUN))
    else:
        lines = [i18n.get("import-problems", count=len(plan.problems), valid=len(plan.rows))]
        lines += [_problem_line(problem, i18n) for problem in plan.problems[:PROBLEMS_SHOWN]]
        if len(plan.problems) > PROBLEMS_SHOWN:
            lines.append(
                i18n.get("import-problems-more", count=len(plan.problems) - PROBLEMS_SHOWN)
            )
        text = "\n".join(lines)
        if plan.rows:
            kb.button(
                text=i18n.get("import-run-valid", count=len(plan.rows)),
                callback_data=ImportStep(step=ImportStepKind.RUN_VALID),
            )
    kb.button(
        text=i18n.get("import-fix-mapping"), callback_data=ImportStep(step=ImportStepKind.MAPPING)
    )
    kb.button(text=i18n.get("import-cancel"), callback_data=ImportStep(step=ImportStepKind.CANCEL))
    kb.adjust(1)
    return Screen(text, kb.as_markup())


def _reason(problem: Problem, i18n: I18nContext) -> str:
    try:
        return i18n.get(f"import-problem-{problem.code}")
    except KeyNotFoundError:
        return i18n.get("import-problem-other")


def _problem_line(problem: Problem, i18n: I18nContext) -> str:
    return tr(
        i18n,
        "import-problem-line",
        row=problem.row,
        column=shorten(problem.column, HEADER_SHOWN),
        reason=_reason(problem, i18n),
    )


def problems_csv(problems: list[Problem], i18n: I18nContext) -> bytes:
    header = [
        i18n.get("import-report-row"),
        i18n.get("import-report-column"),
        i18n.get("import-report-problem"),
    ]
    return csv_bytes(header, [[p.row, p.column, _reason(p, i18n)] for p in problems])


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(receive_file, InLoop(F.document))
    router.callback_query.register(pick_target, ImportTargetPick.filter())
    router.callback_query.register(pick_column, ImportColumn.filter())
    router.callback_query.register(set_field, ImportSetField.filter())
    router.callback_query.register(
        back_to_mapping, ImportStep.filter(F.step == ImportStepKind.MAPPING)
    )
    router.callback_query.register(
        cancel_import, ImportStep.filter(F.step == ImportStepKind.CANCEL)
    )
    router.callback_query.register(check_file, ImportStep.filter(F.step == ImportStepKind.CHECK))
    router.callback_query.register(
        run_import, ImportStep.filter(F.step.in_({ImportStepKind.RUN, ImportStepKind.RUN_VALID}))
    )
    return router
