"""Telling people about what others did: new leads, wins and losses, assignments.

Runs after the transaction that caused the events has committed, with its own session.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Protocol

from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sending import RateLimitedSender
from crm import events
from crm.models import Lead, Notification, Role, Staff


class Notifier(Protocol):
    async def deliver(self, happened: Sequence[events.DomainEvent]) -> None: ...


class SilentNotifier:
    """For commands and tests that tell nobody."""

    async def deliver(self, happened: Sequence[events.DomainEvent]) -> None:
        return None


class TelegramNotifier:
    def __init__(
        self,
        sender: RateLimitedSender,
        session_factory: async_sessionmaker[AsyncSession],
        translator: FluentRuntimeCore,
    ) -> None:
        self.sender = sender
        self.session_factory = session_factory
        self.translator = translator

    async def deliver(self, happened: Sequence[events.DomainEvent]) -> None:
        async with self.session_factory() as session:
            for event in happened:
                for staff, text in await self._messages(session, event):
                    await self.sender.send_message(staff.telegram_id, text)

    async def _messages(
        self, session: AsyncSession, event: events.DomainEvent
    ) -> list[tuple[Staff, str]]:
        match event:
            case events.LeadCreated(lead_id=lead_id):
                key, notification = "notify-new-lead", Notification.NEW_LEADS
            case events.LeadWon(lead_id=lead_id):
                key, notification = "notify-lead-won", Notification.WINS_AND_LOSSES
            case events.LeadLost(lead_id=lead_id):
                key, notification = "notify-lead-lost", Notification.WINS_AND_LOSSES
            case events.LeadAssigned(lead_id=lead_id, to_user_id=owner_id):
                lead = await session.get(Lead, lead_id)
                owner = await session.get(Staff, owner_id)
                if lead is None or owner is None or owner.id == event.actor_id:
                    return []
                return [(owner, self._render("notify-lead-assigned", owner, lead))]
            case _:
                return []
        lead = await session.get(Lead, lead_id)
        if lead is None:
            return []
        managers = await self._managers_wanting(session, notification, but_not=event.actor_id)
        return [(manager, self._render(key, manager, lead)) for manager in managers]

    async def _managers_wanting(
        self, session: AsyncSession, notification: Notification, *, but_not: int | None
    ) -> list[Staff]:
        rows = await session.scalars(
            select(Staff).where(
                Staff.role.in_([Role.ADMIN, Role.MANAGER]), Staff.is_active.is_(True)
            )
        )
        return [
            staff
            for staff in rows
            if notification.value in staff.notifications and staff.id != but_not
        ]

    def _render(self, key: str, reader: Staff, lead: Lead) -> str:
        locale = reader.language.value
        return self.translator.get(
            key,
            locale,
            title=escape(lead.title),
            lead_id=str(lead.id),
            source=self.translator.get(f"source-{lead.source.value}", locale),
            reason=escape(lead.lost_reason or ""),
            has_value="yes" if lead.value is not None else "no",
            value=lead.value or 0,
            currency=lead.currency,
        )
