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
    ScalarSelect,
    Select,
    Sequence,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.dml import ReturningUpdate, Update
from sqlalchemy.sql.elements import TextClause

from crm import cache_versions, events
from crm.errors import NotFound, ValidationFailed
from crm.inserts import insert_each_unless_present
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
from crm.services.leads import Contact, NewLead, add_lead, add_leads, normalized_contact
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
    cache_versions.remember_versions(session, row)
    channel: IntakeChannel = row.IntakeChannel
    return channel


@cache
def _open_channel_by_key() -> Select[IntakeChannel, *tuple[Any, ...]]:
    """channel_by_key's statement, built once: building it anew cost more than running it."""
    columns = IntakeChannel.__table__.c
    return select(IntakeChannel, *cache_versions.version_columns()).where(
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
    [receipt_id] = await claim_receipts(session, [(scope, external_id)])
    return receipt_id


async def claim_receipts(session: AsyncSession, wanted: list[tuple[str, str]]) -> list[int | None]:
    """:func:`claim_receipt` for each (scope, external id), in one statement; None also for
    one that came earlier in ``wanted``."""
    _check_external_ids(wanted)
    now = utcnow()
    # In one order in every process, so that two of them waiting for each other's receipts
    # (PostgreSQL) always wait in the same direction rather than for each other.
    rows = [
        {"scope": scope, "external_id": external_id, "received_at": now}
        for scope, external_id in sorted(set(wanted))
    ]
    claimed = await insert_each_unless_present(
        session, IntakeReceipt, unique=("scope", "external_id"), rows=rows
    )
    firsts = [claimed.pop(pair, None) for pair in wanted]
    return firsts


async def claim_receipts_unless_held(
    session: AsyncSession, wanted: list[tuple[str, str]], *, wait: bool
) -> tuple[list[int | None], set[tuple[str, str]]]:
    """:func:`claim_receipts` for those of ``wanted`` no other transaction is taking in at this
    moment, and the (scope, external id) of those it is; with ``wait``, none: each claim waits
    for that transaction to end. On PostgreSQL every claim of a receipt another transaction
    has claimed waits for its commit: an advisory lock per receipt, tried in the same
    statement as the claims, lets a batch leave the held ones out and never wait on another
    one. SQLite lets one writer in at a time: nothing is held there."""
    if not wanted or session.get_bind().dialect.name != "postgresql":
        return await claim_receipts(session, wanted), set()
    _check_external_ids(wanted)
    # In one order in every process, so that those that wait never wait for each other.
    pairs = sorted(set(wanted))
    rows = await session.execute(
        _locked_claims(wait=wait),
        {
            "scopes": [scope for scope, _ in pairs],
            "external_ids": [external_id for _, external_id in pairs],
            "locks": [_lock_number(pair) for pair in pairs],
            "now": utcnow(),
        },
    )
    held: set[tuple[str, str]] = set()
    claimed: dict[tuple[str, str], int] = {}
    for scope, external_id, locked, receipt_id in rows:
        if not locked:
            held.add((scope, external_id))
        elif receipt_id is not None:
            claimed[(scope, external_id)] = receipt_id
    return [claimed.pop(pair, None) for pair in wanted], held


def _lock_number(pair: tuple[str, str]) -> int:
    """The receipt's advisory lock: 64 bits of a hash of its scope and external id."""
    digest = hashlib.blake2b("\n".join(pair).encode(), digest_size=8, person=b"receipt")
    return int.from_bytes(digest.digest(), "big", signed=True)


@cache
def _locked_claims(*, wait: bool) -> TextClause:
    """claim_receipts_unless_held's statement on PostgreSQL, built once: each receipt's lock
    taken (or tried) in the order bound, and the receipt inserted if its lock was taken and it
    is new; a row per receipt says whether it was locked and the new receipt's id."""
    # pg_advisory_xact_lock returns void, which is not NULL.
    lock = "pg_advisory_xact_lock(lock) IS NOT NULL" if wait else "pg_try_advisory_xact_lock(lock)"
    return text(
        "WITH wanted AS MATERIALIZED ("
        f" SELECT scope, external_id, {lock} AS locked, n"
        " FROM unnest(CAST(:scopes AS varchar[]), CAST(:external_ids AS varchar[]),"
        " CAST(:locks AS bigint[])) WITH ORDINALITY AS t(scope, external_id, lock, n)"
        "), claimed AS ("
        " INSERT INTO intake_receipts (scope, external_id, received_at)"
        " SELECT scope, external_id, :now FROM wanted WHERE locked"
        " ON CONFLICT (scope, external_id) DO NOTHING RETURNING id, scope, external_id"
        ") SELECT wanted.scope, wanted.external_id, wanted.locked, claimed.id FROM wanted"
        " LEFT JOIN claimed USING (scope, external_id) ORDER BY wanted.n"
    ).bindparams(bindparam("now", type_=IntakeReceipt.__table__.c.received_at.type))


def _check_external_ids(wanted: list[tuple[str, str]]) -> None:
    for _, external_id in wanted:
        check_external_id(external_id)


def check_external_id(external_id: str) -> None:
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            "submission-key-invalid", field="submission_key", details={"max": EXTERNAL_ID_MAX}
        )


async def settle_receipt(session: AsyncSession, receipt_id: int, intake: Intake) -> None:
    """Note on the receipt what the submission became."""
    await settle_receipts(session, [(receipt_id, intake)])


async def settle_receipts(session: AsyncSession, settled: list[tuple[int, Intake]]) -> None:
    """:func:`settle_receipt` for many, in one statement."""
    if not settled:
        return
    connection = await session.connection()
    await connection.execute(
        _receipt_settled(),
        [
            {
                "receipt": receipt_id,
                "became_lead": intake.lead_id,
                "became_customer": intake.customer_id,
            }
            for receipt_id, intake in settled
        ],
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
    [owner] = await responsibles_for(session, channel, 1)
    return owner


async def responsibles_for(
    session: AsyncSession, channel: IntakeChannel, count: int
) -> list[Staff | None]:
    """:func:`responsible_for` each of ``count`` new leads of the channel, in one go."""
    if channel.responsible_id is not None:
        chosen = await session.get(Staff, channel.responsible_id)
        if chosen is not None and chosen.is_active:
            return [chosen] * count
    return await _next_reps_in_turn(session, channel, count)


# Numbers round-robin turns on PostgreSQL (migration 0011).
INTAKE_TURNS = Sequence("intake_turns")
_TURN_CHANNEL_PARAMETER = "turn_channel_id"
_TURNS_PARAMETER = "turns"


async def _next_reps_in_turn(
    session: AsyncSession, channel: IntakeChannel, count: int
) -> list[Staff | None]:
    """The next ``count`` active reps in turn (None each when there is no active rep).

    On PostgreSQL turns are numbered by a sequence, which hands out numbers without locking
    anything (a channel's row locked until each intake commits made every lead of the channel
    wait for the one before); the reps take turns across all channels there. SQLite lets one
    writer in at a time anyway: there the channel remembers whose turn it was, moved on
    ``count`` turns in one UPDATE so that leads arriving at once still go to the reps in turn;
    the turns taken are those up to the rep it returns."""
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_reps_of_next_turns(), {_TURNS_PARAMETER: count})).all()
        return [rep for rep, _ in rows] or [None] * count
    last = await session.scalar(
        _channel_turns_taken(), {_TURN_CHANNEL_PARAMETER: channel.id, _TURNS_PARAMETER: count}
    )
    if last is None:
        return [None] * count
    reps = list(await session.scalars(select(Staff).where(_is_active_rep()).order_by(Staff.id)))
    at = [rep.id for rep in reps].index(last)
    return [reps[(at - count + 1 + n) % len(reps)] for n in range(count)]


def _is_active_rep() -> ColumnElement[bool]:
    return and_(Staff.role == Role.REP, Staff.is_active.is_(True))


@cache
def _reps_of_next_turns() -> Select[Staff, int]:
    """PostgreSQL's next turns and whose each is among the active reps, in one statement."""
    turns = (
        select(INTAKE_TURNS.next_value().label("turn"))
        .select_from(func.generate_series(1, bindparam(_TURNS_PARAMETER, type_=Integer)))
        # A CTE, as PostgreSQL computes it once: a subquery joined may be scanned again for
        # each rep, taking new turns each time.
        .cte("turns")
    )
    reps = (
        select(
            Staff.id,
            func.row_number().over(order_by=Staff.id).label("place"),
            func.count().over().label("reps"),
        )
        .where(_is_active_rep())
        .subquery()
    )
    return (
        select(Staff, turns.c.turn)
        .join(reps, reps.c.id == Staff.id)
        .join(turns, reps.c.place == (turns.c.turn - 1) % reps.c.reps + 1)
        .order_by(turns.c.turn)
    )


@cache
def _channel_turns_taken() -> ReturningUpdate[int | None]:
    """The UPDATE moving the bound channel's turn on by the bound number of active reps,
    returning whose turn it is now: built once, since composing it cost more than running
    it. A rep's place is how many active reps have an id up to theirs: the last one's place
    (0 when they left) plus the turns, wrapped round, is the new one's."""
    reps = aliased(Staff)
    others = aliased(Staff)

    def place_of(staff_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[int]:
        return (
            select(func.count())
            .select_from(others)
            .where(others.role == Role.REP, others.is_active.is_(True), others.id <= staff_id)
        ).scalar_subquery()

    count = select(func.count()).where(_is_active_rep()).scalar_subquery()
    wanted = (
        place_of(func.coalesce(IntakeChannel.last_assigned_id, 0))
        + bindparam(_TURNS_PARAMETER, type_=Integer)
        - 1
    ) % func.nullif(count, 0) + 1
    chosen = (
        select(reps.id)
        .where(reps.role == Role.REP, reps.is_active.is_(True), place_of(reps.id) == wanted)
        .scalar_subquery()
    )
    return (
        update(IntakeChannel)
        .where(IntakeChannel.id == bindparam(_TURN_CHANNEL_PARAMETER, type_=Integer))
        .values(last_assigned_id=chosen)
        .returning(IntakeChannel.last_assigned_id)
        .execution_options(synchronize_session=False)
    )


async def _active_staff_id(session: AsyncSession, staff_id: int) -> int:
    staff = await session.get(Staff, staff_id)
    if staff is None or not staff.is_active:
        raise ValidationFailed("responsible-invalid", field="responsible_id")
    return staff.id


# Taking a contact in.


@dataclass(frozen=True, slots=True)
class Arrival:
    """A contact arriving by a channel, for :func:`take_in_contacts`."""

    contact: IncomingContact
    channel: IntakeChannel | None


async def take_in_contacts(
    session: AsyncSession,
    arrivals: list[Arrival],
    *,
    phone_region: str = "UA",
    currency: str = "UAH",
) -> list[Intake]:
    """:func:`take_in_contact` for each, in order, with the leads of people no lead knows yet
    (nor an earlier arrival) opened together by one query and two INSERTs; the others are
    taken in one by one after them, so that someone's second message joins the lead their
    first one opened. Bad contact details raise :class:`ValidationFailed`."""
    messages = [checked_message(one.contact.message) for one in arrivals]
    knowns = [
        normalized_contact(one.contact.phone, one.contact.email, phone_region=phone_region)
        for one in arrivals
    ]
    fresh: list[int] = []
    later: list[int] = []
    taken = await _contacts_with_leads(session, knowns)
    for n, known in enumerate(knowns):
        ways = _ways_of(known)
        (later if ways & taken else fresh).append(n)
        taken |= ways
    # Held while the leads are added: their owners' checks find them in the session's
    # identity map (which holds no row nobody refers to) rather than asking the database.
    owners = await _owners(session, [arrivals[n].channel for n in fresh])
    leads = await add_leads(
        session,
        actor=None,
        new=[
            NewLead(
                _draft(arrivals[n].contact, knowns[n], owner, currency),
                knowns[n],
                duplicate_of_id=None,
                first_message=messages[n],
            )
            for n, owner in zip(fresh, owners, strict=True)
        ],
    )
    intakes = {
        n: Intake(IntakeResult.CREATED, lead.id, lead.customer_id)
        for n, lead in zip(fresh, leads, strict=True)
    }
    for n in later:
        intakes[n] = await take_in_contact(
            session,
            contact=arrivals[n].contact,
            channel=arrivals[n].channel,
            phone_region=phone_region,
            currency=currency,
        )
    return [intakes[n] for n in range(len(arrivals))]


async def _contacts_with_leads(
    session: AsyncSession, contacts: list[Contact]
) -> set[tuple[str, str]]:
    """Which of these phones and e-mails ("phone"/"email", value) some lead holds."""
    phones = sorted({contact.phone for contact in contacts if contact.phone})
    emails = sorted({contact.email for contact in contacts if contact.email})
    if not phones and not emails:
        return set()
    rows = await session.execute(_leads_holding(), {"phones": phones, "emails": emails})
    held = set().union(*(_ways_of(Contact(phone, email)) for phone, email in rows))
    return held & set().union(*map(_ways_of, contacts))


def _ways_of(contact: Contact) -> set[tuple[str, str]]:
    """("phone", ...) and ("email", ...), as far as the contact has them."""
    ways = set()
    if contact.phone:
        ways.add(("phone", contact.phone))
    if contact.email:
        ways.add(("email", contact.email))
    return ways


@cache
def _leads_holding() -> Select[str | None, str | None]:
    """_contacts_with_leads's statement, built once."""
    return select(Lead.phone, Lead.email).where(
        or_(
            Lead.phone.in_(bindparam("phones", expanding=True)),
            Lead.email.in_(bindparam("emails", expanding=True)),
        )
    )


async def _owner(session: AsyncSession, channel: IntakeChannel | None) -> Staff | None:
    return await responsible_for(session, channel) if channel else None


async def _owners(
    session: AsyncSession, channels: list[IntakeChannel | None]
) -> list[Staff | None]:
    """Who gets each new lead of these channels: each channel's turns taken in one go."""
    turns: dict[int, list[Staff | None]] = {}
    for channel in channels:
        if channel is not None and channel.id not in turns:
            count = sum(1 for other in channels if other is channel)
            turns[channel.id] = await responsibles_for(session, channel, count)
    return [turns[channel.id].pop(0) if channel else None for channel in channels]


def _draft(
    contact: IncomingContact, known: Contact, owner: Staff | None, currency: str
) -> LeadDraft:
    """The new lead of someone arriving, given to ``owner``."""
    return parse(
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
    message = checked_message(contact.message)
    known = normalized_contact(contact.phone, contact.email, phone_region=phone_region)
    newest = await newest_lead_with(session, known)
    if newest is not None and newest.is_open:
        return await join_lead(session, newest.lead, message=message, source=contact.source)
    # Held while the lead is added: its owner's check finds them in the session's identity
    # map (which holds no row nobody refers to) rather than asking the database again.
    owner = await _owner(session, channel)
    lead = await add_lead(
        session,
        actor=None,
        draft=_draft(contact, known, owner, currency),
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
        session, lead, kind=ActivityKind.MESSAGE, author=None, text=checked_message(message)
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


def checked_message(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "message-too-long", field="message", details={"max": NOTE_MAX_LENGTH}
        )
    return text or None
