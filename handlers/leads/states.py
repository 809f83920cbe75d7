from typing import ClassVar

from aiogram.fsm.state import State, StatesGroup

from handlers.common.flows import FlowData
from handlers.leads.activity_keyboards import LeadField


class LeadInput(StatesGroup):
    """Waiting for a person to type what closing a lead needs."""

    won_value = State()
    lost_reason = State()


class WonValueAsked(FlowData):
    """The lead whose value is asked for, to win it, as the card showed it."""

    destiny: ClassVar[str] = "won-value"
    lead_id: int
    version: int


class LostWordsAsked(FlowData):
    """The lead whose reason "other" is asked for in words, as the card showed it."""

    destiny: ClassVar[str] = "lost-words"
    lead_id: int
    version: int


class LeadCardInput(StatesGroup):
    """Waiting for text for one lead."""

    note = State()
    tags = State()
    field_value = State()


class FieldValueAsked(FlowData):
    """The field asked for, of the lead as its card showed it."""

    destiny: ClassVar[str] = "field-value"
    lead_id: int
    field: LeadField
    version: int
