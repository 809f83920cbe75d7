"""Buttons of the lead card and their callback data (at most 64 bytes with the largest ids)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import LostReason, Staff, Stage, StageKind
from crm.services.cards import LeadCard, NeedsLostReason
from handlers.board_app import board_button
from handlers.common.text import stage_name
from handlers.leads.rendering import lost_reason_key


class LeadActionKind(StrEnum):
    OPEN = "o"
    NEXT = "n"
    PREVIOUS = "p"
    WON = "w"
    LOST = "l"
    PICK_STAGE = "s"
    NOTE = "t"
    CALLED = "c"
    WROTE = "m"
    TASK = "k"
    TAGS = "g"
    EDIT = "e"
    ASSIGN = "a"
    CONVERT = "v"
    CUSTOMER = "u"


class LeadAction(CallbackData, prefix="ld"):
    lead_id: int
    action: LeadActionKind
    version: int


class MoveToStage(CallbackData, prefix="lm"):
    lead_id: int
    stage_id: int
    version: int


class PickLostReason(CallbackData, prefix="lr"):
    """A reason picked from the list; OTHER asks for the rep's own words."""

    lead_id: int
    reason: LostReason
    version: int


def action(card: LeadCard, kind: LeadActionKind) -> str:
    return LeadAction(lead_id=card.lead.id, action=kind, version=card.lead.version).pack()


def lead_card_keyboard(card: LeadCard, viewer: Staff, i18n: I18nContext) -> InlineKeyboardMarkup:
    """The card's buttons, built as the markup itself: every card shown makes one, so it
    skips the builder's deep copy of each button (about half a millisecond a card)."""
    open_now = card.lead.stage.kind == StageKind.OPEN
    rows: list[list[tuple[str, LeadActionKind]]] = [
        [("btn-previous", LeadActionKind.PREVIOUS), ("btn-next", LeadActionKind.NEXT)],
        [
            ("btn-won", LeadActionKind.WON),
            ("btn-lost", LeadActionKind.LOST),
            ("btn-stage", LeadActionKind.PICK_STAGE),
        ]
        if open_now
        else [("btn-stage", LeadActionKind.PICK_STAGE)],
        [
            ("btn-note", LeadActionKind.NOTE),
            ("btn-called", LeadActionKind.CALLED),
            ("btn-wrote", LeadActionKind.WROTE),
        ],
        [
            ("btn-task", LeadActionKind.TASK),
            ("btn-tags", LeadActionKind.TAGS),
            ("btn-edit", LeadActionKind.EDIT),
        ],
        _last_row(card, viewer),
    ]
    keyboard = [[_button(i18n, key, card, kind) for key, kind in row] for row in rows if row]
    board = board_button(i18n, lead_id=card.lead.id)
    if board is not None:
        keyboard.append([board])
    return InlineKeyboardMarkup(inline_keyboard=keyboard)


def _last_row(card: LeadCard, viewer: Staff) -> list[tuple[str, LeadActionKind]]:
    row = []
    if viewer.oversees_others:
        row.append(("btn-assign", LeadActionKind.ASSIGN))
    if card.lead.order_id is None:
        row.append(("btn-convert", LeadActionKind.CONVERT))
    if card.lead.customer_id is not None:
        row.append(("btn-customer", LeadActionKind.CUSTOMER))
    return row


def _button(
    i18n: I18nContext, key: str, card: LeadCard, kind: LeadActionKind
) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=i18n.get(key), callback_data=action(card, kind))


def stage_picker(card: LeadCard, stages: list[Stage], i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for stage in stages:
        if stage.id == card.lead.stage_id:
            continue
        kb.button(
            text=stage_name(stage, i18n),
            callback_data=MoveToStage(
                lead_id=card.lead.id, stage_id=stage.id, version=card.lead.version
            ),
        )
    kb.button(
        text=i18n.get("back"),
        callback_data=LeadAction(
            lead_id=card.lead.id, action=LeadActionKind.OPEN, version=card.lead.version
        ),
    )
    kb.adjust(2)
    return kb.as_markup()


def lost_reasons(asked: NeedsLostReason, i18n: I18nContext) -> InlineKeyboardMarkup:
    """A button per reason ("other" last, as ``LostReason`` lists them), then back."""
    kb = InlineKeyboardBuilder()
    for reason in LostReason:
        kb.button(
            text=i18n.get(lost_reason_key(reason)),
            callback_data=PickLostReason(
                lead_id=asked.lead_id, reason=reason, version=asked.version
            ),
        )
    kb.button(
        text=i18n.get("back"),
        callback_data=LeadAction(
            lead_id=asked.lead_id, action=LeadActionKind.OPEN, version=asked.version
        ),
    )
    kb.adjust(1)
    return kb.as_markup()
