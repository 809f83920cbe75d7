"""``/delivery``: admins see how much of the outbox waits, what was given up and why, and can
send the given-up messages again."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff
from crm.services.delivery import DeliveryReport, delivery_report, retry_failed_deliveries
from handlers.common.screens import Screen, button, one_per_row, send_screen, show_screen
from handlers.common.text import local_time, shorten, tr

ERROR_SHOWN = 120


class RetryFailed(CallbackData, prefix="dlr"):
    pass


async def show_delivery(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    report = await delivery_report(session, actor=actor)
    await send_screen(message, delivery_screen(report, actor, i18n))


async def retry_failed(
    query: CallbackQuery, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    retried = await retry_failed_deliveries(session, actor=actor)
    report = await delivery_report(session, actor=actor)
    notice = i18n.get("delivery-retried", count=retried)
    await show_screen(query, delivery_screen(report, actor, i18n), notice)


def delivery_screen(report: DeliveryReport, viewer: Staff, i18n: I18nContext) -> Screen:
    health = report.health
    lines = [i18n.get("delivery-title")]
    if health.oldest_pending_due is None:
        lines.append(i18n.get("delivery-nothing-waiting"))
    else:
        oldest = local_time(health.oldest_pending_due, viewer)
        lines.append(i18n.get("delivery-waiting", count=health.pending, oldest=oldest))
    lines.append(i18n.get("delivery-failed", count=health.failed))
    lines += [
        tr(
            i18n,
            "delivery-failure",
            name=failure.recipient,
            error=shorten(failure.error, ERROR_SHOWN),
            when=local_time(failure.created_at, viewer),
        )
        for failure in report.failures
    ]
    keyboard = (
        one_per_row(button(i18n.get("delivery-retry"), RetryFailed())) if health.failed else None
    )
    return Screen("\n".join(lines), keyboard)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_delivery, Command("delivery"))
    router.callback_query.register(retry_failed, RetryFailed.filter())
    return router
