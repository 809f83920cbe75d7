"""What ``/stages`` shows: the stage list, a stage's card and the questions asked about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.errors import NotFound
from crm.models import Stage, StageKind
from crm.services.board import Board, StageColumn
from handlers.common.paging import page_holding, page_navigation, page_of
from handlers.common.screens import (
    Screen,
    button,
    checkbox,
    one_per_row,
    with_notice,
)
from handlers.common.text import pipeline_name, stage_name, tr

PROBABILITY_CHOICES = range(0, 101, 10)
PROBABILITY_ROWS = (6, 5)


class StagesPage(CallbackData, prefix="st"):
    page: int


class StageScreen(StrEnum):
    CARD = "c"
    KIND = "k"
    PROBABILITY = "p"
    IDLE_DAYS = "i"
    RENAME = "r"


class StageView(CallbackData, prefix="stv"):
    stage_id: int
    screen: StageScreen


class MoveStage(CallbackData, prefix="stm"):
    stage_id: int
    offset: int


class SetStageKind(CallbackData, prefix="stk"):
    stage_id: int
    kind: StageKind


class SetProbability(CallbackData, prefix="stp"):
    stage_id: int
    probability: int


class ClearIdleDays(CallbackData, prefix="sti"):
    stage_id: int


class DeleteTargets(CallbackData, prefix="stx"):
    """Deleting a stage: confirm it, or pick (from this page) where its leads go."""

    stage_id: int
    page: int


class DeleteStage(CallbackData, prefix="std"):
    stage_id: int
    move_leads_to: int | None = None


class AddStage(CallbackData, prefix="sta"):
    """Ask for the new stage's name."""


@dataclass(frozen=True)
class StageFocus:
    """One stage of the board, with its place in the pipeline."""

    board: Board
    index: int

    @property
    def column(self) -> StageColumn:
        return self.board.columns[self.index]

    @property
    def stage(self) -> Stage:
        return self.column.stage

    def view(self, screen: StageScreen = StageScreen.CARD) -> StageView:
        return StageView(stage_id=self.stage.id, screen=screen)


def focus_on(board: Board, stage_id: int) -> StageFocus:
    for index, column in enumerate(board.columns):
        if column.stage.id == stage_id:
            return StageFocus(board, index)
    raise NotFound(f"stage {stage_id}")


def idle_text(stage: Stage, i18n: I18nContext) -> str:
    if stage.idle_days is None:
        return i18n.get("stage-idle-off")
    return i18n.get("stage-idle-days", days=stage.idle_days)


def kind_text(kind: StageKind, i18n: I18nContext) -> str:
    return i18n.get(f"stage-kind-{kind.value}")


def stage_list(board: Board, page: int, i18n: I18nContext, notice: str | None = None) -> Screen:
    shown = page_of(board.columns, page)
    first_position = shown.page * shown.page_size + 1
    lines = [tr(i18n, "stages-title", pipeline=pipeline_name(board.pipeline, i18n))]
    kb = InlineKeyboardBuilder()
    for position, column in enumerate(shown.items, start=first_position):
        lines.append(_list_line(column, position, i18n))
        kb.button(
            text=i18n.get(
                "stages-btn-stage",
                position=position,
                stage=stage_name(column.stage, i18n),
                count=column.count,
            ),
            callback_data=StageView(stage_id=column.stage.id, screen=StageScreen.CARD),
        )
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: StagesPage(page=number)))
    kb.row(button(i18n.get("stages-btn-add"), AddStage()))
    return Screen(with_notice(notice, "\n".join(lines)), kb.as_markup())


def _list_line(column: StageColumn, position: int, i18n: I18nContext) -> str:
    return tr(
        i18n,
        "stages-line",
        position=position,
        stage=stage_name(column.stage, i18n),
        kind=kind_text(column.stage.kind, i18n),
        probability=column.stage.probability,
        idle=idle_text(column.stage, i18n),
        count=column.count,
    )


def stage_card(focus: StageFocus, i18n: I18nContext, notice: str | None = None) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.row(*_order_buttons(focus, i18n))
    kb.row(
        button(i18n.get("stage-btn-kind"), focus.view(StageScreen.KIND)),
        button(i18n.get("stage-btn-probability"), focus.view(StageScreen.PROBABILITY)),
        button(i18n.get("stage-btn-idle"), focus.view(StageScreen.IDLE_DAYS)),
    )
    kb.row(
        button(i18n.get("stage-btn-delete"), DeleteTargets(stage_id=focus.stage.id, page=0)),
        button(i18n.get("back"), StagesPage(page=page_holding(focus.index))),
    )
    return Screen(with_notice(notice, _describe(focus, i18n)), kb.as_markup())


def _order_buttons(focus: StageFocus, i18n: I18nContext) -> list[InlineKeyboardButton]:
    buttons = [button(i18n.get("stage-btn-rename"), focus.view(StageScreen.RENAME))]
    if focus.index > 0:
        buttons.append(button(i18n.get("stage-btn-up"), _move(focus, -1)))
    if focus.index < len(focus.board.columns) - 1:
        buttons.append(button(i18n.get("stage-btn-down"), _move(focus, 1)))
    return buttons


def _move(focus: StageFocus, offset: int) -> MoveStage:
    return MoveStage(stage_id=focus.stage.id, offset=offset)


def _describe(focus: StageFocus, i18n: I18nContext) -> str:
    stage = focus.stage
    return tr(
        i18n,
        "stage-card",
        stage=stage_name(stage, i18n),
        position=focus.index + 1,
        total=len(focus.board.columns),
        kind=kind_text(stage.kind, i18n),
        probability=stage.probability,
        idle=idle_text(stage, i18n),
        count=focus.column.count,
    )


def kind_picker(focus: StageFocus, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for kind in StageKind:
        kb.button(
            text=checkbox(kind == focus.stage.kind, kind_text(kind, i18n)),
            callback_data=SetStageKind(stage_id=focus.stage.id, kind=kind),
        )
    kb.button(text=i18n.get("back"), callback_data=focus.view())
    kb.adjust(len(StageKind), 1)
    return _question(focus, i18n, i18n.get("stage-pick-kind"), kb.as_markup())


def probability_picker(focus: StageFocus, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for probability in PROBABILITY_CHOICES:
        kb.button(
            text=checkbox(probability == focus.stage.probability, f"{probability}%"),
            callback_data=SetProbability(stage_id=focus.stage.id, probability=probability),
        )
    kb.button(text=i18n.get("back"), callback_data=focus.view())
    kb.adjust(*PROBABILITY_ROWS, 1)
    return _question(focus, i18n, i18n.get("stage-pick-probability"), kb.as_markup())


def idle_days_prompt(focus: StageFocus, i18n: I18nContext) -> Screen:
    keyboard = one_per_row(
        button(i18n.get("stage-btn-idle-off"), ClearIdleDays(stage_id=focus.stage.id)),
        button(i18n.get("back"), focus.view()),
    )
    return _question(focus, i18n, i18n.get("stage-ask-idle-days"), keyboard)


def rename_prompt(focus: StageFocus, i18n: I18nContext) -> Screen:
    keyboard = one_per_row(button(i18n.get("back"), focus.view()))
    return _question(focus, i18n, i18n.get("stage-ask-name"), keyboard)


def delete_choice(focus: StageFocus, page: int, i18n: I18nContext) -> Screen:
    """An empty stage is deleted on confirmation; a stage with leads asks where they go."""
    if focus.column.count == 0:
        keyboard = one_per_row(
            button(i18n.get("stage-btn-delete-now"), DeleteStage(stage_id=focus.stage.id)),
            button(i18n.get("back"), focus.view()),
        )
        return _question(focus, i18n, i18n.get("stage-confirm-delete"), keyboard)
    targets = [column.stage for column in focus.board.columns if column is not focus.column]
    shown = page_of(targets, page)
    kb = InlineKeyboardBuilder()
    for target in shown.items:
        kb.button(
            text=stage_name(target, i18n),
            callback_data=DeleteStage(stage_id=focus.stage.id, move_leads_to=target.id),
        )
    kb.adjust(1)
    kb.row(
        *page_navigation(
            shown, i18n, lambda number: DeleteTargets(stage_id=focus.stage.id, page=number)
        )
    )
    kb.row(button(i18n.get("back"), focus.view()))
    question = i18n.get("stage-pick-target", count=focus.column.count)
    return _question(focus, i18n, question, kb.as_markup())


def new_stage_prompt(i18n: I18nContext) -> Screen:
    keyboard = one_per_row(button(i18n.get("back"), StagesPage(page=0)))
    return Screen(i18n.get("stages-ask-new-name"), keyboard)


def _question(
    focus: StageFocus, i18n: I18nContext, question: str, keyboard: InlineKeyboardMarkup
) -> Screen:
    return Screen(f"{_describe(focus, i18n)}\n\n{question}", keyboard)
