"""The customer and everything the 360-degree view gathers about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm.contacts import name_key
from crm.models.base import Base, UtcDateTime, str_enum, utcnow
from crm.models.enums import Direction, MessageStatus, TicketStatus
from crm.models.tags import Tag, customer_tags


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    # The id in the system a customer list was imported from: a re-import updates the row.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The name as duplicates are matched by (crm.contacts.name_key), kept in step by the ORM.
    name_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    # Set when merged into another customer: old buttons and links open that one instead.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))

    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="customer", lazy="selectin", cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=customer_tags, order_by=Tag.name)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name

    @property
    def phones(self) -> list[str]:
        return [c.value for c in self.contacts if c.kind == CustomerContact.PHONE]

    @property
    def emails(self) -> list[str]:
        return [c.value for c in self.contacts if c.kind == CustomerContact.EMAIL]


class CustomerContact(Base):
    """One phone (E.164) or e-mail (lower case) of a customer; indexed for deduplication."""

    __tablename__ = "customer_contacts"
    __table_args__ = (Index("ix_customer_contacts_kind_value", "kind", "value"),)
    PHONE = "phone"
    EMAIL = "email"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(254))

    customer: Mapped[Customer] = relationship(back_populates="contacts", lazy="raise")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_shop_order", "intake_channel_id", "external_id", unique=True),
        Index("ix_orders_customer_time", "customer_id", "created_at"),
        # Automation rules' dry run: the shop's orders of a period.
        Index("ix_orders_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32), default="new")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Indexed: merging two leads moves the orders of the one merged away.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", use_alter=True), index=True)
    # The shop it came from; its ``external_id`` is then the shop's order number.
    intake_channel_id: Mapped[int | None] = mapped_column(ForeignKey("intake_channels.id"))


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_channel_external_id", "channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    # Who the channel says is writing (a WhatsApp number, a website visitor id).
    external_id: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_time", "conversation_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 4))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The channel's own id of the message, to match its delivery reports to it.
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[MessageStatus | None] = mapped_column(str_enum(MessageStatus))


class LoyaltyEntry(Base):
    """Points earned (+) or spent (-); the balance is their sum."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (Index("ix_loyalty_entries_customer_time", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SupportTicket(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (Index("ix_support_tickets_customer_time", "customer_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closing_note: Mapped[str | None] = mapped_column(Text)
