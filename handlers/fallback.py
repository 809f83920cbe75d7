"""Every private message nobody else took gets a short answer: what the bot understood, where
``/help`` is, and for text that holds a phone number or an e-mail, an offer to make a lead.

Registered last. Group chats get nothing: the bot speaks there only when asked by name.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import ContactInText, find_contact
from crm.models import Staff
from handlers.common.filters import InLoop
from handlers.common.text import shorten, tr
from handlers.leads.wizard import Draft, Wizard

# Messages a person sent here themselves; not ones they picked from the bot's inline results.

COMMAND_SHOWN = 64
# Words beside a phone or an e-mail are taken as the client's name when they look like one.
NAME_WORDS_MAX = 4
NAME_PUNCTUATION = str.maketrans("", "", "'’-.")


class LeadFromText(CallbackData, prefix="fbl"):
    """Make a lead from the message the offer replies to: it is read again when pressed."""


def lead_draft(found: ContactInText) -> Draft:
    draft: Draft = {}
    if found.phone:
        draft["phone"] = found.phone
    if found.email:
        draft["email"] = found.email
    if _looks_like_a_name(found.other_words):
        draft["contact_name"] = " ".join(found.other_words)
    return draft


def _looks_like_a_name(words: list[str]) -> bool:
    return 0 < len(words) <= NAME_WORDS_MAX and all(
        word.translate(NAME_PUNCTUATION).isalpha() for word in words
    )


def render_offer(draft: Draft, i18n: I18nContext) -> str:
    lines = [i18n.get("fallback-contact-found")]
    if "contact_name" in draft:
        lines.append(tr(i18n, "card-contact", name=str(draft["contact_name"])))
    if "phone" in draft:
        lines.append(tr(i18n, "card-phone", phone=str(draft["phone"])))
    if "email" in draft:
        lines.append(tr(i18n, "card-email", email=str(draft["email"])))
    lines.append(i18n.get("fallback-contact-question"))
    return "\n".join(lines)


def offer_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=i18n.get("fallback-make-lead"), callback_data=LeadFromText())
    return kb.as_markup()


async def unknown_command(message: Message, i18n: I18nContext) -> None:
    typed = (message.text or "").split(maxsplit=1)[0].partition("@")[0]
    await message.answer(
        tr(i18n, "fallback-unknown-command", command=shorten(typed, COMMAND_SHOWN))
    )


async def free_text(message: Message, text: str, i18n: I18nContext, phone_region: str) -> None:
    found = find_contact(text, region=phone_region)
    if found is None:
        await message.answer(i18n.get("fallback-free-text"))
        return
    # A reply, so that the button finds the text again when pressed.
    await message.reply(render_offer(lead_draft(found), i18n), reply_markup=offer_keyboard(i18n))


async def other_message(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("fallback-other-message"))


async def not_an_answer(message: Message, i18n: I18nContext) -> None:
    """Something a flow waiting for an answer has no use for."""
    await message.answer(i18n.get("fallback-in-flow"))


async def make_lead_from_text(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    phone_region: str,
    default_currency: str,
) -> None:
    offer = query.message
    said = offer.reply_to_message if isinstance(offer, Message) else None
    found = find_contact(said.text, region=phone_region) if said and said.text else None
    if not isinstance(offer, Message) or found is None:
        await query.answer(i18n.get("fallback-offer-gone"), show_alert=True)
        return
    wizard = Wizard(
        chat=offer,
        state=state,
        session=session,
        actor=actor,
        i18n=i18n,
        phone_region=phone_region,
        default_currency=default_currency,
    )
    await wizard.close_prompt(i18n.get("fallback-lead-started"))
    await wizard.start(lead_draft(found))
    await query.answer()


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.filter(InLoop(F.chat.type == ChatType.PRIVATE), InLoop(~F.via_bot))
    router.message.register(unknown_command, InLoop(F.text.startswith("/")), StateFilter("*"))
    router.message.register(free_text, StateFilter(None), InLoop(F.text.as_("text")))
    router.message.register(other_message, StateFilter(None))
    router.message.register(not_an_answer)
    router.callback_query.register(make_lead_from_text, LeadFromText.filter())
    return router
