"""Custom lead fields: admins define them, every write of a lead is checked against them, and a
field may be required from a stage on (a lead entering that stage or a later one must have it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import stage_cache
from crm.errors import NotFound, ValidationFailed
from crm.models import FieldDefinition, FieldKind, Lead, Role, Staff, Stage, StageKind
from crm.services.access import require_role
from crm.services.pipelines import pipeline_stages

FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
FIELD_KEY_LENGTH = 40
TEXT_VALUE_MAX = 1000
LABEL_MAX = 100
CHOICES_MAX = 20
CHOICE_MAX = 40
# Each field is a button on the lead card's edit screen, within Telegram's 100 buttons.
FIELDS_MAX = 30
YES = "yes"
NO = "no"
# What a person may type for yes or no, in either language.
YES_NO_WORDS = {
    **dict.fromkeys(("yes", "y", "true", "1", "так", "т", "+"), YES),
    **dict.fromkeys(("no", "n", "false", "0", "ні", "н"), NO),
}


@dataclass(frozen=True, slots=True)
class FieldDraft:
    """What an admin chose for a new field."""

    label_en: str
    label_uk: str
    kind: FieldKind
    choices: tuple[str, ...] = ()
    required_from_stage_id: int | None = None


async def define_field(
    session: AsyncSession, *, actor: Staff, draft: FieldDraft
) -> FieldDefinition:
    require_role(actor, Role.ADMIN)
    definitions = await field_definitions(session)
    if len(definitions) >= FIELDS_MAX:
        raise ValidationFailed("field-limit", field="key", details={"limit": FIELDS_MAX})
    label_en = checked_label(draft.label_en, "label_en")
    label_uk = checked_label(draft.label_uk, "label_uk")
    choices = checked_choices(draft.choices) if draft.kind == FieldKind.CHOICE else []
    if draft.required_from_stage_id is not None:
        await _stage_to_require_from(session, draft.required_from_stage_id)
    definition = FieldDefinition(
        key=_new_key(label_en, {d.key for d in definitions}),
        label_en=label_en,
        label_uk=label_uk,
        kind=draft.kind,
        choices=choices,
        required_from_stage_id=draft.required_from_stage_id,
    )
    session.add(definition)
    await session.flush()
    return definition


async def delete_field(session: AsyncSession, *, actor: Staff, field_id: int) -> FieldDefinition:
    """Stop using a field; the values leads hold for it are dropped at their next edit."""
    require_role(actor, Role.ADMIN)
    definition = await get_field(session, field_id)
    await session.delete(definition)
    await session.flush()
    return definition


async def get_field(session: AsyncSession, field_id: int) -> FieldDefinition:
    definition = await session.get(FieldDefinition, field_id)
    if definition is None:
        raise NotFound(f"field {field_id}")
    return definition


async def field_definitions(session: AsyncSession) -> list[FieldDefinition]:
    """Every custom field, in the order they were added: from the stage cache when current
    (a card shows them all on every press)."""
    cached = await stage_cache.cached_field_definitions(session)
    if cached is not None:
        return cached
    definitions = list(await session.scalars(select(FieldDefinition).order_by(FieldDefinition.id)))
    stage_cache.keep_field_definitions(session, definitions)
    return definitions


def checked_choices(choices: tuple[str, ...] | list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if not cleaned:
        raise ValidationFailed("field-choices-missing", field="choices")
    if len(cleaned) > CHOICES_MAX or any(len(c) > CHOICE_MAX for c in cleaned):
        raise ValidationFailed(
            "field-choices-too-many", field="choices", details={"limit": CHOICES_MAX}
        )
    return cleaned


def checked_label(label: str, field: str) -> str:
    label = label.strip()
    if not label:
        raise ValidationFailed("field-label-empty", field=field)
    if len(label) > LABEL_MAX:
        raise ValidationFailed("text-too-long", field=field, details={"limit": LABEL_MAX})
    return label


def _new_key(label: str, taken: set[str]) -> str:
    """A stable key for the values in each lead's JSON, made from the English label."""
    base = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:FIELD_KEY_LENGTH]
    if not FIELD_KEY.match(base):
        base = f"field_{base}"[:FIELD_KEY_LENGTH].rstrip("_")
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}_{number}"
    return key


async def _stage_to_require_from(session: AsyncSession, stage_id: int) -> Stage:
    stage = await session.get(Stage, stage_id)
    if stage is None or stage.kind == StageKind.LOST:
        raise ValidationFailed("field-stage-invalid", field="required_from_stage_id")
    return stage


async def checked_custom_fields(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` made JSON-safe and checked against the definitions; unknown keys rejected,
    empty values left out."""
    if not values:
        return {}
    definitions = {d.key: d for d in await field_definitions(session)}
    for key in values:
        if key not in definitions:
            raise ValidationFailed("custom-field-unknown", field=key)
    return {
        key: checked_value(definitions[key], value)
        for key, value in values.items()
        if value not in (None, "")
    }


async def merged_custom_fields(
    session: AsyncSession, lead: Lead, changes: dict[str, Any]
) -> dict[str, Any]:
    """The lead's custom fields with ``changes`` applied (an empty value removes a field, and
    values of deleted fields go); a field the lead's stage requires may not be emptied."""
    defined = {d.key for d in await field_definitions(session)}
    current = {key: value for key, value in lead.custom_fields.items() if key in defined}
    merged = current | await checked_custom_fields(session, changes)
    emptied = [key for key, value in changes.items() if value in (None, "")]
    required = {d.key for d in await required_fields(session, lead.stage)}
    for key in emptied:
        if key in required:
            raise ValidationFailed("custom-field-required", field=key)
        merged.pop(key, None)
    return merged


async def missing_field(
    session: AsyncSession, values: dict[str, Any], target: Stage
) -> FieldDefinition | None:
    """The first field a lead holding ``values`` lacks to be in ``target``."""
    required = await required_fields(session, target)
    return next((d for d in required if values.get(d.key) in (None, "")), None)


async def required_fields(session: AsyncSession, target: Stage) -> list[FieldDefinition]:
    """The fields a lead in ``target`` must have: those required from it or an earlier stage
    of its pipeline. Lost asks for none."""
    if target.kind == StageKind.LOST:
        return []
    definitions = await stage_cache.cached_field_definitions(session)
    if definitions is None:
        return list(await session.scalars(_required_on_entering(target)))
    if all(d.required_from_stage_id is None for d in definitions):
        # No stage asks for a field: the pipeline's stages need not be looked at (attaching
        # them to the session took about a tenth of a stage move).
        return []
    stages = await pipeline_stages(session, pipeline_id=target.pipeline_id)
    reached = {stage.id for stage in stages if stage.position <= target.position}
    return [d for d in definitions if d.required_from_stage_id in reached]


def _required_on_entering(target: Stage) -> Select[FieldDefinition]:
    """:func:`required_fields` in one statement, for a unit of work without the cache."""
    return (
        select(FieldDefinition)
        .join(Stage, FieldDefinition.required_from_stage_id == Stage.id)
        .where(Stage.pipeline_id == target.pipeline_id, Stage.position <= target.position)
        .order_by(FieldDefinition.id)
    )


def checked_value(definition: FieldDefinition, value: Any) -> str:
    """The value as stored: text, a decimal number, an ISO date, a choice, "yes" or "no"."""
    text = str(value).strip()
    match definition.kind:
        case FieldKind.TEXT:
            if len(text) > TEXT_VALUE_MAX:
                raise ValidationFailed("custom-field-too-long", field=definition.key)
            return text
        case FieldKind.NUMBER:
            return _number(text, definition.key)
        case FieldKind.DATE:
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValidationFailed("custom-field-not-date", field=definition.key) from None
        case FieldKind.CHOICE:
            chosen = next((c for c in definition.choices if c.casefold() == text.casefold()), None)
            if chosen is None:
                raise ValidationFailed("custom-field-not-a-choice", field=definition.key)
            return chosen
        case FieldKind.YES_NO:
            answer = YES_NO_WORDS.get(text.casefold())
            if answer is None:
                raise ValidationFailed("custom-field-not-yes-no", field=definition.key)
            return answer


def _number(text: str, key: str) -> str:
    try:
        number = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationFailed("custom-field-not-number", field=key) from None
    if not number.is_finite():
        raise ValidationFailed("custom-field-not-number", field=key)
    return str(number)
