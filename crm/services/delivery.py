"""What admins see of the outbox: how much waits, what was given up, and a second chance."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox
from crm.models import Role, Staff, utcnow
from crm.services.access import require_role


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    health: outbox.OutboxHealth
    failures: list[outbox.FailedDelivery]


async def delivery_report(session: AsyncSession, *, actor: Staff) -> DeliveryReport:
    require_role(actor, Role.ADMIN)
    return DeliveryReport(
        health=await outbox.outbox_health(session),
        failures=await outbox.recent_failures(session),
    )


async def retry_failed_deliveries(session: AsyncSession, *, actor: Staff) -> int:
    require_role(actor, Role.ADMIN)
    return await outbox.retry_failed(session, now=utcnow())
