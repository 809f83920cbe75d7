"""Pydantic input schemas of the services, and the bridge from pydantic errors to ours."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm.errors import ValidationFailed
from crm.models import LeadSource
from crm.money import MAX_AMOUNT
from crm.services.tags import MAX_LEAD_TAGS

ModelT = TypeVar("ModelT", bound=BaseModel)


class Schema(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True, extra="forbid")


def parse(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate ``data``; the first problem becomes a :class:`ValidationFailed`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        raise ValidationFailed(first["type"].replace("_", "-"), field=field) from None


class LeadDraft(Schema):
    """A new lead as typed by a person or posted by a form; phone and e-mail still raw."""

    title: str | None = Field(default=None, max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    value: str | Decimal | None = None
    currency: str = "UAH"
    source: LeadSource = LeadSource.MANUAL
    source_detail: str | None = Field(default=None, max_length=200)
    stage_id: int | None = None
    responsible_id: int | None = None
    expected_close_on: date | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=MAX_LEAD_TAGS)


class LeadChanges(Schema):
    """The fields a person may edit on a lead; only the ones set are changed."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    value: str | Decimal | None = None
    currency: str | None = None
    source: LeadSource | None = None
    source_detail: str | None = Field(default=None, max_length=200)
    expected_close_on: date | None = None
    custom_fields: dict[str, Any] | None = None


class SegmentFilter(Schema):
    tags_any: list[str] = Field(default_factory=list)
    tags_all: list[str] = Field(default_factory=list)
    stage_ids: list[int] = Field(default_factory=list)
    sources: list[LeadSource] = Field(default_factory=list)
    responsible_ids: list[int] = Field(default_factory=list)
    value_min: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    value_max: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    created_from: datetime | None = None
    created_to: datetime | None = None
    last_activity_from: datetime | None = None
    last_activity_to: datetime | None = None
    # No activity for this many days, counted back from whenever the segment is read.
    idle_days: int | None = Field(default=None, ge=1, le=3650)
    # Custom lead fields: key -> the value a member's field holds, as the field stores it.
    custom_fields: dict[str, str] = Field(default_factory=dict)


LEAD_ONLY_FILTERS = frozenset(
    {"stage_ids", "sources", "responsible_ids", "value_min", "value_max", "custom_fields"}
)
