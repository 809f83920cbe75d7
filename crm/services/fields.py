"""Custom lead fields: admins define them, every write of a lead is checked against them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import FieldDefinition, FieldKind, Role, Staff
from crm.services.access import require_role

FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
TEXT_VALUE_MAX = 1000


async def define_field(
    session: AsyncSession,
    *,
    actor: Staff,
    key: str,
    label: str,
    kind: FieldKind,
    choices: list[str] | None = None,
    required: bool = False,
) -> FieldDefinition:
    require_role(actor, Role.ADMIN)
    if not FIELD_KEY.match(key):
        raise ValidationFailed("field-key-invalid", field="key")
    if await session.scalar(select(FieldDefinition).where(FieldDefinition.key == key)):
        raise ValidationFailed("field-key-taken", field="key")
    choices = [c.strip() for c in choices or [] if c.strip()]
    if kind == FieldKind.CHOICE and not choices:
        raise ValidationFailed("field-choices-missing", field="choices")
    definition = FieldDefinition(
        key=key, label=label.strip()[:100], kind=kind, choices=choices, required=required
    )
    session.add(definition)
    await session.flush()
    return definition


async def field_definitions(session: AsyncSession) -> list[FieldDefinition]:
    return list(await session.scalars(select(FieldDefinition).order_by(FieldDefinition.id)))


async def checked_custom_fields(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` made JSON-safe and checked against the definitions; unknown keys rejected."""
    definitions = {d.key: d for d in await field_definitions(session)}
    for key in values:
        if key not in definitions:
            raise ValidationFailed("custom-field-unknown", field=key)
    for key, definition in definitions.items():
        if definition.required and values.get(key) in (None, ""):
            raise ValidationFailed("custom-field-required", field=key)
    return {
        key: _checked_value(definitions[key], value)
        for key, value in values.items()
        if value not in (None, "")
    }


def _checked_value(definition: FieldDefinition, value: Any) -> str:
    text = str(value).strip()
    match definition.kind:
        case FieldKind.TEXT:
            if len(text) > TEXT_VALUE_MAX:
                raise ValidationFailed("custom-field-too-long", field=definition.key)
            return text
        case FieldKind.NUMBER:
            try:
                number = Decimal(text.replace(",", "."))
            except InvalidOperation:
                raise ValidationFailed("custom-field-not-number", field=definition.key) from None
            if not number.is_finite():
                raise ValidationFailed("custom-field-not-number", field=definition.key)
            return str(number)
        case FieldKind.DATE:
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValidationFailed("custom-field-not-date", field=definition.key) from None
        case FieldKind.CHOICE:
            if text not in definition.choices:
                raise ValidationFailed("custom-field-not-a-choice", field=definition.key)
            return text
