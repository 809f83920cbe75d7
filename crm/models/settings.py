"""What an admin configures: custom field definitions and saved segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, json_default_list, str_enum, utcnow
from crm.models.enums import FieldKind, SegmentTarget


class FieldDefinition(Base):
    __tablename__ = "field_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    label_en: Mapped[str] = mapped_column(String(100))
    label_uk: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FieldKind] = mapped_column(str_enum(FieldKind))
    choices: Mapped[list[str]] = mapped_column(JSON, default=json_default_list)
    # A lead of this stage's pipeline entering it or a stage after it must have the field.
    required_from_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("stages.id", ondelete="SET NULL")
    )

    def label(self, language: str) -> str:
        return self.label_uk if language == "uk" else self.label_en


class Segment(Base):
    """A named, saved filter over leads or customers."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    target: Mapped[SegmentTarget] = mapped_column(str_enum(SegmentTarget))
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
