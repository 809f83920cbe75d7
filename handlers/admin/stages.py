"""``/stages``: admins shape the default pipeline, one stage card at a time.

Rename, move, kind, probability and idle alert edit the card in place; a typed answer (a name,
a number) gets a fresh card. Deleting a stage with leads first asks where the leads go.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Role, Staff
from crm.services.access import require_role
from crm.services.board import Board, pipeline_board
from crm.services.pipelines import add_stage, delete_stage, get_stage, move_stage, update_stage
from handlers.admin.stage_screens import (
    AddStage,
    ClearIdleDays,
    DeleteStage,
    DeleteTargets,
    MoveStage,
    SetProbability,
    SetStageKind,
    StageFocus,
    StageScreen,
    StagesPage,
    StageView,
    delete_choice,
    focus_on,
    idle_days_prompt,
    kind_picker,
    new_stage_prompt,
    probability_picker,
    rename_prompt,
    stage_card,
    stage_list,
)
from handlers.common.filters import TYPED_ANSWER
from handlers.common.screens import Screen, send_screen, show_screen
from handlers.common.text import stage_name, tr


class StageInput(StatesGroup):
    """Waiting for an admin to type something about a stage (its id is in the FSM data)."""

    new_stage_name = State()
    name = State()
    probability = State()
    idle_days = State()


StageRenderer = Callable[[StageFocus, I18nContext], Screen]
# Each screen of a stage, and the answer it waits for when it asks to type one.
STAGE_SCREENS: dict[StageScreen, tuple[StageRenderer, State | None]] = {
    StageScreen.CARD: (stage_card, None),
    StageScreen.KIND: (kind_picker, None),
    StageScreen.PROBABILITY: (probability_picker, StageInput.probability),
    StageScreen.IDLE_DAYS: (idle_days_prompt, StageInput.idle_days),
    StageScreen.RENAME: (rename_prompt, StageInput.name),
}


async def admin_board(session: AsyncSession, actor: Staff) -> Board:
    """The default pipeline's board; only admins configure stages."""
    require_role(actor, Role.ADMIN)
    return await pipeline_board(session, actor=actor)


async def card_of(session: AsyncSession, actor: Staff, stage_id: int, i18n: I18nContext) -> Screen:
    return stage_card(focus_on(await admin_board(session, actor), stage_id), i18n)


def whole_number(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


async def show_stages(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    board = await admin_board(session, actor)
    await state.clear()
    await send_screen(message, stage_list(board, 0, i18n))


async def turn_stages_page(
    query: CallbackQuery,
    callback_data: StagesPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    board = await admin_board(session, actor)
    await state.clear()
    await show_screen(query, stage_list(board, callback_data.page, i18n))


async def show_stage_screen(
    query: CallbackQuery,
    callback_data: StageView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """The card, or a question about the stage; typed questions wait for the answer."""
    render, awaited_answer = STAGE_SCREENS[callback_data.screen]
    focus = focus_on(await admin_board(session, actor), callback_data.stage_id)
    await state.clear()
    if awaited_answer is not None:
        await state.set_state(awaited_answer)
        await state.update_data(stage_id=callback_data.stage_id)
    await show_screen(query, render(focus, i18n))


async def move_up_or_down(
    query: CallbackQuery,
    callback_data: MoveStage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await move_stage(
        session, actor=actor, stage_id=callback_data.stage_id, offset=callback_data.offset
    )
    await show_screen(query, await card_of(session, actor, callback_data.stage_id, i18n))


async def set_kind(
    query: CallbackQuery,
    callback_data: SetStageKind,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await update_stage(
        session, actor=actor, stage_id=callback_data.stage_id, kind=callback_data.kind
    )
    await show_screen(query, await card_of(session, actor, callback_data.stage_id, i18n))


async def set_probability(
    query: CallbackQuery,
    callback_data: SetProbability,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await update_stage(
        session,
        actor=actor,
        stage_id=callback_data.stage_id,
        probability=callback_data.probability,
    )
    await state.clear()
    await show_screen(query, await card_of(session, actor, callback_data.stage_id, i18n))


async def clear_idle_days(
    query: CallbackQuery,
    callback_data: ClearIdleDays,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await update_stage(session, actor=actor, stage_id=callback_data.stage_id, clear_idle_days=True)
    await state.clear()
    await show_screen(query, await card_of(session, actor, callback_data.stage_id, i18n))


async def name_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    stage_id: int = (await state.get_data())["stage_id"]
    await update_stage(session, actor=actor, stage_id=stage_id, name=message.text or "")
    await state.clear()
    await send_screen(message, await card_of(session, actor, stage_id, i18n))


async def probability_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    probability = whole_number(message.text)
    if probability is None:
        await message.answer(i18n.get("error-probability-out-of-range"))
        return
    stage_id: int = (await state.get_data())["stage_id"]
    await update_stage(session, actor=actor, stage_id=stage_id, probability=probability)
    await state.clear()
    await send_screen(message, await card_of(session, actor, stage_id, i18n))


async def idle_days_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    """A number of days, or "none" (in either language) to switch the alert off."""
    switch_off = (message.text or "").strip().casefold() in {
        "none",
        i18n.get("stage-idle-none-word").casefold(),
    }
    idle_days = None if switch_off else whole_number(message.text)
    if idle_days is None and not switch_off:
        await message.answer(i18n.get("error-idle-days-out-of-range"))
        return
    stage_id: int = (await state.get_data())["stage_id"]
    await update_stage(
        session, actor=actor, stage_id=stage_id, idle_days=idle_days, clear_idle_days=switch_off
    )
    await state.clear()
    await send_screen(message, await card_of(session, actor, stage_id, i18n))


async def ask_before_deleting(
    query: CallbackQuery,
    callback_data: DeleteTargets,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    focus = focus_on(await admin_board(session, actor), callback_data.stage_id)
    await show_screen(query, delete_choice(focus, callback_data.page, i18n))


async def delete_picked_stage(
    query: CallbackQuery,
    callback_data: DeleteStage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    name = stage_name(await get_stage(session, callback_data.stage_id), i18n)
    await delete_stage(
        session,
        actor=actor,
        stage_id=callback_data.stage_id,
        move_leads_to=callback_data.move_leads_to,
    )
    board = await admin_board(session, actor)
    notice = tr(i18n, "stage-deleted", stage=name)
    await show_screen(query, stage_list(board, 0, i18n, notice=notice))


async def ask_new_stage_name(
    query: CallbackQuery, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    board = await admin_board(session, actor)
    await state.set_state(StageInput.new_stage_name)
    await state.update_data(pipeline_id=board.pipeline.id)
    await show_screen(query, new_stage_prompt(i18n))


async def new_stage_name_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    pipeline_id: int = (await state.get_data())["pipeline_id"]
    stage = await add_stage(session, actor=actor, pipeline_id=pipeline_id, name=message.text or "")
    await state.clear()
    await send_screen(message, await card_of(session, actor, stage.id, i18n))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_stages, Command("stages"))
    router.callback_query.register(turn_stages_page, StagesPage.filter())
    router.callback_query.register(show_stage_screen, StageView.filter())
    router.callback_query.register(move_up_or_down, MoveStage.filter())
    router.callback_query.register(set_kind, SetStageKind.filter())
    router.callback_query.register(set_probability, SetProbability.filter())
    router.callback_query.register(clear_idle_days, ClearIdleDays.filter())
    router.message.register(name_typed, StateFilter(StageInput.name), TYPED_ANSWER)
    router.message.register(probability_typed, StateFilter(StageInput.probability), TYPED_ANSWER)
    router.message.register(idle_days_typed, StateFilter(StageInput.idle_days), TYPED_ANSWER)
    router.callback_query.register(ask_before_deleting, DeleteTargets.filter())
    router.callback_query.register(delete_picked_stage, DeleteStage.filter())
    router.callback_query.register(ask_new_stage_name, AddStage.filter())
    router.message.register(
        new_stage_name_typed, StateFilter(StageInput.new_stage_name), TYPED_ANSWER
    )
    return router
