"""Quick add in one message: ``/lead Olena Petrenko +380671234567 12000 UAH``."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff
from crm.schemas import LeadDraft, parse
from crm.services.leads import create_lead
from handlers.leads.card import send_card

router = Router(name=__name__)

EMAIL = re.compile(r"^\S+@\S+\.\S+$")
PHONE = re.compile(r"^\+?[\d()\-]{7,}$")
AMOUNT = re.compile(r"^\d[\d\s]*([.,]\d{1,2})?$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def parse_quick_lead(text: str, *, default_currency: str) -> dict[str, object]:
    """Split ``Name [phone] [email] [amount [currency]]`` into draft fields.

    Words that look like a phone, an e-mail, an amount or a currency code are taken as such;
    the rest, in order, is the name.
    """
    fields: dict[str, object] = {"currency": default_currency}
    name: list[str] = []
    for word in text.split():
        if "phone" not in fields and PHONE.match(word):
            fields["phone"] = word
        elif "email" not in fields and EMAIL.match(word):
            fields["email"] = word
        elif "value" not in fields and AMOUNT.match(word):
            fields["value"] = word
        elif "value" in fields and CURRENCY.match(word):
            fields["currency"] = word.upper()
        else:
            name.append(word)
    if name:
        fields["contact_name"] = " ".join(name)
    return fields


@router.message(Command("lead"))
async def quick_add(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    phone_region: str,
    default_currency: str,
) -> None:
    if not command.args:
        await message.answer(i18n.get("lead-quick-usage"))
        return
    draft = parse(LeadDraft, parse_quick_lead(command.args, default_currency=default_currency))
    lead = await create_lead(session, actor=actor, draft=draft, phone_region=phone_region)
    await send_card(message, session, actor, lead.id, i18n)
