"""``/pipeline``: each stage's count, total and weighted value; a stage's leads page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Staff
from crm.services.board import (
    PAGE_SIZE,
    Board,
    ListPosition,
    StagePage,
    pipeline_board,
    stage_leads,
)
from crm.services.pipelines import get_stage
from handlers.board_app import board_button
from handlers.common.editing import show_in_place
from handlers.common.text import pipeline_name, shorten, stage_name, tr
from handlers.leads.keyboards import LeadAction, LeadActionKind

BUTTON_TITLE = 40
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StageList(CallbackData, prefix="sl"):
    """A page of a stage's leads: the first, or the one next to a lead's place in the list."""

    stage_id: int
    page: int
    # The stage's count on the board it was opened from: "page x of y" without counting again.
    total: int
    # The place this page starts from (0 for the first page): the last activity of the lead
    # next to it in microseconds since the epoch, and its id; ``back`` pages towards later.
    at: int = 0
    lead_id: int = 0
    back: bool = False

    def position(self) -> ListPosition | None:
        if not self.lead_id:
            return None
        return ListPosition(EPOCH + timedelta(microseconds=self.at), self.lead_id)

    def next_to(self, lead: Lead, *, page: int, back: bool) -> StageList:
        at = (lead.last_activity_at - EPOCH) // timedelta(microseconds=1)
        return StageList(
            stage_id=self.stage_id, page=page, total=self.total, at=at, lead_id=lead.id, back=back
        )


class BoardView(CallbackData, prefix="bd"):
    """Back to the board."""


def money_list(i18n: I18nContext, amounts: dict[str, object]) -> str:
    return (
        ", ".join(
            i18n.get("money", value=amount, currency=currency)
            for currency, amount in sorted(amounts.items())
        )
        or "—"
    )


def render_board(board: Board, i18n: I18nContext) -> str:
    pipeline = pipeline_name(board.pipeline, i18n)
    lines = [tr(i18n, "board-title", pipeline=pipeline, count=board.lead_count)]
    for column in board.columns:
        lines.append(
            tr(
                i18n,
                "board-stage",
                stage=stage_name(column.stage, i18n),
                count=column.count,
                total=money_list(i18n, dict(column.totals)),
                weighted=money_list(i18n, dict(column.weighted)),
                probability=column.stage.probability,
            )
        )
    return "\n".join(lines)


def board_keyboard(board: Board, i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for column in board.columns:
        kb.button(
            text=tr(
                i18n, "board-stage-button", stage=stage_name(column.stage, i18n), count=column.count
            ),
            callback_data=StageList(stage_id=column.stage.id, page=0, total=column.count),
        )
    kb.adjust(2)
    board_app = board_button(i18n)
    if board_app is not None:
        kb.row(board_app)
    return kb.as_markup()


async def show_board(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    board = await pipeline_board(session, actor=actor)
    await message.answer(render_board(board, i18n), reply_markup=board_keyboard(board, i18n))


async def back_to_board(
    query: CallbackQuery, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    board = await pipeline_board(session, actor=actor)
    if isinstance(query.message, Message):
        await show_in_place(query.message, render_board(board, i18n), board_keyboard(board, i18n))
    await query.answer()


def lead_list_keyboard(
    page: StagePage, shown: StageList, i18n: I18nContext
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for lead in page.items:
        kb.button(
            text=shorten(lead.title, BUTTON_TITLE),
            callback_data=LeadAction(
                lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version
            ),
        )
    kb.adjust(1)
    nav = InlineKeyboardBuilder()
    if page.has_previous and page.items:
        previous = shown.next_to(page.items[0], page=max(shown.page - 1, 0), back=True)
        nav.button(text=i18n.get("page-previous"), callback_data=previous)
    if page.has_next:
        following = shown.next_to(page.items[-1], page=shown.page + 1, back=False)
        nav.button(text=i18n.get("page-next"), callback_data=following)
    nav.button(text=i18n.get("back"), callback_data=BoardView())
    kb.attach(nav)
    return kb.as_markup()


async def show_stage(
    query: CallbackQuery,
    callback_data: StageList,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    stage = await get_stage(session, callback_data.stage_id)
    position = callback_data.position()
    page = await stage_leads(
        session,
        actor=actor,
        stage_id=stage.id,
        after=None if callback_data.back else position,
        before=position if callback_data.back else None,
    )
    text = tr(
        i18n,
        "stage-list-title",
        stage=stage_name(stage, i18n),
        count=callback_data.total,
        page=callback_data.page + 1,
        pages=max(1, -(-callback_data.total // PAGE_SIZE)),
    )
    if isinstance(query.message, Message):
        await show_in_place(query.message, text, lead_list_keyboard(page, callback_data, i18n))
    await query.answer()


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_board, Command("pipeline"))
    router.callback_query.register(back_to_board, BoardView.filter())
    router.callback_query.register(show_stage, StageList.filter())
    return router
