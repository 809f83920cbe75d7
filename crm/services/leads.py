"""Leads: creation with deduplication, edits, assignment, stage moves and conversion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from crm import events
from crm.automation.acting import acting_rule
from crm.contacts import normalize_email, normalize_phone, reversed_digits
from crm.dates import checked_day
from crm.errors import Conflict, DuplicateLead, Forbidden, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    FieldDefinition,
    Lead,
    LostReason,
    Order,
    Role,
    Staff,
    Stage,
    StageKind,
    Tag,
    lead_tags,
    table_of,
    utcnow,
)
from crm.money import parse_amount, parse_currency, to_minor_units
from crm.schemas import LeadChanges, LeadDraft
from crm.services.access import (
    editable_lead,
    flush_or_conflict,
    leads_seen_by,
    may_see_staff,
    require_active,
    require_role,
)
from crm.services.cards import (
    LeadCard,
    NeedsFieldValue,
    NeedsLostReason,
    NeedsLostReasonText,
    NeedsValue,
    NoFurtherStage,
    StageChoices,
    StillNeeded,
    card_of,
)
from crm.services.customers import customer_ids_for_contacts, ensure_customer_for_lead
from crm.services.fields import (
    checked_custom_fields,
    get_field,
    merged_custom_fields,
    missing_field,
    required_fields,
)
from crm.services.pipelines import default_open_stage, get_stage, pipeline_stages
from crm.services.tags import tags_named
from crm.services.timeline import add_first_activities, add_lead_activity, audit

DUPLICATES_SHOWN = 5
LOST_REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    email: str | None


def normalized_contact(phone: str | None, email: str | None, *, phone_region: str) -> Contact:
    return Contact(
        phone=normalize_phone(phone, region=phone_region) if phone else None,
        email=normalize_email(email) if email else None,
    )


def search_text(title: str, contact_name: str | None, email: str | None) -> str:
    """What name search matches: title, contact and e-mail, case-folded."""
    return " ".join((title, contact_name or "", email or "")).casefold()


def phone_columns(phone: str | None) -> dict[str, str | None]:
    """A lead's phone as its columns hold it: as given, and its digits backwards."""
    return {"phone": phone, "phone_digits_reversed": reversed_digits(phone) if phone else None}


def set_phone(lead: Lead, phone: str | None) -> None:
    for column, value in phone_columns(phone).items():
        setattr(lead, column, value)


async def find_duplicates(session: AsyncSession, contact: Contact) -> list[Lead]:
    """Leads sharing the phone or e-mail, newest first."""
    matches = []
    if contact.phone:
        matches.append(Lead.phone == contact.phone)
    if contact.email:
        matches.append(Lead.email == contact.email)
    if not matches:
        return []
    rows = await session.scalars(
        select(Lead).where(or_(*matches)).order_by(Lead.id.desc()).limit(DUPLICATES_SHOWN)
    )
    return list(rows)


async def create_lead(
    session: AsyncSession,
    *,
    actor: Staff | None,
    draft: LeadDraft,
    phone_region: str = "UA",
    allow_duplicate: bool = False,
) -> Lead:
    """Create a lead. ``actor`` is None for leads arriving over HTTP.

    A lead sharing a phone or e-mail with earlier leads raises :class:`DuplicateLead` unless
    ``allow_duplicate``; then it is created and linked to the newest of them. A lead whose
    contact belongs to a known customer is linked to that customer.
    """
    if actor is not None:
        require_active(actor)
    contact = normalized_contact(draft.phone, draft.email, phone_region=phone_region)
    duplicates = await find_duplicates(session, contact)
    if duplicates and not allow_duplicate:
        raise DuplicateLead(duplicates)
    return await add_lead(
        session,
        actor=actor,
        draft=draft,
        contact=contact,
        duplicate_of_id=duplicates[0].id if duplicates else None,
    )


@dataclass(frozen=True, slots=True)
class NewLead:
    """A lead for :func:`add_leads`: ``contact`` is the draft's, normalised, and
    ``duplicate_of_id`` the newest lead sharing it; the person's ``first_message``, if any,
    goes on its timeline at its creation time."""

    draft: LeadDraft
    contact: Contact
    duplicate_of_id: int | None
    first_message: str | None = None


async def add_lead(
    session: AsyncSession,
    *,
    actor: Staff | None,
    draft: LeadDraft,
    contact: Contact,
    duplicate_of_id: int | None,
    first_message: str | None = None,
) -> Lead:
    """The lead of :func:`create_lead` once its duplicates are known (see :class:`NewLead`)."""
    [lead] = await add_leads(
        session, actor=actor, new=[NewLead(draft, contact, duplicate_of_id, first_message)]
    )
    return lead


async def add_leads(
    session: AsyncSession, *, actor: Staff | None, new: Sequence[NewLead]
) -> list[Lead]:
    """Leads added together: their customers looked up in one query, the leads written in
    one INSERT and their first activities in another, whatever their number."""
    if not new:
        return []
    customer_ids = await customer_ids_for_contacts(session, [one.contact for one in new])
    stages: dict[int | None, Stage] = {}
    for one in new:
        if one.draft.stage_id not in stages:
            stages[one.draft.stage_id] = await _initial_stage(session, one.draft.stage_id)
    rows = [
        await _new_lead_row(session, actor, one, customer_id, stages[one.draft.stage_id])
        for one, customer_id in zip(new, customer_ids, strict=True)
    ]
    leads = await _inserted_leads(session, [row for row, _ in rows])
    await _attach_new_leads(session, leads, [tags for _, tags in rows])
    await add_first_activities(
        session,
        [(lead, one.first_message) for lead, one in zip(leads, new, strict=True)],
        author=actor,
    )
    for lead in leads:
        events.record(
            session,
            events.LeadCreated(
                actor_id=actor.id if actor else None,
                lead_id=lead.id,
                responsible_id=lead.responsible_id,
                source=lead.source.value,
            ),
        )
    return leads


# ORM bulk INSERT ... RETURNING: the unit of work's bookkeeping for each new Lead object cost
# more than the statement (bench --intake, profile of its turns).
_INSERT_LEADS = insert(Lead).returning(Lead)
_INSERT_LEADS_IN_ORDER = insert(Lead).returning(Lead, sort_by_parameter_order=True)


async def _inserted_leads(session: AsyncSession, rows: list[dict[str, Any]]) -> list[Lead]:
    """The leads of ``rows``, inserted in as few statements as the driver allows, in order.

    SQLite returns RETURNING rows in no promised order, and SQLAlchemy keeps the order there
    by inserting row by row; but a rowid table gives the rows of one transaction's INSERTs
    ids increasing in the order of their VALUES, so the ids give the order back (as the
    imports rely on). PostgreSQL's sequence promises no such thing: SQLAlchemy sorts there.
    """
    if session.get_bind().dialect.name == "sqlite":
        return sorted(await session.scalars(_INSERT_LEADS, rows), key=lambda lead: lead.id)
    return list(await session.scalars(_INSERT_LEADS_IN_ORDER, rows))


async def _new_lead_row(
    session: AsyncSession, actor: Staff | None, new: NewLead, customer_id: int | None, stage: Stage
) -> tuple[dict[str, Any], list[Tag]]:
    """The new lead's column values, and its tags."""
    draft, contact = new.draft, new.contact
    title = draft.title or draft.contact_name or contact.phone or contact.email
    if not title:
        raise ValidationFailed("lead-needs-name-or-contact", field="title")
    # Its first activities share its creation time: adding them changes nothing on the lead.
    now = utcnow()
    row = {
        "created_at": now,
        "last_activity_at": now,
        "stage_entered_at": now,
        "title": title,
        "contact_name": draft.contact_name,
        **phone_columns(contact.phone),
        "email": contact.email,
        "source": draft.source,
        "source_detail": draft.source_detail,
        "responsible_id": await _initial_responsible(session, actor, draft.responsible_id),
        "currency": parse_currency(draft.currency),
        "expected_close_on": _expected_close(draft.expected_close_on),
        "custom_fields": await checked_custom_fields(session, draft.custom_fields),
        "stage_id": stage.id,
        "duplicate_of_id": new.duplicate_of_id,
        "customer_id": customer_id,
        "value_minor": None if draft.value is None else to_minor_units(parse_amount(draft.value)),
        "search_text": search_text(title, draft.contact_name, contact.email),
    }
    return row, await tags_named(session, draft.tags)


async def _attach_new_leads(
    session: AsyncSession, leads: list[Lead], tags: list[list[Tag]]
) -> None:
    """Link the new leads to their tags, and set what they refer to as loaded: the stage and
    owner are in the session already, so nothing is asked of the database."""
    links = [
        {"lead_id": lead.id, "tag_id": tag.id}
        for lead, its_tags in zip(leads, tags, strict=True)
        for tag in its_tags
    ]
    if links:
        await session.execute(insert(lead_tags), links)
    for lead, its_tags in zip(leads, tags, strict=True):
        owner_id = lead.responsible_id
        owner = None if owner_id is None else await session.get(Staff, owner_id)
        set_committed_value(lead, "tags", sorted(its_tags, key=lambda tag: tag.name))
        set_committed_value(lead, "stage", await get_stage(session, lead.stage_id))
        set_committed_value(lead, "responsible", owner)


async def field_missing_at_start(
    session: AsyncSession, *, stage_id: int | None, custom_fields: dict[str, Any]
) -> FieldDefinition | None:
    """The first field a new lead holding ``custom_fields`` lacks to start in ``stage_id``
    (None: the first open stage); the wizard asks for each before it creates the lead."""
    return await missing_field(session, custom_fields, await _initial_stage(session, stage_id))


def _expected_close(day: date | None) -> date | None:
    if day is None:
        return None
    return checked_day(day, today=utcnow().date(), field="expected_close_on")


async def _initial_stage(session: AsyncSession, stage_id: int | None) -> Stage:
    if stage_id is None:
        return await default_open_stage(session)
    stage = await get_stage(session, stage_id)
    if stage.kind != StageKind.OPEN:
        raise ValidationFailed("stage-not-open", field="stage_id")
    return stage


async def _initial_responsible(
    session: AsyncSession, actor: Staff | None, responsible_id: int | None
) -> int | None:
    if responsible_id is None:
        return actor.id if actor else None
    if actor is not None and actor.role == Role.REP and responsible_id != actor.id:
        raise Forbidden("reps create leads for themselves")
    owner = await _active_staff(session, responsible_id)
    if actor is not None:
        await _require_within_scope(session, actor, owner)
    return owner.id


async def _require_within_scope(session: AsyncSession, actor: Staff, owner: Staff) -> None:
    """A lead is handed only to someone whose leads ``actor`` sees: a team's manager cannot
    move a lead out of their teams, nor into another team."""
    if not await may_see_staff(session, actor=actor, staff_id=owner.id):
        raise Forbidden(f"staff {owner.id} is outside {actor.id}'s teams")


async def _active_staff(session: AsyncSession, staff_id: int) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None or not staff.is_active:
        raise ValidationFailed("responsible-invalid", field="responsible_id")
    return staff


async def update_lead(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    changes: LeadChanges,
    seen_version: int | None = None,
    phone_region: str = "UA",
) -> Lead:
    """Change the fields set in ``changes``; each changed field goes to the audit log."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    new_values = await _normalized_changes(session, lead, changes, phone_region=phone_region)
    for field, new in new_values.items():
        old = getattr(lead, field)
        if old == new:
            continue
        if field == "phone":
            set_phone(lead, new)
        else:
            setattr(lead, field, new)
        audit(session, actor=actor, entity="lead", entity_id=lead.id, field=field, old=old, new=new)
    lead.search_text = search_text(lead.title, lead.contact_name, lead.email)
    await flush_or_conflict(session)
    return lead


async def _normalized_changes(
    session: AsyncSession, lead: Lead, changes: LeadChanges, *, phone_region: str
) -> dict[str, Any]:
    values = changes.model_dump(exclude_unset=True)
    if "phone" in values or "email" in values:
        contact = normalized_contact(
            values.get("phone"), values.get("email"), phone_region=phone_region
        )
        values.update({k: getattr(contact, k) for k in ("phone", "email") if k in values})
    if "value" in values:
        raw = values.pop("value")
        values["value_minor"] = None if raw is None else to_minor_units(parse_amount(raw))
    if values.get("currency") is not None:
        values["currency"] = parse_currency(values["currency"])
    if "expected_close_on" in values:
        values["expected_close_on"] = _expected_close(values["expected_close_on"])
    if values.get("custom_fields") is not None:
        values["custom_fields"] = await merged_custom_fields(session, lead, values["custom_fields"])
    if "title" in values and not values["title"]:
        raise ValidationFailed("title-empty", field="title")
    return values


async def assign_lead(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    responsible_id: int,
    seen_version: int | None = None,
) -> Lead:
    require_role(actor, Role.ADMIN, Role.MANAGER)
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    new_owner = await _active_staff(session, responsible_id)
    await _require_within_scope(session, actor, new_owner)
    previous = lead.responsible_id
    if previous == new_owner.id:
        return lead
    lead.responsible_id = new_owner.id
    lead.responsible = new_owner
    add_lead_activity(
        session, lead, kind=ActivityKind.ASSIGNMENT, author=actor, text=new_owner.display_name
    )
    audit(
        session,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        field="responsible_id",
        old=previous,
        new=new_owner.id,
    )
    events.record(
        session,
        events.LeadAssigned(
            actor_id=actor.id, lead_id=lead.id, from_user_id=previous, to_user_id=new_owner.id
        ),
    )
    await flush_or_conflict(session)
    return lead


# Every button of the lead card that moves the lead is one use case here. Each loads the lead
# once, refuses a card older than the lead (``seen_version``), and answers with the new card,
# or with what the move still needs (a value, a reason), having changed nothing.


async def move_to_next_stage(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int
) -> LeadCard | StillNeeded | NoFurtherStage:
    return await _move_along(
        session, actor=actor, lead_id=lead_id, seen_version=seen_version, step=1
    )


async def move_to_previous_stage(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int
) -> LeadCard | StillNeeded | NoFurtherStage:
    """Back a stage; from Lost, to the last stage of the walk (Won, as before)."""
    return await _move_along(
        session, actor=actor, lead_id=lead_id, seen_version=seen_version, step=-1
    )


async def _move_along(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int, step: int
) -> LeadCard | StillNeeded | NoFurtherStage:
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    target = await _neighbour_stage(session, lead, step=step)
    if target is None:
        return NoFurtherStage(lead_id=lead.id)
    return await _entered_or_needed(session, lead, target, actor=actor)


async def _neighbour_stage(session: AsyncSession, lead: Lead, *, step: int) -> Stage | None:
    """The stage ``step`` places along the pipeline, Lost stages left out of the walk."""
    stages = await pipeline_stages(session, pipeline_id=lead.stage.pipeline_id)
    walk = [s for s in stages if s.kind != StageKind.LOST]
    if lead.stage.kind == StageKind.LOST:
        return walk[-1] if step < 0 and walk else None
    index = next(i for i, s in enumerate(walk) if s.id == lead.stage_id) + step
    return walk[index] if 0 <= index < len(walk) else None


async def stage_choices(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int
) -> StageChoices:
    """The stages to pick from, offered on the card the person saw: an older card is refused,
    so a stage picked from the list is never applied to a lead the person has not seen."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    stages = await pipeline_stages(session, pipeline_id=lead.stage.pipeline_id)
    return StageChoices(card=await card_of(session, actor=actor, lead=lead), stages=stages)


async def move_to_stage(
    session: AsyncSession, *, actor: Staff, lead_id: int, stage_id: int, seen_version: int
) -> LeadCard | StillNeeded:
    """Move to a stage picked from the list: at once when the lead is ready for it, else
    the lead is read and every rule says what stops the move or what it still needs."""
    target = await get_stage(session, stage_id)
    moved = await _moved_at_once(
        session, actor=actor, lead_id=lead_id, target=target, seen_version=seen_version
    )
    if moved is not None:
        return await card_of(session, actor=actor, lead=moved)
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    return await _entered_or_needed(
        session, lead, await _stage_of_pipeline(session, lead, stage_id), actor=actor
    )


# The move without reading the lead first, into a stage that asks for no custom field: its
# timeline entry is written only if the lead is, in the same statement, as the move needs it
# (seen by the actor, the version on their card, another stage of the target's pipeline, a
# value for Won), then the lead is moved and read back in one UPDATE ... RETURNING. Whatever
# does not hold leaves nothing written, and the move is made the long way, whose rules give
# the answer. The conditions here are a stricter copy of those rules: one that fails
# needlessly costs time, never a wrong move.


async def _moved_at_once(
    session: AsyncSession, *, actor: Staff, lead_id: int, target: Stage, seen_version: int
) -> Lead | None:
    """The lead moved into ``target``, or None, nothing written, if it was not ready."""
    require_active(actor)
    if target.kind == StageKind.LOST or await required_fields(session, target):
        return None
    now = utcnow()
    entry = _stage_change_entry(actor.id, actor.role, into_won=target.kind == StageKind.WON)
    # Core on the session's connection: through the session, the ORM annotates the INSERT
    # anew at each execution, and making its cache key anew took longer than running it.
    # Nothing the session holds is changed by it; the UPDATE below flushes what is pending.
    connection = await session.connection()
    from_stage_id = (
        await connection.execute(
            entry,
            {
                "lead_id": lead_id,
                "seen_version": seen_version,
                "target_id": target.id,
                "pipeline_id": target.pipeline_id,
                "now": now,
                "rule_name": acting_rule(session),
            },
        )
    ).scalar_one_or_none()
    if from_stage_id is None:
        return None
    moved: Lead | None = await session.scalar(
        _MOVE,
        {
            "lead_id": lead_id,
            "seen_version": seen_version,
            "target_id": target.id,
            "now": now,
            "won_at": now if target.kind == StageKind.WON else None,
        },
    )
    if moved is None:
        # Only PostgreSQL lets another transaction change the lead between the two.
        raise Conflict(f"lead {lead_id} changed meanwhile")
    _attach_stage_and_owner(moved, target, actor)
    _record_stage_events(session, moved, actor=actor, from_stage_id=from_stage_id, lost_for=None)
    return moved


@lru_cache(maxsize=1024)
def _stage_change_entry(
    actor_id: int, role: Role, *, into_won: bool
) -> ReturningInsert[int | None]:
    """INSERT of the stage-change activity, made only when the lead may enter the target;
    returns the stage it leaves. Composed once per person, role and kind of target: the lead,
    the versions, the target and the time are bound at each move."""
    columns = Activity.__table__.c
    ready = [
        Lead.id == bindparam("lead_id"),
        Lead.version == bindparam("seen_version"),
        leads_seen_by(actor_id, role),
        Lead.stage_id != bindparam("target_id"),
        Lead.stage_id.in_(select(Stage.id).where(Stage.pipeline_id == bindparam("pipeline_id"))),
    ]
    if into_won:
        ready.append(Lead.value_minor.is_not(None))
    row = {
        "kind": literal(ActivityKind.STAGE_CHANGE, columns.kind.type),
        "lead_id": Lead.id,
        "customer_id": Lead.customer_id,
        "author_id": literal(actor_id, columns.author_id.type),
        "from_stage_id": Lead.stage_id,
        "to_stage_id": bindparam("target_id", type_=columns.to_stage_id.type),
        "created_at": bindparam("now", type_=columns.created_at.type),
        "rule_name": bindparam("rule_name", type_=columns.rule_name.type),
    }
    return (
        insert(table_of(Activity))
        .from_select(list(row), select(*row.values()).where(*ready))
        .returning(columns.from_stage_id)
    )


def _move_statement() -> ExecutableReturnsRows:
    """The lead moved and read back: a Core UPDATE ... RETURNING the ORM loads the lead from.
    Its cache key is made once (an ORM UPDATE is annotated anew, and its key made anew, at
    each execution, which took longer than running it)."""
    table = table_of(Lead)
    leads = table.c
    moved = (
        update(table)
        .where(leads.id == bindparam("lead_id"), leads.version == bindparam("seen_version"))
        .values(
            stage_id=bindparam("target_id"),
            stage_entered_at=bindparam("now"),
            last_activity_at=bindparam("now"),
            won_at=bindparam("won_at"),
            lost_at=None,
            lost_reason_code=None,
            lost_reason=None,
            version=leads.version + 1,
        )
        .returning(*leads)
    )
    return select(Lead).from_statement(moved).execution_options(populate_existing=True)


_MOVE = _move_statement()


def _attach_stage_and_owner(lead: Lead, stage: Stage, actor: Staff) -> None:
    """What loading a lead joins (its stage and responsible person), on a lead read back
    from an UPDATE: the stage known already, the owner most often the actor. Another owner is
    left to the card, whose statement reads them (:func:`crm.services.cards.card_of`)."""
    set_committed_value(lead, "stage", stage)
    owner = lead.responsible_id
    if owner is None or owner == actor.id:
        set_committed_value(lead, "responsible", actor if owner is not None else None)


async def fill_field_and_move(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    seen_version: int,
    field_id: int,
    value: str,
    stage_id: int,
) -> LeadCard | StillNeeded:
    """The custom field a move asked for, then the move itself (or what it still needs)."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    target = await _stage_of_pipeline(session, lead, stage_id)
    definition = await get_field(session, field_id)
    old = lead.custom_fields.get(definition.key)
    lead.custom_fields = await merged_custom_fields(session, lead, {definition.key: value})
    new = lead.custom_fields.get(definition.key)
    audit(
        session,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        field=definition.key,
        old=old,
        new=new,
    )
    await flush_or_conflict(session)
    return await _entered_or_needed(session, lead, target, actor=actor)


async def _stage_of_pipeline(session: AsyncSession, lead: Lead, stage_id: int) -> Stage:
    target = await get_stage(session, stage_id)
    if target.pipeline_id != lead.stage.pipeline_id:
        raise ValidationFailed("stage-not-in-pipeline", field="stage_id")
    return target


async def _entered_or_needed(
    session: AsyncSession, lead: Lead, target: Stage, *, actor: Staff
) -> LeadCard | StillNeeded:
    """Move ``lead`` into ``target``, or say what it needs first; Lost asks for its reason."""
    needed = await still_needed(session, lead, target, reason=None, words=None)
    if needed is not None:
        return needed
    return await _entered(session, lead, target, actor=actor)


async def mark_won(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int
) -> LeadCard | StillNeeded:
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    return await _entered_or_needed(session, lead, await won_stage(session, lead), actor=actor)


async def win_with_value(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int, value: str | Decimal
) -> LeadCard | StillNeeded:
    """Won, with the value the person was asked for; a custom field Won requires is asked
    for next, the value kept."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    lead.value_minor = to_minor_units(parse_amount(value))
    await flush_or_conflict(session)
    return await _entered_or_needed(session, lead, await won_stage(session, lead), actor=actor)


async def mark_lost(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    seen_version: int,
    reason: LostReason | None = None,
) -> LeadCard | NeedsLostReason | NeedsLostReasonText:
    """Lost for ``reason``; without one it asks for one, and for "other" it asks for words."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    reason_missing = reason_needed(lead, reason=reason, words=None)
    if reason_missing is not None:
        return reason_missing
    return await _entered(
        session, lead, await lost_stage(session, lead), actor=actor, reason=reason
    )


async def lose_with_words(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int, words: str
) -> LeadCard:
    """Lost for a reason of the person's own, in the words they were asked for."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    words = words.strip()
    if len(words) > LOST_REASON_MAX:
        raise ValidationFailed("lost-reason-too-long", field="lost_reason")
    target = await lost_stage(session, lead)
    return await _entered(session, lead, target, actor=actor, reason=LostReason.OTHER, words=words)


def value_needed(lead: Lead) -> NeedsValue | None:
    """The rule of winning: a won deal has a value."""
    return NeedsValue(lead_id=lead.id, version=lead.version) if lead.value_minor is None else None


def reason_needed(
    lead: Lead, *, reason: LostReason | None, words: str | None
) -> NeedsLostReason | NeedsLostReasonText | None:
    """The rule of losing: a lost deal has a reason, and the reason "other" has words."""
    if reason is None:
        return NeedsLostReason(lead_id=lead.id, version=lead.version)
    if reason == LostReason.OTHER and not words:
        return NeedsLostReasonText(lead_id=lead.id, version=lead.version)
    return None


async def still_needed(
    session: AsyncSession,
    lead: Lead,
    target: Stage,
    *,
    reason: LostReason | None,
    words: str | None,
) -> StillNeeded | None:
    """What ``lead`` lacks to enter ``target``: Won a value, Lost a reason, and a stage the
    custom fields it requires."""
    if target.kind == StageKind.LOST:
        return reason_needed(lead, reason=reason, words=words)
    if target.kind == StageKind.WON and (value_missing := value_needed(lead)) is not None:
        return value_missing
    definition = await missing_field(session, lead.custom_fields, target)
    if definition is None:
        return None
    return NeedsFieldValue(
        lead_id=lead.id, version=lead.version, stage_id=target.id, definition=definition
    )


async def _entered(
    session: AsyncSession,
    lead: Lead,
    target: Stage,
    *,
    actor: Staff,
    reason: LostReason | None = None,
    words: str | None = None,
) -> LeadCard:
    await _enter_stage(session, lead, target, actor=actor, reason=reason, words=words)
    await flush_or_conflict(session)
    return await card_of(session, actor=actor, lead=lead)


async def _enter_stage(
    session: AsyncSession,
    lead: Lead,
    target: Stage,
    *,
    actor: Staff,
    reason: LostReason | None = None,
    words: str | None = None,
) -> None:
    """Move ``lead`` into ``target``. Whatever it still lacks is bad input here: the use cases
    ask for it before they come this far."""
    if target.id == lead.stage_id:
        raise ValidationFailed("stage-unchanged", field="stage_id")
    needed = await still_needed(session, lead, target, reason=reason, words=words)
    if needed is not None:
        raise ValidationFailed(needed.code, field=needed.field)
    lost_for = reason if target.kind == StageKind.LOST else None
    now = utcnow()
    source_id = lead.stage_id
    lead.stage_id, lead.stage = target.id, target
    lead.stage_entered_at = now
    lead.won_at = now if target.kind == StageKind.WON else None
    lead.lost_at = now if lost_for is not None else None
    lead.lost_reason_code = lost_for.value if lost_for is not None else None
    lead.lost_reason = words if lost_for == LostReason.OTHER else None
    add_lead_activity(
        session,
        lead,
        kind=ActivityKind.STAGE_CHANGE,
        author=actor,
        text=lead.lost_reason,
        at=now,
        from_stage_id=source_id,
        to_stage_id=target.id,
    )
    _record_stage_events(session, lead, actor=actor, from_stage_id=source_id, lost_for=lost_for)


def _record_stage_events(
    session: AsyncSession,
    lead: Lead,
    *,
    actor: Staff,
    from_stage_id: int,
    lost_for: LostReason | None,
) -> None:
    events.record(
        session,
        events.StageChanged(
            actor_id=actor.id,
            lead_id=lead.id,
            from_stage_id=from_stage_id,
            to_stage_id=lead.stage_id,
        ),
    )
    if lead.stage.kind == StageKind.WON:
        events.record(
            session,
            events.LeadWon(
                actor_id=actor.id, lead_id=lead.id, value=lead.value, currency=lead.currency
            ),
        )
    elif lost_for is not None:
        events.record(
            session,
            events.LeadLost(
                actor_id=actor.id,
                lead_id=lead.id,
                reason_code=lost_for,
                reason_text=lead.lost_reason,
            ),
        )


async def convert_lead_to_order(
    session: AsyncSession,
    *,
    actor: Staff,
    lead_id: int,
    external_id: str,
    amount: str | Decimal,
    currency: str | None = None,
    seen_version: int | None = None,
) -> Order:
    """Create the order, keep its id on the lead, mark the lead won, make the contact a customer."""
    lead = await editable_lead(session, actor=actor, lead_id=lead_id, seen_version=seen_version)
    if lead.order_id is not None:
        raise Conflict("lead already converted")
    external_id = external_id.strip()
    if not external_id or len(external_id) > 64:
        raise ValidationFailed("order-id-invalid", field="external_id")
    amount_minor = to_minor_units(parse_amount(amount, field="amount"))
    customer = await ensure_customer_for_lead(session, lead)
    order = Order(
        customer_id=customer.id,
        external_id=external_id,
        amount_minor=amount_minor,
        currency=parse_currency(currency or lead.currency),
        lead_id=lead.id,
    )
    session.add(order)
    await session.flush()
    lead.order_id = order.id
    events.record(
        session, events.OrderLinked(actor_id=actor.id, lead_id=lead.id, order_id=order.id)
    )
    if lead.value_minor is None:
        lead.value_minor = amount_minor
    if lead.stage.kind != StageKind.WON:
        await _enter_stage(session, lead, await won_stage(session, lead), actor=actor)
    add_lead_activity(session, lead, kind=ActivityKind.CONVERSION, author=actor, text=external_id)
    await flush_or_conflict(session)
    return order


async def won_stage(session: AsyncSession, lead: Lead) -> Stage:
    return await _first_stage_of_kind(session, lead, StageKind.WON)


async def lost_stage(session: AsyncSession, lead: Lead) -> Stage:
    return await _first_stage_of_kind(session, lead, StageKind.LOST)


async def _first_stage_of_kind(session: AsyncSession, lead: Lead, kind: StageKind) -> Stage:
    stages = await pipeline_stages(session, pipeline_id=lead.stage.pipeline_id)
    stage = next((s for s in stages if s.kind == kind), None)
    if stage is None:
        raise ValidationFailed(f"pipeline-has-no-{kind.value}-stage", field="stage_id")
    return stage
