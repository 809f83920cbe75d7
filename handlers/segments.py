"""/segments: saved filters built with buttons, their members page by page, and export.

The filter being built is the flow's own data (``SegmentDraft``); each press changes it and
redraws the builder with the count of what matches now. Values a button cannot hold (tags,
a value range, dates, days without activity, the name) are typed in answer to one question.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import Customer, Lead, LeadSource, SegmentTarget, Staff, utcnow
from crm.schemas import LEAD_ONLY_FILTERS
from crm.services.board import Page
from crm.services.fields import checked_value, field_definitions, get_field
from crm.services.pipelines import default_pipeline, pipeline_stages
from crm.services.segments import (
    matching_count,
    own_segments,
    save_segment,
    segment_members,
)
from crm.services.staff import assignable_staff
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.paging import page_navigation
from handlers.common.screens import CHECKED, Screen, button, send_screen, show_screen
from handlers.common.text import local_time, shorten, stage_name, tr
from handlers.customer_views import CustomerView
from handlers.export import export_keyboard
from handlers.leads.field_questions import typed_value
from handlers.leads.keyboards import LeadAction, LeadActionKind

SEGMENTS_SHOWN = 20
BUTTON_TITLE = 40
SOURCES = list(LeadSource)
DATE_FORMAT = "%d.%m.%Y"
RANGE_SEPARATOR = re.compile(r"\s*[-–—]\s*|\s+")


class SegmentStep(StrEnum):
    NEW = "new"
    TARGET = "target"
    STAGES = "stages"
    SOURCES = "sources"
    PEOPLE = "people"
    STAGE = "stage"
    SOURCE = "source"
    PERSON = "person"
    FIELDS = "fields"
    FIELD = "field"
    BACK = "back"
    CANCEL = "cancel"


class Question(StrEnum):
    TAGS_ANY = "tags_any"
    TAGS_ALL = "tags_all"
    VALUE = "value"
    CREATED = "created"
    IDLE = "idle"
    NAME = "name"
    FIELD = "field"


class SegmentBuild(CallbackData, prefix="sb"):
    step: SegmentStep
    value: int = 0


class SegmentAsk(CallbackData, prefix="sq"):
    question: Question


class SegmentOpen(CallbackData, prefix="sg"):
    segment_id: int
    page: int = 0


class SegmentInput(StatesGroup):
    answer = State()


class SegmentDraft(FlowData):
    destiny: ClassVar[str] = "segment-draft"
    target: SegmentTarget = SegmentTarget.LEADS
    filters: dict[str, Any] = Field(default_factory=dict)


class SegmentAsked(FlowData):
    destiny: ClassVar[str] = "segment-question"
    question: Question
    # The custom field a FIELD question asks the value of.
    field_id: int = 0


async def list_segments(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    segments = await own_segments(session, actor=actor, limit=SEGMENTS_SHOWN)
    kb = InlineKeyboardBuilder()
    for segment in segments:
        kb.button(
            text=f"🎯 {shorten(segment.name, BUTTON_TITLE)}",
            callback_data=SegmentOpen(segment_id=segment.id),
        )
    kb.button(text=i18n.get("segment-new"), callback_data=SegmentBuild(step=SegmentStep.NEW))
    kb.adjust(1)
    key = "segments-list" if segments else "segments-none"
    await send_screen(message, Screen(i18n.get(key), kb.as_markup()))


async def open_segment(
    query: CallbackQuery,
    callback_data: SegmentOpen,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    segment_id = callback_data.segment_id
    page: Page[Any] = await segment_members(
        session, actor=actor, segment_id=segment_id, page=callback_data.page
    )
    kb = InlineKeyboardBuilder()
    for member in page.items:
        if isinstance(member, Lead):
            kb.button(
                text=f"💼 {shorten(member.title, BUTTON_TITLE)}",
                callback_data=LeadAction(
                    lead_id=member.id, action=LeadActionKind.OPEN, version=member.version
                ),
            )
        elif isinstance(member, Customer):
            kb.button(
                text=f"🧑 {shorten(member.name, BUTTON_TITLE)}",
                callback_data=CustomerView(customer_id=member.id),
            )
    kb.adjust(1)
    kb.row(
        *page_navigation(page, i18n, lambda number: SegmentOpen(segment_id=segment_id, page=number))
    )
    kb.attach(InlineKeyboardBuilder(export_keyboard(segment_id, i18n).inline_keyboard))
    text = i18n.get("segment-members", count=page.total, page=page.page + 1, pages=page.page_count)
    await show_screen(query, Screen(text, kb.as_markup()))


async def start_building(
    query: CallbackQuery, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    draft = SegmentDraft()
    await draft.save(state)
    await show_screen(query, await builder_screen(session, actor, draft, i18n))


async def cancel_building(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await SegmentDraft.forget(state)
    await answered(state, SegmentAsked)
    await show_screen(query, Screen(i18n.get("segment-cancelled")))


async def change_draft(
    query: CallbackQuery,
    callback_data: SegmentBuild,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    draft = await SegmentDraft.load(state)
    if draft is None:
        await query.answer(i18n.get("segment-expired"), show_alert=True)
        return
    step, value = callback_data.step, callback_data.value
    filters = dict(draft.filters)
    match step:
        case SegmentStep.TARGET:
            target = (
                SegmentTarget.CUSTOMERS
                if draft.target is SegmentTarget.LEADS
                else SegmentTarget.LEADS
            )
            filters = {k: v for k, v in filters.items() if k not in LEAD_ONLY_FILTERS}
            draft = SegmentDraft(target=target, filters=filters)
        case SegmentStep.STAGE:
            draft = _toggled(draft, "stage_ids", value)
        case SegmentStep.SOURCE if 0 <= value < len(SOURCES):
            draft = _toggled(draft, "sources", SOURCES[value].value)
        case SegmentStep.PERSON:
            draft = _toggled(draft, "responsible_ids", value)
    await draft.save(state)
    match step:
        case SegmentStep.STAGES | SegmentStep.STAGE:
            screen = await stage_picker(session, draft, i18n)
        case SegmentStep.SOURCES | SegmentStep.SOURCE:
            screen = source_picker(draft, i18n)
        case SegmentStep.PEOPLE | SegmentStep.PERSON:
            screen = await people_picker(session, actor, draft, i18n)
        case SegmentStep.FIELDS:
            screen = await field_picker(session, i18n)
        case _:
            screen = await builder_screen(session, actor, draft, i18n)
    await show_screen(query, screen)


async def ask_value(
    query: CallbackQuery, callback_data: SegmentAsk, i18n: I18nContext, state: FSMContext
) -> None:
    if await SegmentDraft.load(state) is None:
        await query.answer(i18n.get("segment-expired"), show_alert=True)
        return
    await ask(state, SegmentInput.answer, SegmentAsked(question=callback_data.question))
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get(f"segment-ask-{callback_data.question.value}"))
    await query.answer()


async def ask_field_value(
    query: CallbackQuery,
    callback_data: SegmentBuild,
    session: AsyncSession,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """The value a member's custom field must hold, typed (a choice or yes/no as written)."""
    if await SegmentDraft.load(state) is None:
        await query.answer(i18n.get("segment-expired"), show_alert=True)
        return
    definition = await get_field(session, callback_data.value)
    pending = SegmentAsked(question=Question.FIELD, field_id=definition.id)
    await ask(state, SegmentInput.answer, pending)
    if isinstance(query.message, Message):
        prompt = tr(i18n, "segment-ask-field", label=definition.label(i18n.locale))
        hint = i18n.get(f"field-hint-{definition.kind.value}")
        choices = ", ".join(definition.choices)
        await query.message.answer("\n".join(filter(None, (prompt, hint, choices))))
    await query.answer()


async def value_typed(
    message: Message,
    pending: SegmentAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    draft = await SegmentDraft.load(state)
    if draft is None:
        await answered(state, SegmentAsked)
        await message.answer(i18n.get("segment-expired"))
        return
    text = (message.text or "").strip()
    if pending.question is Question.NAME:
        segment = await save_segment(
            session, actor=actor, name=text, target=draft.target, filters=draft.filters
        )
        await answered(state, SegmentAsked)
        await SegmentDraft.forget(state)
        kb = InlineKeyboardBuilder()
        kb.button(text=i18n.get("segment-open"), callback_data=SegmentOpen(segment_id=segment.id))
        await message.answer(
            tr(i18n, "segment-saved", name=segment.name), reply_markup=kb.as_markup()
        )
        return
    if pending.question is Question.FIELD:
        filters = {**draft.filters, **await _field_filter(session, actor, draft, pending, text)}
    else:
        filters = {**draft.filters, **typed_filters(pending.question, text, actor)}
    draft = draft.model_copy(update={"filters": filters})
    # Checked before it is kept: a value the filter refuses leaves the question open.
    await matching_count(session, actor=actor, target=draft.target, filters=draft.filters)
    await draft.save(state)
    await answered(state, SegmentAsked)
    screen = await builder_screen(session, actor, draft, i18n)
    await send_screen(message, screen)


async def _field_filter(
    session: AsyncSession, actor: Staff, draft: SegmentDraft, pending: SegmentAsked, text: str
) -> dict[str, Any]:
    """The custom field's value added to the filter; ``-`` takes the field out of it."""
    definition = await get_field(session, pending.field_id)
    typed = typed_value(definition, text, local_time(utcnow(), actor).date())
    value = checked_value(definition, typed) if typed else ""
    wanted = {
        k: v for k, v in draft.filters.get("custom_fields", {}).items() if k != definition.key
    }
    return {"custom_fields": wanted | ({definition.key: value} if value else {})}


def typed_filters(question: Question, text: str, actor: Staff) -> dict[str, Any]:
    """What a typed answer sets in the filter; unreadable input is refused."""
    match question:
        case Question.TAGS_ANY | Question.TAGS_ALL:
            tags = [tag for tag in re.split(r"[\s,]+", text) if tag]
            return {question.value: tags}
        case Question.VALUE:
            low, high = _range(text)
            return {"value_min": _amount(low), "value_max": _amount(high)}
        case Question.CREATED:
            zone = ZoneInfo(actor.time_zone)
            first, last = _range(text)
            start, end = _day(first, zone), _day(last, zone)
            return {
                "created_from": None if start is None else start.isoformat(),
                "created_to": None if end is None else (end + timedelta(days=1)).isoformat(),
            }
        case Question.IDLE:
            if not text.isdigit():
                raise ValidationFailed("segment-days-invalid")
            return {"idle_days": int(text)}
        case Question.NAME | Question.FIELD:
            return {}


def _range(text: str) -> tuple[str, str]:
    parts = RANGE_SEPARATOR.split(text.strip(), maxsplit=1)
    if text.strip().startswith(("-", "–", "—")):
        return "", text.strip().lstrip("-–— ")
    return parts[0], parts[1] if len(parts) > 1 else ""


def _amount(text: str) -> str | None:
    if not text:
        return None
    try:
        return str(Decimal(text.replace(" ", "").replace(",", ".")))
    except InvalidOperation:
        raise ValidationFailed("segment-value-invalid") from None


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=zone)
    except ValueError:
        raise ValidationFailed("segment-date-invalid") from None


def _toggled(draft: SegmentDraft, key: str, value: int | str) -> SegmentDraft:
    chosen = list(draft.filters.get(key, []))
    chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
    return draft.model_copy(update={"filters": {**draft.filters, key: chosen}})


async def builder_screen(
    session: AsyncSession, actor: Staff, draft: SegmentDraft, i18n: I18nContext
) -> Screen:
    count = await matching_count(session, actor=actor, target=draft.target, filters=draft.filters)
    lines = [i18n.get("segment-builder", target=draft.target.value, count=count)]
    definitions = await field_definitions(session)
    labels = {d.key: d.label(i18n.locale) for d in definitions}
    lines += [
        tr(i18n, "segment-filter-line", name=i18n.get(f"segment-filter-{key}"), value=_shown(v))
        for key, v in draft.filters.items()
        if v not in (None, [], "", {}) and key != "custom_fields"
    ]
    lines += [
        tr(i18n, "segment-filter-line", name=labels.get(key, key), value=value)
        for key, value in draft.filters.get("custom_fields", {}).items()
    ]
    kb = InlineKeyboardBuilder()
    kb.button(
        text=i18n.get("segment-target", target=draft.target.value),
        callback_data=SegmentBuild(step=SegmentStep.TARGET),
    )
    asks = [Question.TAGS_ANY, Question.TAGS_ALL, Question.CREATED, Question.IDLE]
    if draft.target is SegmentTarget.LEADS:
        for step in (SegmentStep.STAGES, SegmentStep.SOURCES):
            kb.button(
                text=i18n.get(f"segment-pick-{step.value}"), callback_data=SegmentBuild(step=step)
            )
        if actor.oversees_others:
            kb.button(
                text=i18n.get("segment-pick-people"),
                callback_data=SegmentBuild(step=SegmentStep.PEOPLE),
            )
        asks.append(Question.VALUE)
        if definitions:
            kb.button(
                text=i18n.get("segment-pick-fields"),
                callback_data=SegmentBuild(step=SegmentStep.FIELDS),
            )
    for question in asks:
        kb.button(
            text=i18n.get(f"segment-button-{question.value}"),
            callback_data=SegmentAsk(question=question),
        )
    kb.button(text=i18n.get("segment-save"), callback_data=SegmentAsk(question=Question.NAME))
    kb.button(text=i18n.get("segment-cancel"), callback_data=SegmentBuild(step=SegmentStep.CANCEL))
    kb.adjust(1, 2)
    return Screen("\n".join(lines), kb.as_markup())


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _picker(buttons: list[tuple[str, bool, SegmentBuild]], i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for label, chosen, data in buttons:
        kb.button(text=f"{CHECKED} {label}" if chosen else label, callback_data=data)
    kb.adjust(2)
    kb.row(button(i18n.get("segment-done-picking"), SegmentBuild(step=SegmentStep.BACK)))
    return Screen(i18n.get("segment-pick"), kb.as_markup())


async def stage_picker(session: AsyncSession, draft: SegmentDraft, i18n: I18nContext) -> Screen:
    pipeline = await default_pipeline(session)
    chosen = set(draft.filters.get("stage_ids", []))
    stages = await pipeline_stages(session, pipeline_id=pipeline.id)
    return _picker(
        [
            (stage_name(s, i18n), s.id in chosen, SegmentBuild(step=SegmentStep.STAGE, value=s.id))
            for s in stages
        ],
        i18n,
    )


def source_picker(draft: SegmentDraft, i18n: I18nContext) -> Screen:
    chosen = set(draft.filters.get("sources", []))
    return _picker(
        [
            (
                i18n.get(f"source-{source.value}"),
                source.value in chosen,
                SegmentBuild(step=SegmentStep.SOURCE, value=index),
            )
            for index, source in enumerate(SOURCES)
        ],
        i18n,
    )


async def people_picker(
    session: AsyncSession, actor: Staff, draft: SegmentDraft, i18n: I18nContext
) -> Screen:
    chosen = set(draft.filters.get("responsible_ids", []))
    people = await assignable_staff(session, actor=actor)
    return _picker(
        [
            (
                shorten(person.display_name, BUTTON_TITLE),
                person.id in chosen,
                SegmentBuild(step=SegmentStep.PERSON, value=person.id),
            )
            for person in people
        ],
        i18n,
    )


async def field_picker(session: AsyncSession, i18n: I18nContext) -> Screen:
    """A button per custom field; pressing one asks for its value."""
    kb = InlineKeyboardBuilder()
    for definition in await field_definitions(session):
        kb.button(
            text=shorten(definition.label(i18n.locale), BUTTON_TITLE),
            callback_data=SegmentBuild(step=SegmentStep.FIELD, value=definition.id),
        )
    kb.adjust(2)
    kb.row(button(i18n.get("segment-done-picking"), SegmentBuild(step=SegmentStep.BACK)))
    return Screen(i18n.get("segment-pick"), kb.as_markup())


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(list_segments, Command("segments"))
    router.callback_query.register(open_segment, SegmentOpen.filter())
    router.callback_query.register(start_building, SegmentBuild.filter(F.step == SegmentStep.NEW))
    router.callback_query.register(
        cancel_building, SegmentBuild.filter(F.step == SegmentStep.CANCEL)
    )
    router.callback_query.register(
        ask_field_value, SegmentBuild.filter(F.step == SegmentStep.FIELD)
    )
    router.callback_query.register(change_draft, SegmentBuild.filter())
    router.callback_query.register(ask_value, SegmentAsk.filter())
    router.message.register(
        value_typed, StateFilter(SegmentInput.answer), TYPED_ANSWER, Pending(SegmentAsked)
    )
    return router
