"""Leads that are likely one deal, and merging two of them into one.

Two leads are likely duplicates when they share a normalised phone or e-mail (both columns
indexed). Managers and admins see the pairs within their scope and merge them: the newer lead
stays (so no id a button may still carry is ever handed to a new lead), everything the older
one had (activities, tasks, tags, orders, intake receipts, custom field values, the links to
its customer and order) moves to it, where both hold different values the manager picks which
one stays, and the older id keeps opening the newer lead through :class:`LeadMerge`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm.models import (
    HELD_TWICE,
    Activity,
    ActivityKind,
    DuplicateKey,
    FieldDefinition,
    IntakeReceipt,
    Lead,
    LeadMerge,
    Order,
    Role,
    Staff,
    Task,
    lead_tags,
)
from crm.money import from_minor_units
from crm.services.access import (
    flush_or_conflict,
    may_see_lead,
    require_role,
    work_seen_by_reader,
)
from crm.services.board import OpenPage
from crm.services.duplicates import (
    MERGING_ROLES,
    PAGE_SIZE,
    Likeness,
    move_tag_links,
    rows_of_pairs,
)
from crm.services.fields import field_definitions
from crm.services.leads import search_text, set_phone
from crm.services.timeline import add_lead_activity, audit

LEAD_KINDS = ("lead:phone", "lead:email")
# What a merge moves to the lead kept, table by table.
MOVED_ROWS: dict[str, InstrumentedAttribute[int | None]] = {
    "activities": Activity.lead_id,
    "tasks": Task.lead_id,
    "orders": Order.lead_id,
}
# Rows that point at the merged-away lead without being shown as its own.
REPOINTED: tuple[InstrumentedAttribute[int | None], ...] = (
    IntakeReceipt.lead_id,
    Lead.duplicate_of_id,
)


@dataclass(frozen=True, slots=True)
class LeadPair:
    first: Lead
    second: Lead
    # What they share: the phone or the e-mail itself.
    shared: list[tuple[Likeness, str]]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A field both leads hold with different values: the manager picks one. ``field`` names
    a field of the lead (``title``, ``value``...) or, with ``definition``, a custom field;
    the values are as shown (a custom field's as stored, for its kind to word)."""

    field: str
    kept: str
    dropped: str
    definition: FieldDefinition | None = None


@dataclass(frozen=True, slots=True)
class LeadMergePreview:
    """What merging ``dropped`` into ``kept`` will leave, and what is still to be picked."""

    kept: Lead
    dropped: Lead
    disagreements: list[Disagreement]
    moving: dict[str, int]


@dataclass(frozen=True, slots=True)
class LeadPairs(OpenPage[LeadPair]):
    # How many phones and e-mails two or more leads hold, shown only to whom sees every
    # lead: a manager's count would need every pair of their scope listed.
    shared_values: int | None


async def lead_duplicate_pairs(session: AsyncSession, *, actor: Staff, page: int) -> LeadPairs:
    """One page of pairs of leads ``actor`` sees both of: by the phone they share (in the
    order of the values), then by the e-mail, each value's pairs lowest ids first. A page
    beyond the end (pairs merged since) shows the first one."""
    require_role(actor, *MERGING_ROLES)
    page = max(page, 0)
    ids = await _page_of_pairs(session, actor, page)
    if not ids and page > 0:
        page, ids = 0, await _page_of_pairs(session, actor, 0)
    leads = await rows_of_pairs(session, Lead, ids[:PAGE_SIZE])
    return LeadPairs(
        items=[LeadPair(first, second, _shared(first, second)) for first, second in leads],
        page=page,
        page_size=PAGE_SIZE,
        has_next=len(ids) > PAGE_SIZE,
        shared_values=await _shared_values(session) if actor.role is Role.ADMIN else None,
    )


async def _page_of_pairs(session: AsyncSession, actor: Staff, page: int) -> list[tuple[int, int]]:
    """The ids of the page's pairs and of one more if another page follows."""
    skipped = page * PAGE_SIZE
    rows = await session.execute(
        _pairs_seen_by(actor.id, actor.role),
        {"walked": skipped + PAGE_SIZE + 1, "skipped": skipped},
    )
    return [(first_id, second_id) for first_id, second_id in rows]


async def _shared_values(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).where(DuplicateKey.kind.in_(LEAD_KINDS), HELD_TWICE)
    )
    return int(count or 0)


@lru_cache(maxsize=1024)
def _pairs_seen_by(reader_id: int, role: Role) -> Select[int, int]:
    """The pairs of a page, composed once per person and role (as access.leads_seen_by: a
    manager's team subqueries and the table aliases took longer to compose than the page
    took to run; who is in which team is read by the query each time). Each of phones and
    e-mails walks its values held twice in order on their partial index (crm.duplicate_keys)
    and the leads holding each by the column's index, and stops once past the page
    (``:walked`` pairs): a page costs what precedes it, not every pair there is. A pair
    sharing both a phone and an e-mail is listed under its phone only."""

    def sharing(order: int, column: str, other: str | None) -> Subquery:
        first, second = Lead.__table__.alias(), Lead.__table__.alias()
        held = DuplicateKey.__table__.alias()
        query = (
            select(
                literal(order).label("kind"),
                held.c.value,
                first.c.id.label("first_id"),
                second.c.id.label("second_id"),
            )
            .join(first, first.c[column] == held.c.value)
            .join(second, and_(second.c[column] == held.c.value, second.c.id > first.c.id))
            .where(
                held.c.kind == f"lead:{column}",
                HELD_TWICE,
                work_seen_by_reader(reader_id, role, first.c.responsible_id),
                work_seen_by_reader(reader_id, role, second.c.responsible_id),
            )
            .order_by(held.c.value, first.c.id, second.c.id)
            .limit(bindparam("walked", type_=Integer))
        )
        if other is not None:
            mine, theirs = first.c[other], second.c[other]
            query = query.where(or_(mine.is_(None), theirs.is_(None), mine != theirs))
        return query.subquery()

    walks = [sharing(0, "phone", None), sharing(1, "email", "phone")]
    pairs = union_all(*(select(walk) for walk in walks)).subquery()
    return (
        select(pairs.c.first_id, pairs.c.second_id)
        .order_by(pairs.c.kind, pairs.c.value, pairs.c.first_id, pairs.c.second_id)
        .offset(bindparam("skipped", type_=Integer))
        .limit(PAGE_SIZE + 1)
    )


def _shared(first: Lead, second: Lead) -> list[tuple[Likeness, str]]:
    shared = []
    if first.phone and first.phone == second.phone:
        shared.append((Likeness.PHONE, first.phone))
    if first.email and first.email == second.email:
        shared.append((Likeness.EMAIL, first.email))
    return shared


@dataclass(frozen=True, slots=True)
class _Field:
    """A field of the lead a merge reconciles: how to read it, write it and show it."""

    read: Callable[[Lead], Any]
    write: Callable[[Lead, Any], None]
    show: Callable[[Any], str] = str


def _money(value: tuple[int, str]) -> str:
    minor, currency = value
    return f"{from_minor_units(minor)} {currency}"


def _set_value(lead: Lead, value: tuple[int, str] | None) -> None:
    lead.value_minor, lead.currency = value if value else (None, lead.currency)


FIELDS: dict[str, _Field] = {
    "title": _Field(lambda lead: lead.title, lambda lead, v: setattr(lead, "title", v)),
    "contact_name": _Field(
        lambda lead: lead.contact_name, lambda lead, v: setattr(lead, "contact_name", v)
    ),
    "phone": _Field(lambda lead: lead.phone, set_phone),
    "email": _Field(lambda lead: lead.email, lambda lead, v: setattr(lead, "email", v)),
    "value": _Field(
        lambda lead: None if lead.value_minor is None else (lead.value_minor, lead.currency),
        _set_value,
        _money,
    ),
    "customer": _Field(
        lambda lead: lead.customer_id,
        lambda lead, v: setattr(lead, "customer_id", v),
        lambda v: f"#{v}",
    ),
    "order": _Field(
        lambda lead: lead.order_id, lambda lead, v: setattr(lead, "order_id", v), lambda v: f"#{v}"
    ),
}


async def lead_merge_preview(
    session: AsyncSession, *, actor: Staff, keep_id: int, drop_id: int
) -> LeadMergePreview:
    """What a merge would do, checked as the merge itself checks it; changes nothing."""
    kept, dropped = await _mergeable(session, actor, keep_id, drop_id)
    moving = {
        name: int(await session.scalar(select(func.count()).where(column == drop_id)) or 0)
        for name, column in MOVED_ROWS.items()
    }
    return LeadMergePreview(
        kept=kept,
        dropped=dropped,
        disagreements=await _disagreements(session, kept, dropped),
        moving=moving,
    )


async def merge_leads(
    session: AsyncSession, *, actor: Staff, keep_id: int, drop_id: int, picks: int
) -> Lead:
    """Merge lead ``drop_id`` into ``keep_id``. Bit ``n`` of ``picks`` set takes the merged-away
    lead's value of the preview's ``n``-th disagreement; a field only it holds is taken too.
    Its activities, tasks, orders and tags move over, it is removed, and its id opens
    ``keep_id`` from now on. Each value changed and the merge itself go to the audit log."""
    kept, dropped = await _mergeable(session, actor, keep_id, drop_id)
    disagreements = await _disagreements(session, kept, dropped)
    if picks < 0 or picks >> len(disagreements):
        raise ValidationFailed("merge-picks", field="picks")
    taken = [d for n, d in enumerate(disagreements) if picks >> n & 1]
    # A custom field's key may read like a field of the lead ("title"): kept apart.
    _take_fields(session, actor, kept, dropped, {d.field for d in taken if d.definition is None})
    _take_custom_fields(
        session, actor, kept, dropped, {d.field for d in taken if d.definition is not None}
    )
    kept.search_text = search_text(kept.title, kept.contact_name, kept.email)
    if kept.duplicate_of_id == dropped.id:
        kept.duplicate_of_id = None
    await _move_rows(session, keep_id=kept.id, drop_id=dropped.id)
    # Its tag links were moved under the ORM: the delete must not look for them again.
    session.expire(dropped, ["tags"])
    add_lead_activity(
        session,
        kept,
        kind=ActivityKind.MERGE,
        author=actor,
        text=f"#{dropped.id} {dropped.title} ({actor.display_name})",
    )
    audit(
        session,
        actor=actor,
        entity="lead",
        entity_id=kept.id,
        field="merged_from",
        old=None,
        new=dropped.id,
    )
    session.add(LeadMerge(merged_id=dropped.id, into_id=kept.id))
    await session.delete(dropped)
    await flush_or_conflict(session)
    await session.refresh(kept, ["tags"])
    return kept


def _take_fields(
    session: AsyncSession, actor: Staff, kept: Lead, dropped: Lead, taken: set[str]
) -> None:
    for name, field in FIELDS.items():
        mine, theirs = field.read(kept), field.read(dropped)
        if theirs is not None and (mine is None or name in taken) and theirs != mine:
            field.write(kept, theirs)
            old = None if mine is None else field.show(mine)
            audit(
                session,
                actor=actor,
                entity="lead",
                entity_id=kept.id,
                field=name,
                old=old,
                new=field.show(theirs),
            )


def _take_custom_fields(
    session: AsyncSession, actor: Staff, kept: Lead, dropped: Lead, taken: set[str]
) -> None:
    values = dict(kept.custom_fields)
    for key, theirs in dropped.custom_fields.items():
        mine = values.get(key)
        if theirs not in (None, "") and (mine in (None, "") or key in taken) and theirs != mine:
            values[key] = theirs
            audit(
                session,
                actor=actor,
                entity="lead",
                entity_id=kept.id,
                field=key,
                old=mine,
                new=theirs,
            )
    # A new dict: the JSON column notices only assignment.
    kept.custom_fields = values


async def _move_rows(session: AsyncSession, *, keep_id: int, drop_id: int) -> None:
    for column in (*MOVED_ROWS.values(), *REPOINTED):
        await session.execute(
            update(column.class_).where(column == drop_id).values({column: keep_id})
        )
    await move_tag_links(session, lead_tags.c.lead_id, keep_id=keep_id, drop_id=drop_id)
    # Ids merged into the one merged away now open the one kept: one look-up always suffices.
    await session.execute(
        update(LeadMerge).where(LeadMerge.into_id == drop_id).values(into_id=keep_id)
    )


async def _disagreements(session: AsyncSession, kept: Lead, dropped: Lead) -> list[Disagreement]:
    """The fields both leads hold with different values, the lead's own first, then the custom
    fields in the order the admin added them."""
    found = [
        Disagreement(name, field.show(mine), field.show(theirs))
        for name, field in FIELDS.items()
        if (mine := field.read(kept)) is not None
        and (theirs := field.read(dropped)) is not None
        and mine != theirs
    ]
    for definition in await field_definitions(session):
        mine, theirs = (
            kept.custom_fields.get(definition.key),
            dropped.custom_fields.get(definition.key),
        )
        if mine not in (None, "") and theirs not in (None, "") and mine != theirs:
            found.append(Disagreement(definition.key, str(mine), str(theirs), definition))
    return found


async def _mergeable(
    session: AsyncSession, actor: Staff, keep_id: int, drop_id: int
) -> tuple[Lead, Lead]:
    """Both leads, if ``actor`` may merge them: a manager or admin who sees both, the newer
    one kept, both still there and still sharing a phone or an e-mail. A button of an older
    screen (one of them merged since) or a forged one fails here, before anything changes."""
    require_role(actor, *MERGING_ROLES)
    if keep_id <= drop_id:
        raise ValidationFailed("merge-keeps-newer", field="lead_id")
    kept = await _live_lead(session, actor, keep_id)
    dropped = await _live_lead(session, actor, drop_id)
    if not _shared(kept, dropped):
        raise ValidationFailed("merge-leads-not-duplicates", field="lead_id")
    return kept, dropped


async def _live_lead(session: AsyncSession, actor: Staff, lead_id: int) -> Lead:
    lead = await session.get(Lead, lead_id)
    if lead is None:
        if await session.get(LeadMerge, lead_id) is not None:
            raise Conflict(f"lead {lead_id} was merged already")
        raise NotFound(f"lead {lead_id}")
    if not await may_see_lead(session, actor=actor, lead_id=lead_id):
        raise Forbidden(f"lead {lead_id} belongs to someone else")
    return lead
