"""The customer card, the 360-degree view: contacts, orders, conversations, loyalty, support,
deals, open tasks and a short timeline. Opened from a lead card or from search results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Customer, Lead, Staff
from crm.money import from_minor_units
from crm.services.access import visible_lead
from crm.services.customers import (
    SUMMARY_ROWS,
    CustomerSummary,
    customer_summary,
    visible_customer,
)
from handlers.common.editing import show_in_place
from handlers.common.text import ELLIPSIS, MESSAGE_LIMIT, local_time, shorten, stage_name, tr
from handlers.leads.keyboards import LeadAction, LeadActionKind

router = Router(name=__name__)

ORDERS_SHOWN = 3
TASKS_SHOWN = 3
TIMELINE_SHOWN = 5
PREVIEW = 100
CONTACTS_SHOWN = 300
BUTTON_TITLE = 40


class CustomerView(CallbackData, prefix="cu"):
    customer_id: int


@router.callback_query(LeadAction.filter(F.action == LeadActionKind.CUSTOMER))
async def open_lead_customer(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    lead = await visible_lead(session, actor=actor, lead_id=callback_data.lead_id)
    if lead.customer_id is None:
        await query.answer(i18n.get("not-found"), show_alert=True)
        return
    back = LeadAction(lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version)
    await _show_customer(query, session, actor, i18n, lead.customer_id, back=back)


@router.callback_query(CustomerView.filter())
async def open_customer(
    query: CallbackQuery,
    callback_data: CustomerView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await _show_customer(query, session, actor, i18n, callback_data.customer_id, back=None)


async def _show_customer(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    customer_id: int,
    *,
    back: LeadAction | None,
) -> None:
    summary = await customer_summary(session, actor=actor, customer_id=customer_id)
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            render_customer_card(summary, actor, i18n),
            customer_keyboard(summary, i18n, back=back),
        )
    await query.answer()


async def customers_of(
    session: AsyncSession, actor: Staff, leads: Iterable[Lead]
) -> list[Customer]:
    """The customers behind these leads, each once, in the leads' order."""
    customer_ids = dict.fromkeys(lead.customer_id for lead in leads if lead.customer_id is not None)
    return [
        await visible_customer(session, actor=actor, customer_id=customer_id)
        for customer_id in customer_ids
    ]


def render_customer_card(summary: CustomerSummary, viewer: Staff, i18n: I18nContext) -> str:
    lines = [
        *_identity_lines(summary, i18n),
        *_order_lines(summary, viewer, i18n),
        *_conversation_lines(summary, viewer, i18n),
        tr(i18n, "customer-loyalty", points=summary.loyalty_balance),
        *_ticket_lines(summary, viewer, i18n),
        *_deal_lines(summary, i18n),
        *_task_lines(summary, viewer, i18n),
        *_timeline_lines(summary.timeline, viewer, i18n),
    ]
    return fit_lines(lines, MESSAGE_LIMIT)


def fit_lines(lines: Sequence[str], limit: int) -> str:
    """As many whole lines as fit in ``limit`` characters: no HTML tag is cut in half."""
    budget = limit - len(ELLIPSIS) - 1
    kept: list[str] = []
    for line in lines:
        budget -= len(line) + 1
        if budget < 0:
            kept.append(ELLIPSIS)
            break
        kept.append(line)
    return "\n".join(kept)


def at_least(rows: Sequence[object]) -> str:
    """A count of rows the summary cut at ``SUMMARY_ROWS``: "10+" when there may be more."""
    return f"{len(rows)}+" if len(rows) >= SUMMARY_ROWS else str(len(rows))


def _joined(values: Iterable[str]) -> str:
    return shorten(", ".join(values), CONTACTS_SHOWN)


def _identity_lines(summary: CustomerSummary, i18n: I18nContext) -> list[str]:
    customer = summary.customer
    lines = [tr(i18n, "customer-title", name=customer.name, customer_id=str(customer.id))]
    if customer.phones:
        lines.append(tr(i18n, "customer-phones", phones=_joined(customer.phones)))
    if customer.emails:
        lines.append(tr(i18n, "customer-emails", emails=_joined(customer.emails)))
    if summary.tags:
        lines.append(tr(i18n, "customer-tags", tags=_joined(f"#{t.name}" for t in summary.tags)))
    return lines


def _order_lines(summary: CustomerSummary, viewer: Staff, i18n: I18nContext) -> list[str]:
    if not summary.order_count:
        return [i18n.get("customer-no-orders")]
    totals = ", ".join(
        i18n.get("money", value=total, currency=currency)
        for currency, total in sorted(summary.orders_total.items())
    )
    lines = [tr(i18n, "customer-orders", count=summary.order_count, totals=totals)]
    lines += [
        tr(
            i18n,
            "customer-order",
            external_id=order.external_id,
            amount=from_minor_units(order.amount_minor),
            currency=order.currency,
            when=local_time(order.created_at, viewer),
        )
        for order in summary.orders[:ORDERS_SHOWN]
    ]
    return lines


def _conversation_lines(summary: CustomerSummary, viewer: Staff, i18n: I18nContext) -> list[str]:
    if not summary.conversations:
        return [i18n.get("customer-no-conversations")]
    lines = [tr(i18n, "customer-conversations", count=at_least(summary.conversations))]
    latest = summary.conversations[0]
    if latest.last_message is not None:
        lines.append(
            tr(
                i18n,
                "customer-last-message",
                channel=latest.conversation.channel,
                direction=latest.last_message.direction.value,
                when=local_time(latest.last_message.sent_at, viewer),
                text=shorten(latest.last_message.text, PREVIEW),
            )
        )
    return lines


def _ticket_lines(summary: CustomerSummary, viewer: Staff, i18n: I18nContext) -> list[str]:
    if not summary.tickets:
        return [i18n.get("customer-no-tickets")]
    latest = summary.tickets[0]
    return [
        tr(
            i18n,
            "customer-tickets",
            open=summary.open_ticket_count,
            total=at_least(summary.tickets),
        ),
        tr(
            i18n,
            "customer-ticket",
            subject=shorten(latest.subject, PREVIEW),
            status=latest.status.value,
            when=local_time(latest.opened_at, viewer),
        ),
    ]


def _deal_lines(summary: CustomerSummary, i18n: I18nContext) -> list[str]:
    """The viewer's deals are counted and have buttons; other reps' deals are only counted."""
    lines = [tr(i18n, "customer-deals", count=at_least(summary.deals))]
    if summary.other_reps_deal_count:
        lines.append(i18n.get("customer-other-reps-deals", count=summary.other_reps_deal_count))
    return lines


def _task_lines(summary: CustomerSummary, viewer: Staff, i18n: I18nContext) -> list[str]:
    if not summary.open_tasks:
        return []
    lines = [tr(i18n, "customer-tasks", count=at_least(summary.open_tasks))]
    lines += [
        tr(
            i18n,
            "customer-task",
            title=shorten(task.title, PREVIEW),
            due=local_time(task.due_at, viewer),
        )
        for task in summary.open_tasks[:TASKS_SHOWN]
    ]
    return lines


def _timeline_lines(timeline: list[Activity], viewer: Staff, i18n: I18nContext) -> list[str]:
    if not timeline:
        return []
    return [i18n.get("customer-timeline")] + [
        _activity_line(activity, viewer, i18n) for activity in timeline[:TIMELINE_SHOWN]
    ]


def _activity_line(activity: Activity, viewer: Staff, i18n: I18nContext) -> str:
    when = local_time(activity.created_at, viewer)
    kind = i18n.get(f"activity-{activity.kind.value}")
    if not activity.text:
        return tr(i18n, "customer-activity", when=when, kind=kind)
    text = shorten(activity.text, PREVIEW)
    return tr(i18n, "customer-activity-with-text", when=when, kind=kind, text=text)


def customer_keyboard(
    summary: CustomerSummary, i18n: I18nContext, *, back: LeadAction | None
) -> InlineKeyboardMarkup:
    """A button per deal the viewer may open, then the way back to the lead card."""
    kb = InlineKeyboardBuilder()
    for deal in summary.deals:
        kb.button(
            text=i18n.get(
                "customer-deal-button",
                title=shorten(deal.title, BUTTON_TITLE),
                stage=stage_name(deal.stage, i18n),
            ),
            callback_data=LeadAction(
                lead_id=deal.id, action=LeadActionKind.OPEN, version=deal.version
            ),
        )
    if back is not None:
        kb.button(text=i18n.get("back"), callback_data=back)
    kb.adjust(1)
    return kb.as_markup()
