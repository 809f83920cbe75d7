"""Where leads arrive over HTTP: the keys admins hand out (web forms, shop webhooks) and the
receipts that make a provider's replay of the same submission change nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, str_enum, utcnow


class IntakeKind(StrEnum):
    WEB_FORM = "web_form"
    WOOCOMMERCE = "woocommerce"
    WEBSITE_CHAT = "website_chat"


class FieldPreset(StrEnum):
    """Which field names a form posts: ours, or Contact Form 7's ``your-name`` and friends."""

    GENERIC = "generic"
    CONTACT_FORM_7 = "cf7"


class IntakeChannel(Base):
    """One door leads come in by: a web form or a shop's webhook, with its own key in the URL
    and its own secret. Leads from it go to ``responsible``, or round-robin among active reps
    when that is empty."""

    __tablename__ = "intake_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[IntakeKind] = mapped_column(str_enum(IntakeKind))
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(String(64))
    preset: Mapped[FieldPreset] = mapped_column(str_enum(FieldPreset), default=FieldPreset.GENERIC)
    # Our field (name, phone, email, message) -> the name the form posts it under.
    field_names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The rep the round-robin gave the last lead to.
    last_assigned_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A shop's orders also open a lead for the team to follow up.
    opens_leads: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IntakeReceipt(Base):
    """A submission already taken in, by the id its sender gave it (a form's submission key, a
    WooCommerce delivery id, a WhatsApp message id) within ``scope`` (the channel)."""

    __tablename__ = "intake_receipts"
    __table_args__ = (UniqueConstraint("scope", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    # Indexed: merging two leads moves the receipts of the one merged away.
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
