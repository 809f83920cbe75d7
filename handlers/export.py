"""/export: leads, customers, tasks or a saved segment as a CSV or XLSX file in the chat."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff, utcnow
from crm.services.exports import ExportKind, ExportTable, export_table
from crm.services.segments import own_segments
from handlers.common.text import local_time, shorten
from handlers.spreadsheets import FileFormat, table_bytes

SEGMENTS_OFFERED = 10
BUTTON_TITLE = 30
NO_SEGMENT = 0


class ExportFile(CallbackData, prefix="ex"):
    kind: ExportKind
    file_format: FileFormat
    segment_id: int = NO_SEGMENT


async def offer_exports(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    segments = await own_segments(session, actor=actor, limit=SEGMENTS_OFFERED)
    kb = InlineKeyboardBuilder()
    choices = [(ExportKind.LEADS, NO_SEGMENT, i18n.get("export-leads"))]
    choices += [(ExportKind.CUSTOMERS, NO_SEGMENT, i18n.get("export-customers"))]
    choices += [(ExportKind.TASKS, NO_SEGMENT, i18n.get("export-tasks"))]
    choices += [
        (ExportKind.SEGMENT, segment.id, f"🎯 {shorten(segment.name, BUTTON_TITLE)}")
        for segment in segments
    ]
    for kind, segment_id, label in choices:
        for file_format in FileFormat:
            kb.button(
                text=f"{label} · {file_format.value.upper()}",
                callback_data=ExportFile(kind=kind, file_format=file_format, segment_id=segment_id),
            )
    kb.adjust(len(FileFormat))
    await message.answer(i18n.get("export-choose"), reply_markup=kb.as_markup())


def export_keyboard(segment_id: int, i18n: I18nContext) -> InlineKeyboardMarkup:
    """The export buttons a segment's screen shows."""
    kb = InlineKeyboardBuilder()
    for file_format in FileFormat:
        kb.button(
            text=i18n.get("export-as", format=file_format.value.upper()),
            callback_data=ExportFile(
                kind=ExportKind.SEGMENT, file_format=file_format, segment_id=segment_id
            ),
        )
    return kb.as_markup()


async def send_export(
    query: CallbackQuery,
    callback_data: ExportFile,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    table = await export_table(
        session,
        actor=actor,
        kind=callback_data.kind,
        segment_id=callback_data.segment_id or None,
    )
    content = await asyncio.to_thread(
        table_bytes, callback_data.file_format, _header(table, i18n), table.rows, table.name
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(content, filename=_file_name(callback_data, actor)),
            caption=i18n.get("export-caption", count=len(table.rows)),
        )


def _header(table: ExportTable, i18n: I18nContext) -> list[str]:
    codes = [i18n.get(f"column-{column.replace('_', '-')}") for column in table.columns]
    return codes + [definition.label(i18n.locale) for definition in table.fields]


def _file_name(choice: ExportFile, actor: Staff) -> str:
    kind = f"segment-{choice.segment_id}" if choice.kind is ExportKind.SEGMENT else choice.kind
    day = local_time(utcnow(), actor).date().isoformat()
    return f"{kind}-{day}.{choice.file_format.value}"


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(offer_exports, Command("export"))
    router.callback_query.register(send_export, ExportFile.filter())
    return router
