"""Leads arriving over HTTP: the channels admins open for them, who gets each lead, receipts
that make a replay change nothing, and taking a contact in: a known person's new message
joins their open lead, anyone else's opens a new one (linked to their customer, if known)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Sequence,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate, Update

from crm import events, listeners, stage_cache
from crm.errors import NotFound, ValidationFailed
from crm.inserts import insert_unless_present
from crm.models import (
    NOTE_MAX_LENGTH,
    ActivityKind,
    FieldPreset,
    IntakeChannel,
    IntakeKind,
    IntakeReceipt,
    Lead,
    LeadSource,
    Role,
    Staff,
    Stage,
    StageKind,
    utcnow,
)
from crm.schemas import LeadDraft, parse
from crm.services.access import require_role
from crm.services.leads import Contact, add_lead, normalized_contact
from crm.services.timeline import add_lead_activity

KEY_BYTES = 12
# Channels a web page posts to, whose address may carry a signature instead of the secret.
SIGNED_ADDRESS_KINDS = frozenset({IntakeKind.WEB_FORM, IntakeKind.WEBSITE_CHAT})
# What secrets.token_urlsafe makes: a key of any other shape is nobody's.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
SECRET_BYTES = 24
CHANNEL_NAME_MAX = 100
EXTERNAL_ID_MAX = 128
# Receipts outlive any provider's redeliveries (Meta retries for up to 36 hours, WooCommerce
# for days) by far; after this a replay would be taken in anew.
KEEP_RECEIPTS = timedelta(days=30)
RECEIPTS_PER_ROUND = 5000


class IntakeResult(StrEnum):
    CREATED = "created"
    JOINED = "joined"
    # Something known changed: a shop's order.
    UPDATED = "updated"
    # Taken in before: a replay changes nothing.
    DUPLICATE = "duplicate"
    # Looked at and left: a spam bot's form, a shop's test ping.
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class IncomingContact:
    """A person as a channel describes them, phone and e-mail still as written."""

    name: str | None
    phone: str | None
    email: str | None
    message: str | None
    source: LeadSource
    source_detail: str | None = None


@dataclass(frozen=True, slots=True)
class Intake:
    result: IntakeResult
    lead_id: int | None = None
    customer_id: int | None = None


# Channels, as admins open and close them.


async def open_channel(
    session: AsyncSession,
    *,
    actor: Staff,
    kind: IntakeKind,
    name: str,
    responsible_id: int | None,
    preset: FieldPreset = FieldPreset.GENERIC,
) -> IntakeChannel:
    """A new channel with a fresh key and secret; leads go to ``responsible_id``, or
    round-robin among active reps when it is None."""
    require_role(actor, Role.ADMIN)
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("channel-name-empty", field="name")
    if len(name) > CHANNEL_NAME_MAX:
        raise ValidationFailed(
            "channel-name-too-long", field="name", details={"max": CHANNEL_NAME_MAX}
        )
    if responsible_id is not None:
        await _active_staff_id(session, responsible_id)
    channel = IntakeChannel(
        kind=kind,
        key=secrets.token_urlsafe(KEY_BYTES),
        name=name,
        secret=secrets.token_urlsafe(SECRET_BYTES),
        preset=preset,
        field_names={},
        responsible_id=responsible_id,
        opens_leads=True,
        created_by_id=actor.id,
    )
    session.add(channel)
    await session.flush()
    return channel


async def list_channels(session: AsyncSession, *, actor: Staff) -> list[IntakeChannel]:
    require_role(actor, Role.ADMIN)
    rows = await session.scalars(
        select(IntakeChannel).where(IntakeChannel.revoked_at.is_(None)).order_by(IntakeChannel.id)
    )
    return list(rows)


async def admin_channel(session: AsyncSession, *, actor: Staff, channel_id: int) -> IntakeChannel:
    require_role(actor, Role.ADMIN)
    channel = await session.get(IntakeChannel, channel_id)
    if channel is None or channel.revoked_at is not None:
        raise NotFound(f"intake channel {channel_id}")
    return channel


async def set_channel_responsible(
    session: AsyncSession, *, actor: Staff, channel_id: int, responsible_id: int | None
) -> IntakeChannel:
    """Give the channel's new leads to one person, or (None) to the active reps in turn."""
    channel = await admin_channel(session, actor=actor, channel_id=channel_id)
    channel.responsible_id = (
        None if responsible_id is None else await _active_staff_id(session, responsible_id)
    )
    await session.flush()
    return channel


async def set_channel_opens_leads(
    session: AsyncSession, *, actor: Staff, channel_id: int, opens_leads: bool
) -> IntakeChannel:
    """Whether a shop's new orders also open a lead (or join the buyer's open one)."""
    channel = await admin_channel(session, actor=actor, channel_id=channel_id)
    channel.opens_leads = opens_leads
    await session.flush()
    return channel


async def revoke_channel(session: AsyncSession, *, actor: Staff, channel_id: int) -> IntakeChannel:
    """Close the channel: its key is answered 404 from now on."""
    channel = await admin_channel(session, actor=actor, channel_id=channel_id)
    channel.revoked_at = utcnow()
    await session.flush()
    return channel


async def channel_by_key(
    session: AsyncSession, *, kind: IntakeKind, key: str
) -> IntakeChannel | None:
    """The open channel of ``kind`` with this key, or None; the same statement reads the
    versions of the stages, webhooks and rules, so the intake may use their caches."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    row = (
        await session.execute(_open_channel_by_key(), {"channel_key": key, "channel_kind": kind})
    ).first()
    if row is None:
        return None
    stage_cache.remember_version(session, row.stages_version)
    listeners.remember_versions(session, row)
    channel: IntakeChannel = row.IntakeChannel
    return channel


@cache
def _open_channel_by_key() -> Select[IntakeChannel, *tuple[Any, ...]]:
    """channel_by_key's statement, built once: building it anew cost more than running it."""
    columns = IntakeChannel.__table__.c
    return select(IntakeChannel, stage_cache.version_column(), *listeners.version_columns()).where(
        IntakeChannel.key == bindparam("channel_key", type_=columns.key.type),
        IntakeChannel.kind == bindparam("channel_kind", type_=columns.kind.type),
        IntakeChannel.revoked_at.is_(None),
    )


def address_signature(channel: IntakeChannel) -> str:
    """What a web page (an HTML form, a chat widget) puts in its URL instead of the secret:
    it proves the URL was made by us for this key, without showing the secret to visitors."""
    return hmac.new(
        channel.secret.encode(), f"form:{channel.key}".encode(), hashlib.sha256
    ).hexdigest()


def channel_accepts(
    channel: IntakeChannel, *, secret: str | None, signature: str | None = None
) -> bool:
    """The request carries the channel's secret, or for a channel a web page posts to, its
    address signature; compared in constant time."""
    if secret is not None and hmac.compare_digest(secret.encode(), channel.secret.encode()):
        return True
    return (
        signature is not None
        and channel.kind in SIGNED_ADDRESS_KINDS
        and hmac.compare_digest(signature.encode(), address_signature(channel).encode())
    )


# Receipts: a provider's id for what it sent, taken in once.


def receipt_scope(channel: IntakeChannel) -> str:
    return f"{channel.kind.value}:{channel.id}"


async def claim_receipt(session: AsyncSession, *, scope: str, external_id: str) -> int | None:
    """The id of a new receipt for ``external_id`` within ``scope``, or None when it was taken
    in before (also by another process at this moment: PostgreSQL waits for its commit)."""
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            "submission-key-invalid", field="submission_key", details={"max": EXTERNAL_ID_MAX}
        )
    return await insert_unless_present(
        session,
        IntakeReceipt,
        unique=("scope", "external_id"),
        values={"scope": scope, "external_id": external_id, "received_at": utcnow()},
    )


async def settle_receipt(session: AsyncSession, receipt_id: int, intake: Intake) -> None:
    """Note on the receipt what the submission became."""
    await session.execute(
        _receipt_settled(),
        {
            "receipt": receipt_id,
            "became_lead": intake.lead_id,
            "became_customer": intake.customer_id,
        },
    )


@cache
def _receipt_settled() -> Update:
    """settle_receipt's statement, built once."""
    return (
        update(IntakeReceipt)
        .where(IntakeReceipt.id == bindparam("receipt", type_=Integer))
        .values(
            lead_id=bindparam("became_lead", type_=Integer),
            customer_id=bindparam("became_customer", type_=Integer),
        )
        .execution_options(synchronize_session=False)
    )


async def forget_old_receipts(
    session: AsyncSession, *, now: datetime, keep: timedelta = KEEP_RECEIPTS
) -> int:
    """Delete receipts older than ``keep``, the oldest ``RECEIPTS_PER_ROUND`` at most; how
    many. Receipts are numbered in the order they came, so the oldest are the first ids:
    looking at those alone costs the same at any size of the table, with no index on time."""
    oldest = select(IntakeReceipt.id).order_by(IntakeReceipt.id).limit(RECEIPTS_PER_ROUND)
    result = await session.execute(
        delete(IntakeReceipt)
        .where(
            IntakeReceipt.id.in_(oldest.scalar_subquery()),
            IntakeReceipt.received_at < now - keep,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# Who gets a new lead.


async def responsible_for(session: AsyncSession, channel: IntakeChannel) -> Staff | None:
    """The channel's chosen person while they are active; else the next active rep in turn."""
    if channel.responsible_id is not None:
        chosen = await session.get(Staff, channel.responsible_id)
        if chosen is not None and chosen.is_active:
            return chosen
    return await _next_rep_in_turn(session, channel)


# Numbers round-robin turns on PostgreSQL (migration 0011).
INTAKE_TURNS = Sequence("intake_turns")
_TURN_CHANNEL_PARAMETER = "turn_channel_id"


async def _next_rep_in_turn(session: AsyncSession, channel: IntakeChannel) -> Staff | None:
    """The next active rep in turn.

    On PostgreSQL turns are numbered by a sequence, which hands out numbers without locking
    anything (a channel's row locked until each intake commits made every lead of the channel
    wait for the one before); the reps take turns across all channels there. SQLite lets one
    writer in at a time anyway: there the channel remembers whose turn it was, moved on in
    one UPDATE so that leads arriving at once still go to the reps in turn."""
    if session.get_bind().dialect.name == "postgresql":
        rep: Staff | None = await session.scalar(_rep_of_next_turn())
        return rep
    chosen = await session.scalar(_channel_turn_taken(), {_TURN_CHANNEL_PARAMETER: channel.id})
    return None if chosen is None else await session.get(Staff, chosen)


def _active_reps() -> Select[int]:
    return select(Staff.id).where(Staff.role == Role.REP, Staff.is_active.is_(True))


@cache
def _rep_of_next_turn() -> Select[Staff]:
    """PostgreSQL's next turn and whose it is among the active reps, in one statement."""
    turn = select(INTAKE_TURNS.next_value()).scalar_subquery()
    reps = select(func.count()).select_from(_active_reps().subquery()).scalar_subquery()
    return (
        select(Staff)
        .where(Staff.role == Role.REP, Staff.is_active.is_(True))
        .order_by(Staff.id)
        .offset((turn - 1) % func.nullif(reps, 0))
        .limit(1)
    )


@cache
def _channel_turn_taken() -> ReturningUpdate[int | None]:
    """The UPDATE moving the bound channel's turn to the next active rep, returning them:
    built once, since composing it cost more than running it."""
    active_reps = _active_reps()
    first = select(func.min(active_reps.subquery().c.id))
    after_last = select(func.min(Staff.id)).where(
        Staff.id.in_(active_reps), Staff.id > func.coalesce(IntakeChannel.last_assigned_id, 0)
    )
    return (
        update(IntakeChannel)
        .where(IntakeChannel.id == bindparam(_TURN_CHANNEL_PARAMETER, type_=Integer))
        .values(
            last_assigned_id=func.coalesce(after_last.scalar_subquery(), first.scalar_subquery())
        )
        .returning(IntakeChannel.last_assigned_id)
        .execution_options(synchronize_session=False)
    )


async def _active_staff_id(session: AsyncSession, staff_id: int) -> int:
    staff = await session.get(Staff, staff_id)
    if staff is None or not staff.is_active:
        raise ValidationFailed("responsible-invalid", field="responsible_id")
    return staff.id


# Taking a contact in.


async def take_in_contact(
    session: AsyncSession,
    *,
    contact: IncomingContact,
    channel: IntakeChannel | None,
    phone_region: str = "UA",
    currency: str = "UAH",
) -> Intake:
    """Join the person's open lead (a message on its timeline, its owner told) or open a new
    lead for them, given to the channel's responsible. Bad contact details raise
    :class:`ValidationFailed` and change nothing."""
    message = _checked_message(contact.message)
    known = normalized_contact(contact.phone, contact.email, phone_region=phone_region)
    newest = await newest_lead_with(session, known)
    if newest is not None and newest.is_open:
        return await join_lead(session, newest.lead, message=message, source=contact.source)
    # Held while the lead is added: its owner's check finds them in the session's identity
    # map (which holds no row nobody refers to) rather than asking the database again.
    owner = await responsible_for(session, channel) if channel else None
    draft = parse(
        LeadDraft,
        {
            "contact_name": contact.name or None,
            "phone": known.phone,
            "email": known.email,
            "source": contact.source,
            "source_detail": contact.source_detail,
            "currency": currency,
            "responsible_id": owner.id if owner else None,
        },
    )
    lead = await add_lead(
        session,
        actor=None,
        draft=draft,
        contact=known,
        duplicate_of_id=newest.lead.id if newest else None,
        first_message=message,
    )
    return Intake(IntakeResult.CREATED, lead.id, lead.customer_id)


async def join_lead(
    session: AsyncSession, lead: Lead, *, message: str | None, source: LeadSource
) -> Intake:
    """A known person got in touch again: their message on the lead's timeline, its owner
    told."""
    add_lead_activity(
        session, lead, kind=ActivityKind.MESSAGE, author=None, text=_checked_message(message)
    )
    events.record(
        session,
        events.ContactReturned(
            actor_id=None, lead_id=lead.id, responsible_id=lead.responsible_id, source=source.value
        ),
    )
    await session.flush()
    return Intake(IntakeResult.JOINED, lead.id, lead.customer_id)


async def open_lead_of_customer(session: AsyncSession, customer_id: int) -> Lead | None:
    """The customer's newest lead still open in its pipeline."""
    return await _newest_open_lead(session, Lead.customer_id == customer_id)


@dataclass(frozen=True, slots=True)
class KnownLead:
    lead: Lead
    is_open: bool


async def newest_lead_with(session: AsyncSession, contact: Contact) -> KnownLead | None:
    """The newest lead still open in its pipeline with this phone or e-mail, else the newest
    of those closed (what a new lead for the person duplicates), in one query."""
    if not contact.phone and not contact.email:
        return None
    row = (
        await session.execute(
            _newest_lead_matching(by_phone=bool(contact.phone), by_email=bool(contact.email)),
            {"contact_phone": contact.phone, "contact_email": contact.email},
        )
    ).first()
    return None if row is None else KnownLead(row.Lead, bool(row.is_open))


@cache
def _newest_lead_matching(*, by_phone: bool, by_email: bool) -> Select[Lead, bool]:
    """newest_lead_with's statement for a phone, an e-mail or both, built once."""
    columns = Lead.__table__.c
    matches = []
    if by_phone:
        matches.append(Lead.phone == bindparam("contact_phone", type_=columns.phone.type))
    if by_email:
        matches.append(Lead.email == bindparam("contact_email", type_=columns.email.type))
    is_open = Stage.kind == StageKind.OPEN
    return (
        select(Lead, is_open.label("is_open"))
        .join(Stage, Stage.id == Lead.stage_id)
        .where(or_(*matches))
        .order_by(is_open.desc(), Lead.id.desc())
        .limit(1)
    )


async def _newest_open_lead(session: AsyncSession, matching: ColumnElement[bool]) -> Lead | None:
    return await session.scalar(
        select(Lead)
        .join(Stage, Stage.id == Lead.stage_id)
        .where(matching, Stage.kind == StageKind.OPEN)
        .order_by(Lead.id.desc())
        .limit(1)
    )


def checked_or_none(raw: str | None, normalize: Callable[[str], str]) -> str | None:
    """``raw`` normalised, or None when it is empty or does not check out: for contacts a
    channel did not check, which are left out rather than refusing what came with them."""
    if not raw or not raw.strip():
        return None
    try:
        return normalize(raw)
    except ValidationFailed:
        return None


def _checked_message(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "message-too-long", field="message", details={"max": NOTE_MAX_LENGTH}
        )
    return text or None
