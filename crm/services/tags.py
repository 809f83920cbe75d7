"""Tags on leads and customers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import Lead, Staff, Tag
from crm.services.access import editable_lead

TAG_PATTERN = re.compile(r"^[\w-]{1,48}$")
MAX_LEAD_TAGS = 20


def normalize_tag(raw: str) -> str:
    """``#VIP `` -> ``vip``; letters of any script, digits, ``_`` and ``-`` only."""
    name = raw.strip().lstrip("#").casefold()
    if not TAG_PATTERN.match(name):
        raise ValidationFailed("tag-invalid", field="tags")
    return name


async def tags_named(session: AsyncSession, names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created where missing."""
    wanted = sorted({normalize_tag(name) for name in names})
    if not wanted:
        return []
    existing = {t.name: t for t in await session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in existing:
            existing[name] = Tag(name=name)
            session.add(existing[name])
    return [existing[name] for name in wanted]


async def add_tags(session: AsyncSession, current: list[Tag], names: Iterable[str]) -> None:
    """Add the named tags (created where missing) to ``current``, skipping ones it has."""
    for tag in await tags_named(session, names):
        if tag not in current:
            current.append(tag)


async def tag_lead(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    names: Iterable[str],
    seen_version: int | None = None,
) -> Lead:
    """Add the named tags; a lead holds at most ``MAX_LEAD_TAGS``, or none are added."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    current = await lead.awaitable_attrs.tags
    wanted = {normalize_tag(name) for name in names}
    if len(wanted | {tag.name for tag in current}) > MAX_LEAD_TAGS:
        raise ValidationFailed("tags-too-many", field="tags", details={"limit": MAX_LEAD_TAGS})
    await add_tags(session, current, wanted)
    await session.flush()
    return lead


async def untag_lead(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    name: str,
    seen_version: int | None = None,
) -> Lead:
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    name = normalize_tag(name)
    lead.tags = [tag for tag in await lead.awaitable_attrs.tags if tag.name != name]
    await session.flush()
    return lead


async def all_tags(session: AsyncSession) -> list[Tag]:
    return list(await session.scalars(select(Tag).order_by(Tag.name)))
