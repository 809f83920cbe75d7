"""``/forms``: admins open web forms and shop webhooks for leads to come in by, choose who
gets their leads (a person, or the active reps in turn) and which field names a form posts,
and copy a ready HTML form or the address and secret to paste into WooCommerce."""

from __future__ import annotations

from typing import ClassVar

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import IntakeChannel, IntakeKind, Role, Staff
from crm.services.access import require_role
from crm.services.forms import rename_form_fields, set_form_preset
from crm.services.intake import (
    admin_channel,
    list_channels,
    open_channel,
    revoke_channel,
    set_channel_opens_leads,
    set_channel_responsible,
)
from crm.services.staff import get_staff, list_staff
from handlers.admin.form_screens import (
    FormScreen,
    FormsPage,
    FormView,
    NewForm,
    RevokeForm,
    SetFormPreset,
    SetFormResponsible,
    SetOpensLeads,
    field_names_prompt,
    form_card,
    forms_list,
    new_form_prompt,
    preset_picker,
    responsible_picker,
    revoke_confirmation,
    snippet,
)
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.screens import Screen, send_screen, show_screen
from handlers.common.text import tr

FIELD_NAME_SEPARATORS = ("=", ":")


class FormInput(StatesGroup):
    name = State()
    field_names = State()


class FormNameAsked(FlowData):
    """The kind of channel whose name is asked for."""

    destiny: ClassVar[str] = "form-name"
    kind: IntakeKind


class FieldNamesAsked(FlowData):
    destiny: ClassVar[str] = "form-field-names"
    form_id: int


async def card_of(
    session: AsyncSession,
    channel: IntakeChannel,
    public_url: str | None,
    i18n: I18nContext,
    notice: str | None = None,
) -> Screen:
    responsible = (
        await get_staff(session, channel.responsible_id) if channel.responsible_id else None
    )
    return form_card(channel, responsible, public_url, i18n, notice=notice)


async def show_forms(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    channels = await list_channels(session, actor=actor)
    await state.set_state(None)
    await send_screen(message, forms_list(channels, 0, i18n))


async def turn_forms_page(
    query: CallbackQuery,
    callback_data: FormsPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    channels = await list_channels(session, actor=actor)
    await show_screen(query, forms_list(channels, callback_data.page, i18n))


async def ask_for_name(
    query: CallbackQuery,
    callback_data: NewForm,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    require_role(actor, Role.ADMIN)
    await ask(state, FormInput.name, FormNameAsked(kind=callback_data.kind))
    await show_screen(query, new_form_prompt(callback_data.kind, i18n))


async def name_typed(
    message: Message,
    pending: FormNameAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    public_url: str | None,
) -> None:
    channel = await open_channel(
        session, actor=actor, kind=pending.kind, name=message.text or "", responsible_id=None
    )
    await answered(state, FormNameAsked)
    notice = tr(i18n, "forms-opened", name=channel.name)
    await send_screen(message, await card_of(session, channel, public_url, i18n, notice))


async def show_form_screen(
    query: CallbackQuery,
    callback_data: FormView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    public_url: str | None,
) -> None:
    channel = await admin_channel(session, actor=actor, channel_id=callback_data.form_id)
    await answered(state, FieldNamesAsked)
    match callback_data.screen:
        case FormScreen.RESPONSIBLE:
            people = [
                person for person in await list_staff(session, actor=actor) if person.is_active
            ]
            screen = responsible_picker(channel, people, callback_data.page, i18n)
        case FormScreen.PRESET:
            screen = preset_picker(channel, i18n)
        case FormScreen.FIELD_NAMES:
            await ask(state, FormInput.field_names, FieldNamesAsked(form_id=channel.id))
            screen = field_names_prompt(channel, i18n)
        case FormScreen.SNIPPET:
            screen = snippet(channel, public_url, i18n)
        case FormScreen.REVOKE:
            screen = revoke_confirmation(channel, i18n)
        case _:
            screen = await card_of(session, channel, public_url, i18n)
    await show_screen(query, screen)


async def choose_responsible(
    query: CallbackQuery,
    callback_data: SetFormResponsible,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    public_url: str | None,
) -> None:
    channel = await set_channel_responsible(
        session,
        actor=actor,
        channel_id=callback_data.form_id,
        responsible_id=callback_data.staff_id,
    )
    await show_screen(query, await card_of(session, channel, public_url, i18n))


async def choose_opens_leads(
    query: CallbackQuery,
    callback_data: SetOpensLeads,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    public_url: str | None,
) -> None:
    channel = await set_channel_opens_leads(
        session,
        actor=actor,
        channel_id=callback_data.form_id,
        opens_leads=callback_data.opens_leads,
    )
    await show_screen(query, await card_of(session, channel, public_url, i18n))


async def choose_preset(
    query: CallbackQuery,
    callback_data: SetFormPreset,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    public_url: str | None,
) -> None:
    channel = await set_form_preset(
        session, actor=actor, channel_id=callback_data.form_id, preset=callback_data.preset
    )
    await show_screen(query, await card_of(session, channel, public_url, i18n))


async def field_names_typed(
    message: Message,
    pending: FieldNamesAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    public_url: str | None,
) -> None:
    names = typed_field_names(message.text or "")
    if names is None:
        await message.answer(i18n.get("forms-field-names-format"))
        return
    channel = await rename_form_fields(
        session, actor=actor, channel_id=pending.form_id, names=names
    )
    await answered(state, FieldNamesAsked)
    await send_screen(message, await card_of(session, channel, public_url, i18n))


def typed_field_names(text: str) -> dict[str, str] | None:
    """``phone = tel-123`` lines as {our field: their name}; None when a line has no ``=``."""
    names = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        separator = next((mark for mark in FIELD_NAME_SEPARATORS if mark in line), None)
        if separator is None:
            return None
        ours, _, theirs = line.partition(separator)
        names[ours.strip().casefold()] = theirs.strip()
    return names or None


async def revoke(
    query: CallbackQuery,
    callback_data: RevokeForm,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    channel = await revoke_channel(session, actor=actor, channel_id=callback_data.form_id)
    channels = await list_channels(session, actor=actor)
    await show_screen(
        query, forms_list(channels, 0, i18n), notice=tr(i18n, "forms-revoked", name=channel.name)
    )


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_forms, Command("forms"))
    router.callback_query.register(turn_forms_page, FormsPage.filter())
    router.callback_query.register(ask_for_name, NewForm.filter())
    router.message.register(
        name_typed, StateFilter(FormInput.name), TYPED_ANSWER, Pending(FormNameAsked)
    )
    router.callback_query.register(show_form_screen, FormView.filter())
    router.callback_query.register(choose_responsible, SetFormResponsible.filter())
    router.callback_query.register(choose_opens_leads, SetOpensLeads.filter())
    router.callback_query.register(choose_preset, SetFormPreset.filter())
    router.message.register(
        field_names_typed,
        StateFilter(FormInput.field_names),
        TYPED_ANSWER,
        Pending(FieldNamesAsked),
    )
    router.callback_query.register(revoke, RevokeForm.filter())
    return router
