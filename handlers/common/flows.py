"""What one flow of a conversation remembers between a person's updates, typed.

Each flow keeps its data as a pydantic model under a storage key of its own (aiogram's
"destiny"), beside the chat's FSM state instead of inside its data. So a flow that starts,
rewrites or ends cannot touch what another flow keeps: a note typed for a lead leaves the
search results on screen pageable, and ``/cancel`` stops the question being asked without
forgetting them. The FSM state itself, which typed answer the bot waits for, stays one per
chat, as a chat has one text box.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, Self

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import TelegramObject
from pydantic import BaseModel, ConfigDict, ValidationError


class FlowData(BaseModel):
    """A flow's data; subclasses name their storage key in ``destiny``."""

    model_config = ConfigDict(frozen=True)

    destiny: ClassVar[str]

    async def save(self, state: FSMContext) -> None:
        await _storage_of(state, self.destiny).set_data(self.model_dump(mode="json"))

    @classmethod
    async def load(cls, state: FSMContext) -> Self | None:
        """The flow's data, or None when the flow is not under way (or its data is from an
        older release of the bot and no longer reads)."""
        data = await _storage_of(state, cls.destiny).get_data()
        if not data:
            return None
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None

    @classmethod
    async def forget(cls, state: FSMContext) -> None:
        await _storage_of(state, cls.destiny).set_data({})


def _storage_of(state: FSMContext, destiny: str) -> FSMContext:
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=destiny))


async def ask(state: FSMContext, question: State, pending: FlowData) -> None:
    """Wait for the typed answer to ``question``; ``pending`` is what the answer is for."""
    await pending.save(state)
    await state.set_state(question)


async def answered(state: FSMContext, flow: type[FlowData]) -> None:
    """The question of ``flow`` is answered: stop waiting, and forget what it was for."""
    await state.set_state(None)
    await flow.forget(state)


class Pending(Filter):
    """Passes when ``flow`` is under way, handing its data to the handler as ``pending``."""

    def __init__(self, flow: type[FlowData]) -> None:
        self.flow = flow

    async def __call__(self, event: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        pending = await self.flow.load(state)
        return False if pending is None else {"pending": pending}
