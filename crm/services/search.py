"""Finding leads by name, phone (also its last digits), e-mail or tag."""

from __future__ import annotations

import re

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import reversed_digits
from crm.errors import ValidationFailed
from crm.models import Lead, Staff, Tag, lead_tags
from crm.services.access import visible_leads

SEARCH_LIMIT = 20
# Longer than any title (200) or e-mail (254), so longer text can match nothing; as long as
# Telegram lets an inline query be.
SEARCH_TEXT_MAX = 256
MIN_PHONE_DIGITS = 3
PHONE_LIKE = re.compile(r"^\+?[\d\s()\-]+$")


async def search_leads(
    session: AsyncSession, *, actor: Staff, text: str, limit: int = SEARCH_LIMIT
) -> list[Lead]:
    """Leads ``actor`` may see matching ``text``, latest activity first."""
    text = text.strip()
    if not text:
        return []
    if len(text) > SEARCH_TEXT_MAX:
        raise ValidationFailed("search-too-long", field="text")
    query = _matching(text).where(visible_leads(actor))
    rows = await session.scalars(
        query.order_by(Lead.last_activity_at.desc(), Lead.id.desc()).limit(limit)
    )
    return list(rows)


async def latest_leads(session: AsyncSession, *, actor: Staff, limit: int) -> list[Lead]:
    """The leads ``actor`` may see, latest activity first."""
    rows = await session.scalars(
        select(Lead)
        .where(visible_leads(actor))
        .order_by(Lead.last_activity_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    return list(rows)


def _matching(text: str) -> Select[Lead]:
    if PHONE_LIKE.match(text) and len(reversed_digits(text)) >= MIN_PHONE_DIGITS:
        return _phone_ending_with(reversed_digits(text))
    if text.startswith("#"):
        return _tagged(text[1:].casefold())
    if "@" in text:
        return select(Lead).where(Lead.email.startswith(text.casefold(), autoescape=True))
    by_name = Lead.search_text.contains(text.casefold(), autoescape=True)
    tagged_ids = _tagged(text.casefold()).with_only_columns(Lead.id)
    return select(Lead).where(or_(by_name, Lead.id.in_(tagged_ids)))


def _phone_ending_with(digits_reversed: str) -> Select[Lead]:
    """Numbers whose reversed digits start with these: an index range, no LIKE scan.

    The bounds hold only digits, so every collation orders them the same way.
    """
    condition = Lead.phone_digits_reversed >= digits_reversed
    upper = _next_digit_prefix(digits_reversed)
    if upper is not None:
        condition &= Lead.phone_digits_reversed < upper
    return select(Lead).where(condition)


def _next_digit_prefix(digits: str) -> str | None:
    """The smallest digit string above every string starting with ``digits``."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def _tagged(name: str) -> Select[Lead]:
    return (
        select(Lead)
        .join(lead_tags, lead_tags.c.lead_id == Lead.id)
        .join(Tag, Tag.id == lead_tags.c.tag_id)
        .where(Tag.name == name)
    )
