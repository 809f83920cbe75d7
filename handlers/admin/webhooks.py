"""``/webhooks``: admins add an address and the events it receives (its secret is shown once,
when it is created), change its events, read its delivery log, resume it after it was paused
for failing, and delete it."""

from __future__ import annotations

from typing import ClassVar

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Role, Staff, Webhook, WebhookEvent
from crm.services.access import require_role
from crm.services.webhooks import (
    admin_webhook,
    checked_webhook_url,
    create_webhook,
    delete_webhook,
    delivery_log,
    list_webhooks,
    resume_webhook,
    toggle_webhook_event,
    waiting_deliveries,
)
from crm.webhook_targets import TargetPolicy
from handlers.admin.webhook_screens import (
    CreateWebhook,
    DeleteWebhook,
    DraftEvent,
    NewWebhook,
    ResumeWebhook,
    ToggleWebhookEvent,
    WebhookScreen,
    WebhooksPage,
    WebhookView,
    delete_question,
    delivery_log_screen,
    draft_picker,
    secret_notice,
    url_prompt,
    webhook_card,
    webhooks_list,
)
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.screens import Screen, send_screen, show_screen
from handlers.common.text import tr


class WebhookInput(StatesGroup):
    url = State()


class WebhookDraft(FlowData):
    """The webhook being added: its checked address (empty while it is asked for) and the
    events ticked so far."""

    destiny: ClassVar[str] = "webhook-draft"
    url: str = ""
    events: tuple[WebhookEvent, ...] = ()


async def card_of(
    session: AsyncSession,
    actor: Staff,
    webhook: Webhook,
    i18n: I18nContext,
    notice: str | None = None,
) -> Screen:
    waiting = await waiting_deliveries(session, actor=actor, webhook_id=webhook.id)
    return webhook_card(webhook, waiting, i18n, notice=notice)


async def show_webhooks(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    webhooks = await list_webhooks(session, actor=actor)
    await state.set_state(None)
    await send_screen(message, webhooks_list(webhooks, 0, i18n))


async def turn_webhooks_page(
    query: CallbackQuery,
    callback_data: WebhooksPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    webhooks = await list_webhooks(session, actor=actor)
    await show_screen(query, webhooks_list(webhooks, callback_data.page, i18n))


async def ask_for_url(
    query: CallbackQuery, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    require_role(actor, Role.ADMIN)
    await ask(state, WebhookInput.url, WebhookDraft())
    await show_screen(query, url_prompt(i18n))


async def url_typed(
    message: Message,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    webhook_targets: TargetPolicy,
) -> None:
    """A refused address is answered with the reason and the question stays open."""
    url = await checked_webhook_url(actor, message.text or "", webhook_targets)
    await state.set_state(None)
    await WebhookDraft(url=url).save(state)
    await send_screen(message, draft_picker(url, (), i18n))


async def tick_draft_event(
    query: CallbackQuery,
    callback_data: DraftEvent,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    require_role(actor, Role.ADMIN)
    draft = await WebhookDraft.load(state)
    if draft is None or not draft.url:
        await query.answer(i18n.get("webhooks-draft-gone"), show_alert=True)
        return
    chosen = set(draft.events) ^ {callback_data.event}
    draft = WebhookDraft(url=draft.url, events=tuple(e for e in WebhookEvent if e in chosen))
    await draft.save(state)
    await show_screen(query, draft_picker(draft.url, draft.events, i18n))


async def create(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    webhook_targets: TargetPolicy,
) -> None:
    draft = await WebhookDraft.load(state)
    if draft is None or not draft.url:
        await query.answer(i18n.get("webhooks-draft-gone"), show_alert=True)
        return
    webhook = await create_webhook(
        session, actor=actor, url=draft.url, events=draft.events, policy=webhook_targets
    )
    await answered(state, WebhookDraft)
    await show_screen(
        query, await card_of(session, actor, webhook, i18n, secret_notice(webhook, i18n))
    )


async def show_webhook_screen(
    query: CallbackQuery,
    callback_data: WebhookView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    webhook = await admin_webhook(session, actor=actor, webhook_id=callback_data.webhook_id)
    match callback_data.screen:
        case WebhookScreen.LOG:
            attempts = await delivery_log(session, actor=actor, webhook_id=webhook.id)
            screen = delivery_log_screen(webhook, attempts, actor, i18n)
        case WebhookScreen.DELETE:
            screen = delete_question(webhook, i18n)
        case _:
            screen = await card_of(session, actor, webhook, i18n)
    await show_screen(query, screen)


async def toggle_event(
    query: CallbackQuery,
    callback_data: ToggleWebhookEvent,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    webhook = await toggle_webhook_event(
        session, actor=actor, webhook_id=callback_data.webhook_id, event=callback_data.event
    )
    await show_screen(query, await card_of(session, actor, webhook, i18n))


async def resume(
    query: CallbackQuery,
    callback_data: ResumeWebhook,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    webhook = await resume_webhook(session, actor=actor, webhook_id=callback_data.webhook_id)
    notice = i18n.get("webhooks-resumed")
    await show_screen(query, await card_of(session, actor, webhook, i18n, notice))


async def delete(
    query: CallbackQuery,
    callback_data: DeleteWebhook,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    webhook = await delete_webhook(session, actor=actor, webhook_id=callback_data.webhook_id)
    webhooks = await list_webhooks(session, actor=actor)
    notice = tr(i18n, "webhooks-deleted", url=webhook.url)
    await show_screen(query, webhooks_list(webhooks, 0, i18n), notice=notice)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_webhooks, Command("webhooks"))
    router.callback_query.register(turn_webhooks_page, WebhooksPage.filter())
    router.callback_query.register(ask_for_url, NewWebhook.filter())
    router.message.register(
        url_typed, StateFilter(WebhookInput.url), TYPED_ANSWER, Pending(WebhookDraft)
    )
    router.callback_query.register(tick_draft_event, DraftEvent.filter())
    router.callback_query.register(create, CreateWebhook.filter())
    router.callback_query.register(show_webhook_screen, WebhookView.filter())
    router.callback_query.register(toggle_event, ToggleWebhookEvent.filter())
    router.callback_query.register(resume, ResumeWebhook.filter())
    router.callback_query.register(delete, DeleteWebhook.filter())
    return router
