"""``/fields``: admins define custom lead fields with buttons: the label in English, then in
Ukrainian, the type, the choices of a choice field, and the stage from which it is required.
Nothing is saved until the last button; a field is deleted after a confirmation.
"""

from __future__ import annotations

from typing import ClassVar

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import FieldDefinition, FieldKind, Role, Staff, Stage, StageKind
from crm.services.access import require_role
from crm.services.fields import (
    FieldDraft,
    checked_choices,
    checked_label,
    define_field,
    delete_field,
    field_definitions,
    get_field,
)
from crm.services.pipelines import default_pipeline, pipeline_stages
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.screens import Screen, send_screen, show_screen, with_notice
from handlers.common.text import MESSAGE_LIMIT, shorten, stage_name, tr
from handlers.customer_views import fit_lines

BUTTON_LABEL = 30
NOT_REQUIRED = 0


class FieldInput(StatesGroup):
    label_en = State()
    label_uk = State()
    choices = State()


class NewField(FlowData):
    """The field being defined, as far as the admin got."""

    destiny: ClassVar[str] = "new-field"
    label_en: str = ""
    label_uk: str = ""
    kind: FieldKind | None = None
    choices: tuple[str, ...] = ()


class FieldsMenu(CallbackData, prefix="cfm"):
    """0: the list; a field id: that field's screen."""

    field_id: int = 0


class StartNewField(CallbackData, prefix="cfn"):
    pass


class PickFieldKind(CallbackData, prefix="cfk"):
    kind: FieldKind


class RequireFromStage(CallbackData, prefix="cfr"):
    stage_id: int


class DeleteField(CallbackData, prefix="cfd"):
    field_id: int
    confirmed: bool = False


def kind_name(kind: FieldKind, i18n: I18nContext) -> str:
    return i18n.get(f"field-kind-{kind.value}")


def _field_line(definition: FieldDefinition, stages: dict[int, Stage], i18n: I18nContext) -> str:
    stage = stages.get(definition.required_from_stage_id or NOT_REQUIRED)
    required = (
        tr(i18n, "fields-required-from", stage=stage_name(stage, i18n))
        if stage is not None
        else i18n.get("fields-optional")
    )
    return tr(
        i18n,
        "fields-line",
        label_en=definition.label_en,
        label_uk=definition.label_uk,
        kind=kind_name(definition.kind, i18n),
        required=required,
    )


async def _fields_screen(session: AsyncSession, i18n: I18nContext) -> Screen:
    definitions = await field_definitions(session)
    stages = {stage.id: stage for stage in await _stages(session)}
    lines = [i18n.get("fields-title")]
    lines += [_field_line(d, stages, i18n) for d in definitions] or [i18n.get("fields-none")]
    kb = InlineKeyboardBuilder()
    for definition in definitions:
        kb.button(
            text=shorten(definition.label(i18n.locale), BUTTON_LABEL),
            callback_data=FieldsMenu(field_id=definition.id),
        )
    kb.button(text=i18n.get("fields-add"), callback_data=StartNewField())
    kb.adjust(2)
    return Screen(fit_lines(lines, MESSAGE_LIMIT), kb.as_markup())


async def _stages(session: AsyncSession) -> list[Stage]:
    """The default pipeline's stages a field may be required from (Lost asks for none)."""
    pipeline = await default_pipeline(session)
    stages = await pipeline_stages(session, pipeline_id=pipeline.id)
    return [stage for stage in stages if stage.kind != StageKind.LOST]


def _admin(actor: Staff) -> None:
    require_role(actor, Role.ADMIN)


async def show_fields(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    _admin(actor)
    await answered(state, NewField)
    await send_screen(message, await _fields_screen(session, i18n))


async def open_menu(
    query: CallbackQuery,
    callback_data: FieldsMenu,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    _admin(actor)
    if callback_data.field_id == 0:
        await show_screen(query, await _fields_screen(session, i18n))
        return
    definition = await get_field(session, callback_data.field_id)
    stages = {stage.id: stage for stage in await _stages(session)}
    kb = InlineKeyboardBuilder()
    kb.button(text=i18n.get("fields-delete"), callback_data=DeleteField(field_id=definition.id))
    kb.button(text=i18n.get("back"), callback_data=FieldsMenu())
    kb.adjust(1)
    choices = ", ".join(definition.choices)
    text = _field_line(definition, stages, i18n)
    if choices:
        text += "\n" + tr(i18n, "fields-choices", choices=choices)
    await show_screen(query, Screen(text, kb.as_markup()))


async def delete_pressed(
    query: CallbackQuery,
    callback_data: DeleteField,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    _admin(actor)
    definition = await get_field(session, callback_data.field_id)
    label = definition.label(i18n.locale)
    if not callback_data.confirmed:
        kb = InlineKeyboardBuilder()
        kb.button(
            text=i18n.get("fields-delete-confirm"),
            callback_data=DeleteField(field_id=definition.id, confirmed=True),
        )
        kb.button(text=i18n.get("back"), callback_data=FieldsMenu(field_id=definition.id))
        kb.adjust(1)
        await show_screen(query, Screen(tr(i18n, "fields-delete-ask", label=label), kb.as_markup()))
        return
    await delete_field(session, actor=actor, field_id=definition.id)
    screen = await _fields_screen(session, i18n)
    notice = tr(i18n, "fields-deleted", label=label)
    await show_screen(query, Screen(with_notice(notice, screen.text), screen.keyboard))


async def start_new_field(
    query: CallbackQuery, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    _admin(actor)
    await ask(state, FieldInput.label_en, NewField())
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get("fields-ask-label-en"))
    await query.answer()


async def label_en_typed(
    message: Message, pending: NewField, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    _admin(actor)
    label = checked_label(message.text or "", "label")
    await ask(state, FieldInput.label_uk, pending.model_copy(update={"label_en": label}))
    await message.answer(i18n.get("fields-ask-label-uk"))


async def label_uk_typed(
    message: Message, pending: NewField, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    _admin(actor)
    label = checked_label(message.text or "", "label")
    await state.set_state(None)
    await pending.model_copy(update={"label_uk": label}).save(state)
    kb = InlineKeyboardBuilder()
    for kind in FieldKind:
        kb.button(text=kind_name(kind, i18n), callback_data=PickFieldKind(kind=kind))
    kb.adjust(2)
    await message.answer(i18n.get("fields-ask-kind"), reply_markup=kb.as_markup())


async def _under_way(query: CallbackQuery, state: FSMContext, i18n: I18nContext) -> NewField | None:
    """The field being defined, or None (and the press told so) when none is."""
    pending = await NewField.load(state)
    if pending is None or not pending.label_uk:
        await query.answer(i18n.get("fields-over"), show_alert=True)
        return None
    return pending


async def kind_picked(
    query: CallbackQuery,
    callback_data: PickFieldKind,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    _admin(actor)
    pending = await _under_way(query, state, i18n)
    if pending is None:
        return
    pending = pending.model_copy(update={"kind": callback_data.kind})
    if callback_data.kind == FieldKind.CHOICE:
        await ask(state, FieldInput.choices, pending)
        await show_screen(query, Screen(i18n.get("fields-ask-choices")))
        return
    await pending.save(state)
    await show_screen(query, await _required_screen(session, i18n))


async def choices_typed(
    message: Message,
    pending: NewField,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    _admin(actor)
    choices = checked_choices((message.text or "").split(","))
    await state.set_state(None)
    await pending.model_copy(update={"choices": tuple(choices)}).save(state)
    await send_screen(message, await _required_screen(session, i18n))


async def _required_screen(session: AsyncSession, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.button(text=i18n.get("fields-never-required"), callback_data=RequireFromStage(stage_id=0))
    for stage in await _stages(session):
        kb.button(
            text=shorten(stage_name(stage, i18n), BUTTON_LABEL),
            callback_data=RequireFromStage(stage_id=stage.id),
        )
    kb.adjust(1)
    return Screen(i18n.get("fields-ask-required"), kb.as_markup())


async def required_picked(
    query: CallbackQuery,
    callback_data: RequireFromStage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    _admin(actor)
    pending = await _under_way(query, state, i18n)
    if pending is None:
        return
    if pending.kind is None:
        await query.answer(i18n.get("fields-over"), show_alert=True)
        return
    draft = FieldDraft(
        label_en=pending.label_en,
        label_uk=pending.label_uk,
        kind=pending.kind,
        choices=pending.choices,
        required_from_stage_id=callback_data.stage_id or None,
    )
    definition = await define_field(session, actor=actor, draft=draft)
    await answered(state, NewField)
    screen = await _fields_screen(session, i18n)
    notice = tr(i18n, "fields-saved", label=definition.label(i18n.locale))
    await show_screen(query, Screen(with_notice(notice, screen.text), screen.keyboard))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_fields, Command("fields"))
    router.callback_query.register(open_menu, FieldsMenu.filter())
    router.callback_query.register(delete_pressed, DeleteField.filter())
    router.callback_query.register(start_new_field, StartNewField.filter())
    router.message.register(
        label_en_typed, StateFilter(FieldInput.label_en), TYPED_ANSWER, Pending(NewField)
    )
    router.message.register(
        label_uk_typed, StateFilter(FieldInput.label_uk), TYPED_ANSWER, Pending(NewField)
    )
    router.message.register(
        choices_typed, StateFilter(FieldInput.choices), TYPED_ANSWER, Pending(NewField)
    )
    router.callback_query.register(kind_picked, PickFieldKind.filter())
    router.callback_query.register(required_picked, RequireFromStage.filter())
    return router
