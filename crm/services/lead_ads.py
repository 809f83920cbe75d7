"""Facebook Lead Ads: a lead someone left in an ad's form, read from Meta by its id, taken in
like any other contact (their open lead joined, or a new lead), once per leadgen id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import normalize_email, normalize_phone
from crm.models import NOTE_MAX_LENGTH, IntakeReceipt, LeadSource
from crm.services.intake import (
    IncomingContact,
    Intake,
    IntakeResult,
    checked_or_none,
    claim_receipt,
    settle_receipt,
    take_in_contact,
)

RECEIPT_SCOPE = "facebook"
NAME_MAX = 200
# The field names of Meta's standard questions; any other answer goes into the message.
NAME_FIELDS = ("full_name",)
SPLIT_NAME_FIELDS = ("first_name", "last_name")
PHONE_FIELDS = ("phone_number", "phone")
EMAIL_FIELDS = ("email", "work_email")
CONTACT_FIELDS = frozenset((*NAME_FIELDS, *SPLIT_NAME_FIELDS, *PHONE_FIELDS, *EMAIL_FIELDS))


@dataclass(frozen=True, slots=True)
class LeadAdsLead:
    """A lead as Meta keeps it: its form's answers by field name (several for a checkbox)."""

    leadgen_id: str
    form_id: str | None
    answers: dict[str, list[str]]

    def first(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            values = [value.strip() for value in self.answers.get(name, []) if value.strip()]
            if values:
                return ", ".join(values)
        return None


async def was_taken_in(session: AsyncSession, leadgen_id: str) -> bool:
    """Whether this lead was taken in before: a redelivery need not be read from Meta again."""
    found = await session.scalar(
        select(IntakeReceipt.id).where(
            IntakeReceipt.scope == RECEIPT_SCOPE, IntakeReceipt.external_id == leadgen_id
        )
    )
    return found is not None


async def take_in_lead_ad(
    session: AsyncSession, *, lead: LeadAdsLead, phone_region: str = "UA", currency: str = "UAH"
) -> Intake:
    """Take the lead in once: its person's open lead gets the answers, or a new lead is made.
    Contacts that do not check out are left out (Meta checked neither), not refused."""
    receipt_id = await claim_receipt(session, scope=RECEIPT_SCOPE, external_id=lead.leadgen_id)
    if receipt_id is None:
        return Intake(IntakeResult.DUPLICATE)
    intake = await take_in_contact(
        session,
        contact=_contact(lead, phone_region),
        channel=None,
        phone_region=phone_region,
        currency=currency,
    )
    await settle_receipt(session, receipt_id, intake)
    return intake


def _contact(lead: LeadAdsLead, phone_region: str) -> IncomingContact:
    phone = checked_or_none(
        lead.first(PHONE_FIELDS), lambda raw: normalize_phone(raw, region=phone_region)
    )
    email = checked_or_none(lead.first(EMAIL_FIELDS), normalize_email)
    name = lead.first(NAME_FIELDS) or " ".join(
        part for part in (lead.first((field,)) for field in SPLIT_NAME_FIELDS) if part
    )
    other_answers = "\n".join(
        f"{field}: {', '.join(values)}"
        for field, values in lead.answers.items()
        if field not in CONTACT_FIELDS and values
    )
    return IncomingContact(
        name=name[:NAME_MAX] or phone or email or f"Lead Ads {lead.leadgen_id}",
        phone=phone,
        email=email,
        message=other_answers[:NOTE_MAX_LENGTH] or None,
        source=LeadSource.FACEBOOK,
        source_detail=f"Lead Ads form {lead.form_id}"[:NAME_MAX] if lead.form_id else None,
    )
