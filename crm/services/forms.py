"""Web forms: which posted field is the name, phone, e-mail and message (our names, Contact
Form 7's ``your-*`` names, or an admin's own), spam bots caught by a honeypot, and a
submission taken in once however often it is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import FieldPreset, IntakeChannel, IntakeKind, LeadSource, Staff
from crm.services.intake import (
    Arrival,
    IncomingContact,
    Intake,
    IntakeResult,
    admin_channel,
    check_external_id,
    checked_message,
    claim_receipts_unless_held,
    receipt_scope,
    settle_receipts,
    take_in_contacts,
)
from crm.services.leads import normalized_contact

# A field people never see (hidden by the form's CSS) and spam bots fill in.
HONEYPOT_FIELD = "homepage"
# A key the form may send with a submission, so sending it twice makes one lead.
SUBMISSION_KEY_FIELD = "submission_key"
OUR_FIELDS = ("name", "phone", "email", "message")
FIELD_NAME_MAX = 100
PRESET_FIELD_NAMES: dict[FieldPreset, dict[str, tuple[str, ...]]] = {
    FieldPreset.GENERIC: {
        "name": ("name",),
        "phone": ("phone", "tel"),
        "email": ("email",),
        "message": ("message",),
    },
    FieldPreset.CONTACT_FORM_7: {
        "name": ("your-name",),
        "phone": ("your-tel", "your-phone"),
        "email": ("your-email",),
        "message": ("your-message",),
    },
}


def field_names(channel: IntakeChannel) -> dict[str, tuple[str, ...]]:
    """Our field -> the names the form may post it under: the preset's, unless the admin
    named it."""
    names = dict(PRESET_FIELD_NAMES[channel.preset])
    for ours, theirs in channel.field_names.items():
        if ours in names:
            names[ours] = (theirs,)
    return names


def is_spam(fields: Mapping[str, str]) -> bool:
    return bool(fields.get(HONEYPOT_FIELD, "").strip())


def contact_from_form(channel: IntakeChannel, fields: Mapping[str, str]) -> IncomingContact:
    """The person a submission describes; every other field the form sent (a subject, the
    options ticked) follows the message as ``field: value`` lines, so nothing is lost."""
    names = field_names(channel)
    picked = {
        ours: next((fields[name].strip() for name in theirs if fields.get(name, "").strip()), None)
        for ours, theirs in names.items()
    }
    taken = {name for theirs in names.values() for name in theirs}
    taken |= {HONEYPOT_FIELD, SUBMISSION_KEY_FIELD}
    extras = [
        f"{name}: {value.strip()}"
        for name, value in fields.items()
        if name not in taken and not name.startswith("_") and value.strip()
    ]
    message = "\n".join(part for part in (picked["message"], *extras) if part)
    return IncomingContact(
        name=picked["name"],
        phone=picked["phone"],
        email=picked["email"],
        message=message or None,
        source=LeadSource.WEB_FORM,
        source_detail=channel.name,
    )


def check_submission(
    channel: IntakeChannel,
    fields: Mapping[str, str],
    *,
    submission_key: str | None = None,
    phone_region: str = "UA",
) -> None:
    """Raise the :class:`ValidationFailed` that :func:`submit_form` would for a bad key,
    message, phone or e-mail, with nothing written: what is checked before submissions share
    a transaction. A honeypot filled in passes: it is ignored, not refused."""
    if is_spam(fields):
        return
    key = _submission_key(fields, submission_key)
    if key is not None:
        check_external_id(key)
    contact = contact_from_form(channel, fields)
    checked_message(contact.message)
    normalized_contact(contact.phone, contact.email, phone_region=phone_region)


def _submission_key(fields: Mapping[str, str], submission_key: str | None) -> str | None:
    return submission_key or fields.get(SUBMISSION_KEY_FIELD) or None


@dataclass(frozen=True, slots=True)
class Submission:
    """A form's submission, for :func:`submit_forms`."""

    channel: IntakeChannel
    fields: Mapping[str, str]
    submission_key: str | None = None


async def submit_form(
    session: AsyncSession,
    *,
    channel: IntakeChannel,
    fields: Mapping[str, str],
    submission_key: str | None = None,
    phone_region: str = "UA",
    currency: str = "UAH",
) -> Intake:
    """Take a form submission in. A honeypot filled in is ignored; a submission key seen
    before is a duplicate; bad contact details raise :class:`ValidationFailed`."""
    [intake] = await submit_forms(
        session,
        [Submission(channel, fields, submission_key)],
        phone_region=phone_region,
        currency=currency,
    )
    assert intake is not None, "a key held elsewhere is waited for"
    return intake


async def submit_forms(
    session: AsyncSession,
    submissions: list[Submission],
    *,
    phone_region: str = "UA",
    currency: str = "UAH",
    defer_held: bool = False,
) -> list[Intake | None]:
    """:func:`submit_form` for each, in order, the receipts claimed and settled in one
    statement each and the new people's leads opened together; a key sent twice among them
    is a duplicate the second time.

    A key another transaction is taking in at this moment (PostgreSQL) is waited for; with
    ``defer_held`` it is left out instead (None): submitted again once that transaction has
    ended, it is a duplicate (or, had it rolled back, taken in)."""
    keys = [
        None if is_spam(one.fields) else _submission_key(one.fields, one.submission_key)
        for one in submissions
    ]
    wanted = {
        n: (receipt_scope(one.channel), key)
        for n, (one, key) in enumerate(zip(submissions, keys, strict=True))
        if key is not None
    }
    claimed, held = await claim_receipts_unless_held(
        session, list(wanted.values()), wait=not defer_held
    )
    deferred = {n for n, pair in wanted.items() if pair in held}
    receipts = {
        n: receipt_id for n, receipt_id in zip(wanted, claimed, strict=True) if n not in deferred
    }
    taken = [
        n
        for n, one in enumerate(submissions)
        if not is_spam(one.fields)
        and n not in deferred
        and (n not in receipts or receipts[n] is not None)
    ]
    intakes = await take_in_contacts(
        session,
        [
            Arrival(
                contact_from_form(submissions[n].channel, submissions[n].fields),
                submissions[n].channel,
            )
            for n in taken
        ],
        phone_region=phone_region,
        currency=currency,
    )
    took = dict(zip(taken, intakes, strict=True))
    await settle_receipts(
        session,
        [(receipt_id, took[n]) for n, receipt_id in receipts.items() if receipt_id is not None],
    )
    return [
        None
        if n in deferred
        else took.get(n)
        or Intake(IntakeResult.IGNORED if is_spam(one.fields) else IntakeResult.DUPLICATE)
        for n, one in enumerate(submissions)
    ]


async def set_form_preset(
    session: AsyncSession, *, actor: Staff, channel_id: int, preset: FieldPreset
) -> IntakeChannel:
    channel = await admin_channel(session, actor=actor, channel_id=channel_id)
    if channel.kind != IntakeKind.WEB_FORM:
        raise ValidationFailed("channel-not-a-form", field="preset")
    channel.preset = preset
    await session.flush()
    return channel


async def rename_form_fields(
    session: AsyncSession, *, actor: Staff, channel_id: int, names: Mapping[str, str]
) -> IntakeChannel:
    """Set the names the form posts our fields under; an empty name goes back to the
    preset's."""
    channel = await admin_channel(session, actor=actor, channel_id=channel_id)
    if channel.kind != IntakeKind.WEB_FORM:
        raise ValidationFailed("channel-not-a-form", field="field_names")
    chosen = dict(channel.field_names)
    for ours, theirs in names.items():
        if ours not in OUR_FIELDS:
            raise ValidationFailed("form-field-unknown", field=ours)
        theirs = theirs.strip()
        if len(theirs) > FIELD_NAME_MAX:
            raise ValidationFailed(
                "form-field-name-too-long", field=ours, details={"max": FIELD_NAME_MAX}
            )
        if theirs:
            chosen[ours] = theirs
        else:
            chosen.pop(ours, None)
    channel.field_names = chosen
    await session.flush()
    return channel
