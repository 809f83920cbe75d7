from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, str_enum, utcnow
from crm.models.enums import Language, Notification, Role


def _all_notifications() -> list[str]:
    return [notification.value for notification in Notification]


class Staff(Base):
    """A person of the sales team, known by their Telegram account."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    language: Mapped[Language] = mapped_column(str_enum(Language, 8), default=Language.EN)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Kyiv")
    work_starts: Mapped[time] = mapped_column(Time, default=time(9, 0))
    work_ends: Mapped[time] = mapped_column(Time, default=time(18, 0))
    notifications: Mapped[list[str]] = mapped_column(JSON, default=_all_notifications)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when Telegram answers 403 (the person blocked the bot); cleared when they write again.
    blocked_bot_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def oversees_others(self) -> bool:
        """Admins and managers act on other people's work: which people's is the scope of
        crm.services.access (a manager in teams, their teams' only)."""
        return self.role in (Role.ADMIN, Role.MANAGER)


class Invite(Base):
    """A single-use, expiring token that lets one person join with a role."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccessRequest(Base):
    """A stranger who wrote to the bot; kept so an admin can let them in."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
