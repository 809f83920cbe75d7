"""Web forms: which posted field is the name, phone, e-mail and message (our names, Contact
Form 7's ``your-*`` names, or an admin's own), spam bots caught by a honeypot, and a
submission taken in once however often it is sent."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import FieldPreset, IntakeChannel, IntakeKind, LeadSource, Staff
from crm.services.intake import (
    IncomingContact,
    Intake,
    IntakeResult,
    admin_channel,
    claim_receipt,
    receipt_scope,
    settle_receipt,
    take_in_contact,
)

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
    if is_spam(fields):
        return Intake(IntakeResult.IGNORED)
    key = submission_key or fields.get(SUBMISSION_KEY_FIELD) or None
    receipt_id = None
    if key is not None:
        receipt_id = await claim_receipt(session, scope=receipt_scope(channel), external_id=key)
        if receipt_id is None:
            return Intake(IntakeResult.DUPLICATE)
    intake = await take_in_contact(
        session,
        contact=contact_from_form(channel, fields),
        channel=channel,
        phone_region=phone_region,
        currency=currency,
    )
    if receipt_id is not None:
        await settle_receipt(session, receipt_id, intake)
    return intake


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
