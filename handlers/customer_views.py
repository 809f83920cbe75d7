"""How the 360-degree customer card and its sections read, and their buttons."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from functools import partial
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import (
    Activity,
    ConversationMessage,
    FieldDefinition,
    Lead,
    LoyaltyEntry,
    Order,
    Staff,
    SupportTicket,
    Task,
    TicketStatus,
)
from crm.money import from_minor_units
from crm.services.board import Page
from crm.services.customer_card import CustomerCard, Section
from handlers.common.paging import page_navigation
from handlers.common.screens import button
from handlers.common.text import ELLIPSIS, MESSAGE_LIMIT, local_time, shorten, stage_name, tr
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.leads.rendering import field_value_text

PREVIEW = 100
CONTACTS_SHOWN = 300
BUTTON_TITLE = 40
SECTION_ICONS = {
    Section.ORDERS: "🧾",
    Section.MESSAGES: "💬",
    Section.LOYALTY: "🎁",
    Section.TICKETS: "🛟",
    Section.DEALS: "💼",
    Section.TASKS: "⏰",
    Section.TIMELINE: "🕓",
}


class CustomerView(CallbackData, prefix="cu"):
    customer_id: int


class CustomerSectionPage(CallbackData, prefix="cs"):
    customer_id: int
    section: Section
    page: int


class CustomerActionKind(StrEnum):
    ADD_POINTS = "add"
    SPEND_POINTS = "spend"
    OPEN_TICKET = "ticket"


class CustomerAction(CallbackData, prefix="ca"):
    customer_id: int
    action: CustomerActionKind


class CloseTicket(CallbackData, prefix="ct"):
    ticket_id: int


class WhatsAppReply(CallbackData, prefix="wr"):
    customer_id: int


def render_customer_card(card: CustomerCard, viewer: Staff, i18n: I18nContext) -> str:
    lines = [
        *_identity_lines(card, i18n),
        *_value_lines(card, viewer, i18n),
        tr(i18n, "customer-loyalty", points=card.loyalty_balance),
        *_order_lines(card, viewer, i18n),
        *_conversation_lines(card, viewer, i18n),
        *_ticket_lines(card, viewer, i18n),
        *_deal_lines(card, i18n),
        i18n.get("customer-tasks", count=card.counts[Section.TASKS]),
        i18n.get("customer-timeline-count", count=card.counts[Section.TIMELINE]),
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


def _joined(values: Iterable[str]) -> str:
    return shorten(", ".join(values), CONTACTS_SHOWN)


def _money_totals(totals: dict[str, Any], i18n: I18nContext) -> str:
    return ", ".join(
        i18n.get("money", value=total, currency=currency)
        for currency, total in sorted(totals.items())
    )


def _identity_lines(card: CustomerCard, i18n: I18nContext) -> list[str]:
    customer = card.customer
    lines = [tr(i18n, "customer-title", name=customer.name, customer_id=str(customer.id))]
    if customer.phones:
        lines.append(tr(i18n, "customer-phones", phones=_joined(customer.phones)))
    if customer.emails:
        lines.append(tr(i18n, "customer-emails", emails=_joined(customer.emails)))
    if card.tags:
        lines.append(tr(i18n, "customer-tags", tags=_joined(f"#{t.name}" for t in card.tags)))
    if card.possible_duplicates:
        lines.append(i18n.get("customer-possible-duplicates", count=card.possible_duplicates))
    return lines


def _value_lines(card: CustomerCard, viewer: Staff, i18n: I18nContext) -> list[str]:
    if card.first_order_at is None or card.last_order_at is None:
        return []
    return [
        i18n.get(
            "customer-lifetime-value",
            totals=_money_totals(card.lifetime_value, i18n),
            first=local_time(card.first_order_at, viewer),
            last=local_time(card.last_order_at, viewer),
        )
    ]


def _order_lines(card: CustomerCard, viewer: Staff, i18n: I18nContext) -> list[str]:
    if card.latest_order is None:
        return [i18n.get("customer-no-orders")]
    return [
        i18n.get(
            "customer-orders",
            count=card.counts[Section.ORDERS],
            totals=_money_totals(card.lifetime_value, i18n),
        ),
        order_line(card.latest_order, viewer, i18n),
    ]


def _conversation_lines(card: CustomerCard, viewer: Staff, i18n: I18nContext) -> list[str]:
    if not card.conversation_count:
        return [i18n.get("customer-no-conversations")]
    lines = [
        i18n.get(
            "customer-conversations",
            count=card.conversation_count,
            messages=card.counts[Section.MESSAGES],
        )
    ]
    if card.latest_message is not None:
        conversation, message = card.latest_message
        lines.append(message_line((message, conversation.channel), viewer, i18n))
    return lines


def _ticket_lines(card: CustomerCard, viewer: Staff, i18n: I18nContext) -> list[str]:
    if card.latest_ticket is None:
        return [i18n.get("customer-no-tickets")]
    return [
        i18n.get(
            "customer-tickets", open=card.open_ticket_count, total=card.counts[Section.TICKETS]
        ),
        ticket_line(card.latest_ticket, viewer, i18n),
    ]


def _deal_lines(card: CustomerCard, i18n: I18nContext) -> list[str]:
    """The viewer's deals are counted by outcome; other reps' deals are only counted."""
    deals = card.deals
    lines = [i18n.get("customer-deals", open=deals.open, won=deals.won, lost=deals.lost)]
    if deals.others:
        lines.append(i18n.get("customer-other-reps-deals", count=deals.others))
    return lines


def order_line(order: Order, viewer: Staff, i18n: I18nContext) -> str:
    return tr(
        i18n,
        "customer-order",
        external_id=order.external_id,
        amount=from_minor_units(order.amount_minor),
        currency=order.currency,
        when=local_time(order.created_at, viewer),
    )


def message_line(row: tuple[ConversationMessage, str], viewer: Staff, i18n: I18nContext) -> str:
    message, channel = row
    return tr(
        i18n,
        "customer-last-message",
        channel=channel,
        direction=message.direction.value,
        when=local_time(message.sent_at, viewer),
        text=shorten(message.text, PREVIEW),
    )


def loyalty_line(entry: LoyaltyEntry, viewer: Staff, i18n: I18nContext) -> str:
    return tr(
        i18n,
        "customer-loyalty-entry",
        points=f"{entry.points:+d}",
        reason=shorten(entry.reason, PREVIEW),
        when=local_time(entry.created_at, viewer),
    )


def ticket_line(ticket: SupportTicket, viewer: Staff, i18n: I18nContext) -> str:
    line = tr(
        i18n,
        "customer-ticket",
        subject=shorten(ticket.subject, PREVIEW),
        status=ticket.status.value,
        when=local_time(ticket.opened_at, viewer),
    )
    if ticket.closing_note:
        line += "\n" + tr(
            i18n, "customer-ticket-closing-note", note=shorten(ticket.closing_note, PREVIEW)
        )
    return line


def deal_line(
    lead: Lead, viewer: Staff, i18n: I18nContext, fields: Sequence[FieldDefinition] = ()
) -> str:
    """The deal's title and stage, then the custom fields it has filled in."""
    line = tr(
        i18n,
        "customer-deal",
        title=shorten(lead.title, PREVIEW),
        stage=stage_name(lead.stage, i18n),
    )
    filled = [
        tr(i18n, "customer-deal-field", label=definition.label(i18n.locale), value=shown)
        for definition in fields
        if (shown := field_value_text(definition, lead.custom_fields.get(definition.key), i18n))
    ]
    return "\n".join([line, *filled])


def task_line(task: Task, viewer: Staff, i18n: I18nContext) -> str:
    return tr(
        i18n,
        "customer-task",
        title=shorten(task.title, PREVIEW),
        due=local_time(task.due_at, viewer),
    )


def activity_line(activity: Activity, viewer: Staff, i18n: I18nContext) -> str:
    when = local_time(activity.created_at, viewer)
    kind = i18n.get(f"activity-{activity.kind.value}")
    if not activity.text:
        return tr(i18n, "customer-activity", when=when, kind=kind)
    text = shorten(activity.text, PREVIEW)
    return tr(i18n, "customer-activity-with-text", when=when, kind=kind, text=text)


SECTION_LINES: dict[Section, Callable[[Any, Staff, I18nContext], str]] = {
    Section.ORDERS: order_line,
    Section.MESSAGES: message_line,
    Section.LOYALTY: loyalty_line,
    Section.TICKETS: ticket_line,
    Section.DEALS: deal_line,
    Section.TASKS: task_line,
    Section.TIMELINE: activity_line,
}


def render_section(
    card_title: str,
    section: Section,
    page: Page[Any],
    viewer: Staff,
    i18n: I18nContext,
    fields: Sequence[FieldDefinition] = (),
) -> str:
    """A page of a section; deals show the custom ``fields`` they have filled in."""
    heading = i18n.get(
        "customer-section-heading",
        icon=SECTION_ICONS[section],
        section=i18n.get(f"customer-section-{section.name.lower()}"),
        count=page.total,
        page=page.page + 1,
        pages=page.page_count,
    )
    render = (
        partial(deal_line, fields=fields) if section is Section.DEALS else SECTION_LINES[section]
    )
    lines = [card_title, heading] + [render(item, viewer, i18n) for item in page.items]
    if not page.items:
        lines.append(i18n.get("customer-section-empty"))
    return fit_lines(lines, MESSAGE_LIMIT)


def customer_keyboard(
    card: CustomerCard, i18n: I18nContext, *, back: LeadAction | None
) -> InlineKeyboardMarkup:
    """A button per section with its count, the card's actions, then the way back."""
    customer_id = card.customer.id
    kb = InlineKeyboardBuilder()
    for section in Section:
        kb.button(
            text=i18n.get(
                "customer-section-button",
                icon=SECTION_ICONS[section],
                section=i18n.get(f"customer-section-{section.name.lower()}"),
                count=card.counts[section],
            ),
            callback_data=CustomerSectionPage(customer_id=customer_id, section=section, page=0),
        )
    for action in CustomerActionKind:
        kb.button(
            text=i18n.get(f"customer-action-{action.value}"),
            callback_data=CustomerAction(customer_id=customer_id, action=action),
        )
    sizes = [2, 2, 2, 1, 2, 1]
    if card.on_whatsapp:
        kb.button(
            text=i18n.get("customer-whatsapp-reply"),
            callback_data=WhatsAppReply(customer_id=customer_id),
        )
        sizes.append(1)
    if back is not None:
        kb.button(text=i18n.get("back"), callback_data=back)
        sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


def section_keyboard(
    customer_id: int, section: Section, page: Page[Any], i18n: I18nContext
) -> InlineKeyboardMarkup:
    """Buttons for the page's deals and open tickets, ‹ ›, and back to the card."""
    kb = InlineKeyboardBuilder()
    for item in page.items:
        if isinstance(item, Lead):
            kb.button(
                text=i18n.get(
                    "customer-deal-button",
                    title=shorten(item.title, BUTTON_TITLE),
                    stage=stage_name(item.stage, i18n),
                ),
                callback_data=LeadAction(
                    lead_id=item.id, action=LeadActionKind.OPEN, version=item.version
                ),
            )
        elif isinstance(item, SupportTicket) and item.status is TicketStatus.OPEN:
            kb.button(
                text=i18n.get("customer-close-ticket", subject=shorten(item.subject, BUTTON_TITLE)),
                callback_data=CloseTicket(ticket_id=item.id),
            )
    kb.adjust(1)
    kb.row(
        *page_navigation(
            page,
            i18n,
            lambda number: CustomerSectionPage(
                customer_id=customer_id, section=section, page=number
            ),
        )
    )
    kb.row(button(i18n.get("customer-back-to-card"), CustomerView(customer_id=customer_id)))
    return kb.as_markup()
