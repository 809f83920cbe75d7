"""The activity timeline and the audit log: every change leaves an entry in one of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.automation.acting import acting_rule
from crm.errors import ValidationFailed
from crm.inserts import rows_insert
from crm.models import NOTE_MAX_LENGTH, Activity, ActivityKind, AuditEntry, Lead, Staff, utcnow
from crm.services.access import editable_lead, flush_or_conflict, visible_lead

LOGGABLE_KINDS = frozenset({ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.MESSAGE})
# Where a long note is best cut in two, likeliest first: a paragraph, a line, a sentence, a word.
NOTE_BREAKS = ("\n\n", "\n", ". ", " ")


def add_lead_activity(
    session: AsyncSession,
    lead: Lead,
    *,
    kind: ActivityKind,
    author: Staff | None,
    text: str | None = None,
    at: datetime | None = None,
    from_stage_id: int | None = None,
    to_stage_id: int | None = None,
) -> Activity:
    at = at or utcnow()
    lead.last_activity_at = at
    activity = Activity(
        **_activity_values(session, lead, kind=kind, author=author, text=text, at=at),
        from_stage_id=from_stage_id,
        to_stage_id=to_stage_id,
    )
    session.add(activity)
    return activity


async def add_first_activities(
    session: AsyncSession, firsts: Sequence[tuple[Lead, str | None]], *, author: Staff | None
) -> None:
    """New (inserted) leads' "created" entries and each person's first message, if any, at
    the lead's creation time, written in one statement (the ORM writes one INSERT per entry
    on SQLite, each a round trip). A new lead's last activity is its creation already, so
    the leads are left untouched: setting it again, to the same time, made the unit of work
    compare every lead before the INSERT (bench --intake, profile of its turns)."""
    entries = []
    for lead, message in firsts:
        at = lead.created_at
        entries.append(
            _activity_values(session, lead, kind=ActivityKind.CREATED, author=author, at=at)
        )
        if message:
            entries.append(
                _activity_values(
                    session, lead, kind=ActivityKind.MESSAGE, author=None, at=at, text=message
                )
            )
    await session.execute(rows_insert(Activity), entries)


def _activity_values(
    session: AsyncSession,
    lead: Lead,
    *,
    kind: ActivityKind,
    author: Staff | None,
    at: datetime,
    text: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "lead_id": lead.id,
        "customer_id": lead.customer_id,
        "author_id": author.id if author else None,
        "text": text,
        "created_at": at,
        "rule_name": acting_rule(session),
    }


def audit(
    session: AsyncSession,
    *,
    actor: Staff | None,
    entity: str,
    entity_id: int,
    field: str,
    old: object,
    new: object,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
        )
    )


def checked_note_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("note-empty", field="text")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed("note-too-long", field="text")
    return text


def note_parts(text: str) -> list[str]:
    """``text`` as notes of at most ``NOTE_MAX_LENGTH`` characters, in order: each cut at the
    last paragraph, line, sentence or word end in its second half, else where it is full."""
    text = text.strip()
    if not text:
        raise ValidationFailed("note-empty", field="text")
    parts = []
    while len(text) > NOTE_MAX_LENGTH:
        cut = _note_cut(text)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text]


def _note_cut(text: str) -> int:
    for mark in NOTE_BREAKS:
        at = text.rfind(mark, NOTE_MAX_LENGTH // 2, NOTE_MAX_LENGTH)
        if at != -1:
            return at + len(mark)
    return NOTE_MAX_LENGTH


async def add_note(
    session: AsyncSession, *, actor: Staff, lead_id: int, text: str, seen_version: int | None = None
) -> list[Activity]:
    """The note, kept whole: a text over ``NOTE_MAX_LENGTH`` becomes several notes, in order."""
    parts = note_parts(text)
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    notes = [
        add_lead_activity(session, lead, kind=ActivityKind.NOTE, author=actor, text=part)
        for part in parts
    ]
    await flush_or_conflict(session)
    return notes


async def log_activity(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    kind: ActivityKind,
    text: str | None = None,
    seen_version: int | None = None,
) -> Activity:
    """Log a call, meeting or message with the lead, with an optional comment."""
    if kind not in LOGGABLE_KINDS:
        raise ValidationFailed("activity-kind-invalid", field="kind")
    text = checked_note_text(text) if text else None
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    activity = add_lead_activity(session, lead, kind=kind, author=actor, text=text)
    await flush_or_conflict(session)
    return activity


async def lead_timeline(
    session: AsyncSession, *, actor: Staff, lead_id: int, limit: int = 20, offset: int = 0
) -> list[Activity]:
    """The lead's activities, newest first."""
    await visible_lead(session, actor=actor, lead_id=lead_id)
    rows = await session.scalars(
        select(Activity)
        .where(Activity.lead_id == lead_id)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)
