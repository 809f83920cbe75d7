"""Finding leads by name, phone (also its last digits), e-mail or tag, through indexes.

A fragment of a name, company or e-mail is looked up in a trigram index over
``leads.search_text`` (migration 0005: SQLite's FTS5 table ``leads_fts``, PostgreSQL's
pg_trgm GIN index), so it needs at least three characters; shorter text is refused with a
clear answer rather than scanning every lead. A phone's ending is a prefix range over its
reversed digits; a tag is its exact name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    select,
    table,
    true,
)
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
# A trigram index finds only fragments of at least one trigram.
MIN_FRAGMENT = 3
PHONE_LIKE = re.compile(r"^\+?[\d\s()\-]+$")
# SQLite: up to this many trigram matches are sorted by latest activity; more, and the
# latest-activity index is walked instead, which soon meets enough of so many matches.
# PostgreSQL's planner makes that choice itself from its statistics.
FEW_MATCHES = 2000
LATEST_FIRST = (Lead.last_activity_at.desc(), Lead.id.desc())


async def search_leads(
    session: AsyncSession, *, actor: Staff, text: str, limit: int = SEARCH_LIMIT
) -> list[Lead]:
    """Leads ``actor`` may see matching ``text``, latest activity first."""
    text = text.strip()
    if not text:
        return []
    if len(text) > SEARCH_TEXT_MAX:
        raise ValidationFailed("search-too-long", field="text")
    found: set[Lead] = set()
    for match in _matches_for(text, session.get_bind().dialect.name):
        found.update(await _latest_matching(session, match, actor=actor, limit=limit))
    return sorted(found, key=lambda lead: (lead.last_activity_at, lead.id), reverse=True)[:limit]


async def latest_leads(session: AsyncSession, *, actor: Staff, limit: int) -> list[Lead]:
    """The leads ``actor`` may see, latest activity first."""
    rows = await session.scalars(
        select(Lead).where(visible_leads(actor)).order_by(*LATEST_FIRST).limit(limit)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class _Match:
    """An exact condition on a lead, served by an index; ``candidates``, when given, are
    the ids a separate index finds (a superset), of which at most a few thousand are
    counted to choose between sorting them and walking the latest-activity order."""

    condition: ColumnElement[bool]
    candidates: Select[Any] | None = None


async def _latest_matching(
    session: AsyncSession, match: _Match, *, actor: Staff, limit: int
) -> list[Lead]:
    narrowed: ColumnElement[bool] = true()
    if match.candidates is not None:
        counted = select(func.count()).select_from(match.candidates.limit(FEW_MATCHES).subquery())
        if (await session.scalar(counted) or 0) < FEW_MATCHES:
            narrowed = Lead.id.in_(match.candidates)
    rows = await session.scalars(
        select(Lead)
        .where(narrowed, match.condition, visible_leads(actor))
        .order_by(*LATEST_FIRST)
        .limit(limit)
    )
    return list(rows)


def _matches_for(text: str, dialect: str) -> list[_Match]:
    """A phone's ending, a #tag, or a fragment of a name or e-mail that may also be a tag."""
    if PHONE_LIKE.match(text) and len(reversed_digits(text)) >= MIN_PHONE_DIGITS:
        ending = _phone_ending_with(reversed_digits(text))
        return [_Match(ending, select(Lead.id).where(ending))]
    if text.startswith("#"):
        return [_tagged(text[1:].casefold())]
    fragment = text.casefold()
    if len(fragment) < MIN_FRAGMENT:
        raise ValidationFailed("search-too-short", field="text", details={"least": MIN_FRAGMENT})
    return [_containing(fragment, dialect), _tagged(fragment)]


_leads_fts = table("leads_fts", column("rowid"), column("search_text"))


def _containing(fragment: str, dialect: str) -> _Match:
    """``search_text`` contains ``fragment``, found through the trigram index.

    PostgreSQL's pg_trgm index serves the LIKE itself. On SQLite the FTS5 trigram table
    finds the candidates (the fragment as one quoted phrase, so nothing in it is query
    syntax) and the same LIKE decides, so both databases give the same answer.
    """
    like = Lead.search_text.contains(fragment, autoescape=True)
    if dialect != "sqlite":
        return _Match(like)
    phrase = '"' + fragment.replace('"', '""') + '"'
    return _Match(like, select(_leads_fts.c.rowid).where(_leads_fts.c.search_text.match(phrase)))


def _phone_ending_with(digits_reversed: str) -> ColumnElement[bool]:
    """Numbers whose reversed digits start with these: an index range, no LIKE scan.

    The bounds hold only digits, so every collation orders them the same way.
    """
    condition = Lead.phone_digits_reversed >= digits_reversed
    upper = _next_digit_prefix(digits_reversed)
    if upper is not None:
        condition &= Lead.phone_digits_reversed < upper
    return condition


def _next_digit_prefix(digits: str) -> str | None:
    """The smallest digit string above every string starting with ``digits``."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def _tagged(name: str) -> _Match:
    tag_id = select(Tag.id).where(Tag.name == name).scalar_subquery()
    return _Match(Lead.id.in_(select(lead_tags.c.lead_id).where(lead_tags.c.tag_id == tag_id)))
