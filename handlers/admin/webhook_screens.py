"""What ``/webhooks`` shows: the list, a webhook's card with its events as checkboxes, the
new webhook's event picker, its secret (once), the delivery log and the delete question."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import Staff, Webhook, WebhookAttempt, WebhookEvent
from handlers.common.paging import page_navigation, page_of
from handlers.common.screens import Screen, button, checkbox, with_notice
from handlers.common.text import local_time, shorten, tr

URL_SHOWN = 80
ERROR_SHOWN = 80


class WebhooksPage(CallbackData, prefix="whp"):
    page: int


class WebhookScreen(StrEnum):
    CARD = "c"
    LOG = "l"
    DELETE = "x"


class WebhookView(CallbackData, prefix="whv"):
    webhook_id: int
    screen: WebhookScreen


class NewWebhook(CallbackData, prefix="whn"):
    pass


class DraftEvent(CallbackData, prefix="whd"):
    """Tick or untick an event of the webhook being added."""

    event: WebhookEvent


class CreateWebhook(CallbackData, prefix="whc"):
    pass


class ToggleWebhookEvent(CallbackData, prefix="wht"):
    webhook_id: int
    event: WebhookEvent


class ResumeWebhook(CallbackData, prefix="whr"):
    webhook_id: int


class DeleteWebhook(CallbackData, prefix="whx"):
    webhook_id: int


def event_label(event: WebhookEvent, i18n: I18nContext) -> str:
    return i18n.get(f"webhook-event-{event.value.replace('.', '-').replace('_', '-')}")


def _status(webhook: Webhook, i18n: I18nContext) -> str:
    return i18n.get("webhooks-paused") if webhook.paused_at else i18n.get("webhooks-active")


def webhooks_list(webhooks: list[Webhook], page: int, i18n: I18nContext) -> Screen:
    shown = page_of(webhooks, page)
    kb = InlineKeyboardBuilder()
    for webhook in shown.items:
        kb.button(
            text=f"{_status(webhook, i18n)} {shorten(webhook.url, URL_SHOWN)}",
            callback_data=WebhookView(webhook_id=webhook.id, screen=WebhookScreen.CARD),
        )
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: WebhooksPage(page=number)))
    kb.row(button(i18n.get("webhooks-btn-new"), NewWebhook()))
    return Screen(i18n.get("webhooks-list", count=len(webhooks)), kb.as_markup())


def url_prompt(i18n: I18nContext) -> Screen:
    return Screen(i18n.get("webhooks-ask-url"))


def draft_picker(url: str, chosen: Collection[WebhookEvent], i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for event in WebhookEvent:
        kb.button(
            text=checkbox(event in chosen, event_label(event, i18n)),
            callback_data=DraftEvent(event=event),
        )
    kb.adjust(2)
    kb.row(button(i18n.get("webhooks-btn-create"), CreateWebhook()))
    return Screen(tr(i18n, "webhooks-pick-events", url=url), kb.as_markup())


def webhook_card(
    webhook: Webhook, waiting: int, i18n: I18nContext, *, notice: str | None = None
) -> Screen:
    chosen = {WebhookEvent(value) for value in webhook.events}
    lines = [
        tr(i18n, "webhooks-card", url=webhook.url, status=_status(webhook, i18n)),
        i18n.get("webhooks-waiting", count=waiting),
    ]
    if webhook.paused_at is not None:
        lines.append(i18n.get("webhooks-paused-why", failures=webhook.consecutive_failures))
    kb = InlineKeyboardBuilder()
    for event in WebhookEvent:
        kb.button(
            text=checkbox(event in chosen, event_label(event, i18n)),
            callback_data=ToggleWebhookEvent(webhook_id=webhook.id, event=event),
        )
    kb.adjust(2)
    if webhook.paused_at is not None:
        kb.row(button(i18n.get("webhooks-btn-resume"), ResumeWebhook(webhook_id=webhook.id)))
    kb.row(
        button(
            i18n.get("webhooks-btn-log"),
            WebhookView(webhook_id=webhook.id, screen=WebhookScreen.LOG),
        ),
        button(
            i18n.get("webhooks-btn-delete"),
            WebhookView(webhook_id=webhook.id, screen=WebhookScreen.DELETE),
        ),
    )
    kb.row(button(i18n.get("webhooks-btn-back"), WebhooksPage(page=0)))
    return Screen(with_notice(notice, "\n".join(lines)), kb.as_markup())


def secret_notice(webhook: Webhook, i18n: I18nContext) -> str:
    return tr(i18n, "webhooks-created", secret=webhook.secret)


def delivery_log_screen(
    webhook: Webhook,
    attempts: list[tuple[WebhookAttempt, str]],
    viewer: Staff,
    i18n: I18nContext,
) -> Screen:
    lines = [tr(i18n, "webhooks-log-title", url=shorten(webhook.url, URL_SHOWN))]
    if not attempts:
        lines.append(i18n.get("webhooks-log-empty"))
    lines += [
        tr(
            i18n,
            "webhooks-log-line",
            when=local_time(attempt.attempted_at, viewer),
            status=str(attempt.status_code) if attempt.status_code else "—",
            latency=attempt.latency_ms,
            attempt=attempt.attempt,
            event=event_type,
            error=shorten(attempt.error or "", ERROR_SHOWN),
        )
        for attempt, event_type in attempts
    ]
    back = WebhookView(webhook_id=webhook.id, screen=WebhookScreen.CARD)
    kb = InlineKeyboardBuilder()
    kb.row(
        button(
            i18n.get("webhooks-btn-refresh"),
            WebhookView(webhook_id=webhook.id, screen=WebhookScreen.LOG),
        )
    )
    kb.row(button(i18n.get("webhooks-btn-back"), back))
    return Screen("\n".join(lines), kb.as_markup())


def delete_question(webhook: Webhook, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.row(button(i18n.get("webhooks-btn-delete-yes"), DeleteWebhook(webhook_id=webhook.id)))
    kb.row(
        button(
            i18n.get("webhooks-btn-back"),
            WebhookView(webhook_id=webhook.id, screen=WebhookScreen.CARD),
        )
    )
    return Screen(tr(i18n, "webhooks-delete-question", url=webhook.url), kb.as_markup())
