from aiogram.fsm.state import State, StatesGroup


class LeadInput(StatesGroup):
    """Waiting for a person to type something for one lead (kept in the FSM data)."""

    won_value = State()
    lost_reason = State()
