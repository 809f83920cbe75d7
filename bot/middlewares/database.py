"""One database session per update, and nothing shown before it is committed.

The update's transaction is committed right before the first Bot API call the update makes
(and at its end), so a person sees a confirmation only of what is saved, and no Telegram wait
ever holds SQLite's write lock. What the change tells other people goes to the outbox in the
same commit; the sender is woken after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import NotSaved
from crm.notifications import commit_with_notifications

if TYPE_CHECKING:
    from aiogram import Bot


class Wakeable(Protocol):
    """Whoever sends the outbox: told that new rows may have been committed."""

    def wake(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _OpenUpdate:
    session: AsyncSession
    outbox: Wakeable


_open_update: ContextVar[_OpenUpdate | None] = ContextVar("open_update", default=None)


class DatabaseSession(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], outbox: Wakeable):
        self.session_factory = session_factory
        self.outbox = outbox

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            data["own_transaction"] = self.own_transaction
            token = _open_update.set(_OpenUpdate(session, self.outbox))
            try:
                result = await handler(event, data)
                await commit_update(session, self.outbox)
            finally:
                _open_update.reset(token)
        return result

    @asynccontextmanager
    async def own_transaction(self) -> AsyncIterator[AsyncSession]:
        """A second session for work the update must not commit in pieces (an import whose
        progress the person watches): committed, with what it tells others, when the block
        ends, rolled back if it fails."""
        async with self.session_factory() as session:
            yield session
            await commit_update(session, self.outbox)


async def commit_update(session: AsyncSession, outbox: Wakeable) -> None:
    """Commit what the update changed; a failed commit is :class:`NotSaved`, answered as
    "not saved, try again" by the errors router."""
    if not session.in_transaction():
        return
    try:
        await commit_with_notifications(session)
    except SQLAlchemyError as error:
        raise NotSaved(str(error)) from error
    outbox.wake()


class CommitBeforeSending(BaseRequestMiddleware):
    """A Bot API call made while an update's transaction is open commits it first."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        update = _open_update.get()
        if update is not None:
            await commit_update(update.session, update.outbox)
        return await make_request(bot, method)
