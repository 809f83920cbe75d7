from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UtcDateTime, str_enum, utcnow
from crm.models.enums import LeadSource
from crm.models.pipeline import Stage
from crm.models.staff import Staff
from crm.models.tags import Tag, lead_tags
from crm.money import from_minor_units


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        # Covering indexes: the pipeline board sums values without touching the table.
        Index("ix_leads_board", "stage_id", "currency", "value_minor"),
        Index("ix_leads_board_by_owner", "responsible_id", "stage_id", "currency", "value_minor"),
        Index("ix_leads_stage_activity", "stage_id", "last_activity_at", "id"),
        # Latest activity first: the inline query with no text, overall and a rep's own.
        Index("ix_leads_activity", "last_activity_at", "id"),
        Index("ix_leads_owner_activity", "responsible_id", "last_activity_at", "id"),
        # Fragments of names and e-mails (pg_trgm); SQLite's trigram index is the FTS5 table
        # leads_fts that migration 0005 keeps in step with triggers.
        Index(
            "ix_leads_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # The reports: what was created, won or lost in a period; the forecast by close date.
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_won_at", "won_at"),
        Index("ix_leads_lost_at", "lost_at"),
        Index("ix_leads_forecast", "stage_id", "expected_close_on", "currency", "value_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    title: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    # The phone's digits backwards, so "ends with 4567" is an indexed prefix range.
    phone_digits_reversed: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource), default=LeadSource.MANUAL)
    source_detail: Mapped[str | None] = mapped_column(String(200))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    # A code from crm.models.LostReason; the words are in locales/. Free text only for "other".
    lost_reason_code: Mapped[str | None] = mapped_column(String(32))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    won_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the responsible rep was nudged about this idle spell; a later activity ends it.
    idle_nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # Indexed: a merge re-points the leads linked to the one merged away.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    # The id in the system a lead list was imported from: a re-import updates the row.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # Case-folded title, contact and e-mail: SQLite's lower() knows only ASCII.
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    stage: Mapped[Stage] = relationship(lazy="joined", innerjoin=True)
    responsible: Mapped[Staff | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=lead_tags, order_by=Tag.name)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)

    @property
    def value(self) -> Decimal | None:
        return None if self.value_minor is None else from_minor_units(self.value_minor)


class LeadMerge(Base):
    """A lead merged into another and removed: its old buttons and links open ``into_id``.

    The merged-away row goes (so no list, count or report sees it twice); this row keeps its
    id resolvable. A merge into a lead later merged itself is re-pointed, so one look-up
    always reaches a live lead."""

    __tablename__ = "lead_merges"

    merged_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    into_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
