"""➕ New lead step by step: name, phone or e-mail, value, source, stage, each one skippable;
then each custom field the chosen stage requires, which cannot be skipped. The lead is created
only once all is answered.

``/lead`` without arguments starts from nothing; a customer's message forwarded to the bot or
a contact card shared with it starts a draft already holding what they tell.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    Contact,
    InlineKeyboardMarkup,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUnion,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram_i18n import I18nContext
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import normalize_email, normalize_phone
from crm.errors import ValidationFailed
from crm.models import FieldDefinition, LeadSource, Staff, StageKind, utcnow
from crm.money import parse_amount, parse_currency, typed_amount
from crm.schemas import LeadDraft, parse
from crm.services.fields import checked_value, get_field
from crm.services.leads import field_missing_at_start
from crm.services.pipelines import default_pipeline, get_stage
from handlers.common.editing import show_in_place
from handlers.common.filters import TYPED_ANSWER, InLoop
from handlers.common.flows import FlowData, answered
from handlers.common.text import local_time, shorten, stage_name, tr
from handlers.leads.create import create_or_offer_duplicate
from handlers.leads.field_questions import (
    answer_keyboard,
    answer_text,
    field_prompt,
    pressed_value,
)
from handlers.leads.field_questions import typed_value as typed_field_value
from handlers.leads.wizard_keyboards import (
    PickFieldAnswer,
    PickSource,
    PickStage,
    SkipStep,
    WizardStep,
    contact_keyboard,
    skip_keyboard,
    source_keyboard,
    stage_keyboard,
)

Draft = dict[str, str | int]
SOURCE_DETAIL_MAX = 200  # LeadDraft.source_detail's max_length


class LeadWizard(StatesGroup):
    name = State()
    contact = State()
    value = State()
    source = State()
    stage = State()
    custom_field = State()


class WizardDraft(FlowData):
    """The lead taking shape, as JSON primitives, until the last step creates it; the custom
    fields answered so far, and the one asked now (``asking``, a field's id)."""

    destiny: ClassVar[str] = "wizard"
    fields: Draft
    custom_fields: dict[str, str] = Field(default_factory=dict)
    asking: int | None = None


STEP_STATES: dict[WizardStep, State] = {
    WizardStep.NAME: LeadWizard.name,
    WizardStep.CONTACT: LeadWizard.contact,
    WizardStep.VALUE: LeadWizard.value,
    WizardStep.SOURCE: LeadWizard.source,
    WizardStep.STAGE: LeadWizard.stage,
}
# The draft fields each step fills: a step whose field the draft holds is not asked.
STEP_FIELDS: dict[WizardStep, tuple[str, ...]] = {
    WizardStep.NAME: ("contact_name",),
    WizardStep.CONTACT: ("phone", "email"),
    WizardStep.VALUE: ("value",),
    WizardStep.SOURCE: ("source",),
    WizardStep.STAGE: ("stage_id",),
}
# Commands typed mid-wizard go to their own handlers instead of becoming a name or a phone.


def next_step(draft: Draft, *, after: WizardStep | None) -> WizardStep | None:
    steps = list(WizardStep)
    following = steps if after is None else steps[steps.index(after) + 1 :]
    return next(
        (step for step in following if not any(f in draft for f in STEP_FIELDS[step])), None
    )


@dataclass(frozen=True, slots=True)
class Wizard:
    """One person's wizard as one update sees it; ``chat`` is the message to write after."""

    chat: Message
    state: FSMContext
    session: AsyncSession
    actor: Staff
    i18n: I18nContext
    phone_region: str
    default_currency: str

    async def start(self, draft: Draft, *, intro: str | None = None) -> None:
        await WizardDraft(fields=draft).save(self.state)
        await self._go_on(draft, after=None, intro=intro)

    async def draft(self) -> Draft:
        pending = await WizardDraft.load(self.state)
        return {} if pending is None else dict(pending.fields)

    async def fill(self, step: WizardStep, answer: Draft) -> None:
        """Add ``step``'s answer (empty when skipped) and ask the next step still missing.

        Fields the draft already holds are kept: a contact card's name does not replace the
        name typed before it.
        """
        draft = {**answer, **await self.draft()}
        await WizardDraft(fields=draft).save(self.state)
        await self._go_on(draft, after=step)

    async def asked_field(self) -> FieldDefinition | None:
        pending = await WizardDraft.load(self.state)
        if pending is None or pending.asking is None:
            return None
        return await get_field(self.session, pending.asking)

    async def fill_field(self, definition: FieldDefinition, value: str) -> None:
        """Keep the field's value (a bad one raises, and the question stays) and ask the next
        field still missing, or create the lead."""
        checked = checked_value(definition, value)
        pending = await WizardDraft.load(self.state)
        assert pending is not None  # asked_field found the question
        filled = pending.model_copy(
            update={"custom_fields": {**pending.custom_fields, definition.key: checked}}
        )
        await filled.save(self.state)
        await self._ask_field_or_finish(filled)

    async def leave_contact_step(self, answer: Draft) -> None:
        """Say what was taken; that message takes the contact keyboard away."""
        contact = answer.get("phone") or answer.get("email")
        note = (
            tr(self.i18n, "wizard-contact-saved", contact=str(contact))
            if contact
            else self.i18n.get("wizard-skipped")
        )
        await self.chat.answer(note, reply_markup=ReplyKeyboardRemove())
        await self.fill(WizardStep.CONTACT, answer)

    async def close_prompt(self, outcome: str) -> None:
        """Write the answer under the pressed prompt; its buttons go, so they work once."""
        await show_in_place(self.chat, f"{self.chat.html_text}\n{outcome}")

    async def _go_on(
        self, draft: Draft, *, after: WizardStep | None, intro: str | None = None
    ) -> None:
        step = next_step(draft, after=after)
        if step is None:
            await self._ask_field_or_finish(WizardDraft(fields=draft))
            return
        await self.state.set_state(STEP_STATES[step])
        text, keyboard = await self._prompt(step)
        await self.chat.answer(f"{intro}\n\n{text}" if intro else text, reply_markup=keyboard)

    async def _prompt(
        self, step: WizardStep
    ) -> tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup]:
        i18n = self.i18n
        match step:
            case WizardStep.NAME:
                text = f"{i18n.get('wizard-ask-name')}\n\n{i18n.get('lead-quick-usage')}"
                return text, skip_keyboard(step, i18n)
            case WizardStep.CONTACT:
                return i18n.get("wizard-ask-contact"), contact_keyboard(i18n)
            case WizardStep.VALUE:
                text = i18n.get("wizard-ask-value", currency=self.default_currency)
                return text, skip_keyboard(step, i18n)
            case WizardStep.SOURCE:
                return i18n.get("wizard-ask-source"), source_keyboard(i18n)
            case WizardStep.STAGE:
                pipeline = await default_pipeline(self.session)
                open_stages = [s for s in pipeline.stages if s.kind == StageKind.OPEN]
                return i18n.get("wizard-ask-stage"), stage_keyboard(open_stages, i18n)

    async def _ask_field_or_finish(self, pending: WizardDraft) -> None:
        stage_id = pending.fields.get("stage_id")
        definition = await field_missing_at_start(
            self.session,
            stage_id=stage_id if isinstance(stage_id, int) else None,
            custom_fields=pending.custom_fields,
        )
        if definition is None:
            await self._finish(pending)
            return
        await pending.model_copy(update={"asking": definition.id}).save(self.state)
        await self.state.set_state(LeadWizard.custom_field)

        def pressed(choice: int) -> PickFieldAnswer:
            return PickFieldAnswer(field_id=definition.id, choice=choice)

        await self.chat.answer(
            field_prompt(definition, self.i18n, key="field-ask"),
            reply_markup=answer_keyboard(definition, self.i18n, pressed),
        )

    async def _finish(self, pending: WizardDraft) -> None:
        # The state goes first, so a second press on the last step finds no wizard.
        await answered(self.state, WizardDraft)
        fields = {"currency": self.default_currency, **pending.fields}
        await create_or_offer_duplicate(
            self.chat,
            session=self.session,
            actor=self.actor,
            draft=parse(LeadDraft, {**fields, "custom_fields": pending.custom_fields}),
            state=self.state,
            i18n=self.i18n,
            phone_region=self.phone_region,
        )


async def _attach_wizard(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    match event:
        case (Message() as chat) | CallbackQuery(message=Message() as chat):
            data["wizard"] = Wizard(
                chat=chat,
                state=data["state"],
                session=data["session"],
                actor=data["actor"],
                i18n=data["i18n"],
                phone_region=data["phone_region"],
                default_currency=data["default_currency"],
            )
        case CallbackQuery():
            # A prompt Telegram no longer lets the bot touch: its wizard is long over.
            return await event.answer(data["i18n"].get("wizard-step-over"))
    return await handler(event, data)


def _prefill_intro(draft: Draft, i18n: I18nContext) -> str:
    lines = [i18n.get("wizard-from-telegram")]
    if "contact_name" in draft:
        lines.append(tr(i18n, "card-contact", name=str(draft["contact_name"])))
    if "phone" in draft:
        lines.append(tr(i18n, "card-phone", phone=str(draft["phone"])))
    return "\n".join(lines)


def _origin_name(origin: MessageOriginUnion | None) -> str | None:
    match origin:
        case MessageOriginUser():
            return origin.sender_user.full_name
        case MessageOriginHiddenUser():
            return origin.sender_user_name
        case _:
            return None


def forwarded_draft(message: Message) -> Draft:
    """The sender's name, and what they wrote as the source detail."""
    draft: Draft = {"source": LeadSource.TELEGRAM.value}
    name = _origin_name(message.forward_origin)
    if name:
        draft["contact_name"] = name
    said = message.text or message.caption
    if said:
        draft["source_detail"] = shorten(said, SOURCE_DETAIL_MAX)
    return draft


def shared_contact(message: Message, contact: Contact, *, phone_region: str) -> Draft:
    """The card's phone, and its name unless people shared their own number."""
    # Telegram sends the number in international form, not always with its "+".
    draft: Draft = {
        "phone": normalize_phone("+" + contact.phone_number.lstrip("+"), region=phone_region)
    }
    own = message.from_user is not None and contact.user_id == message.from_user.id
    name = " ".join(filter(None, (contact.first_name, contact.last_name)))
    if name and not own:
        draft["contact_name"] = name
    return draft


def typed_contact(text: str, *, phone_region: str) -> Draft:
    if "@" in text:
        return {"email": normalize_email(text)}
    return {"phone": normalize_phone(text, region=phone_region)}


def typed_value(text: str, *, default_currency: str) -> Draft:
    """``12000``, ``12 000,50``, ``12k``, with a currency before or after it (``USD``,
    ``грн``, ``$``) as quick add reads them."""
    amount = typed_amount(text)
    if amount is None:
        raise ValidationFailed("amount-invalid", field="value")
    return {
        "value": str(parse_amount(amount.value)),
        "currency": parse_currency(amount.currency or default_currency),
    }


async def _is_skip_button(message: Message, i18n: I18nContext) -> bool:
    return message.text == i18n.get("wizard-skip")


async def _is_on_its_step(
    query: CallbackQuery, callback_data: SkipStep, raw_state: str | None
) -> bool:
    return raw_state == STEP_STATES[callback_data.step].state


async def start_from_scratch(message: Message, wizard: Wizard) -> None:
    await wizard.start({})


async def start_from_forward(message: Message, wizard: Wizard, i18n: I18nContext) -> None:
    draft = forwarded_draft(message)
    await wizard.start(draft, intro=_prefill_intro(draft, i18n))


async def start_from_contact(
    message: Message, contact: Contact, wizard: Wizard, i18n: I18nContext, phone_region: str
) -> None:
    draft = shared_contact(message, contact, phone_region=phone_region)
    draft["source"] = LeadSource.TELEGRAM.value
    await wizard.start(draft, intro=_prefill_intro(draft, i18n))


async def name_typed(message: Message, wizard: Wizard) -> None:
    name = parse(LeadDraft, {"contact_name": message.text}).contact_name
    await wizard.fill(WizardStep.NAME, {"contact_name": name} if name else {})


async def contact_skipped(message: Message, wizard: Wizard, i18n: I18nContext) -> None:
    if "contact_name" not in await wizard.draft():
        await message.answer(i18n.get("error-lead-needs-name-or-contact"))
        return
    await wizard.leave_contact_step({})


async def contact_shared(
    message: Message, contact: Contact, wizard: Wizard, phone_region: str
) -> None:
    await wizard.leave_contact_step(shared_contact(message, contact, phone_region=phone_region))


async def contact_typed(message: Message, wizard: Wizard, phone_region: str) -> None:
    await wizard.leave_contact_step(typed_contact(message.text or "", phone_region=phone_region))


async def value_typed(message: Message, wizard: Wizard, default_currency: str) -> None:
    answer = typed_value(message.text or "", default_currency=default_currency)
    await wizard.fill(WizardStep.VALUE, answer)


async def source_picked(
    query: CallbackQuery, callback_data: PickSource, wizard: Wizard, i18n: I18nContext
) -> None:
    source = callback_data.source.value
    await wizard.close_prompt(tr(i18n, "wizard-chosen", choice=i18n.get(f"source-{source}")))
    await wizard.fill(WizardStep.SOURCE, {"source": source})
    await query.answer()


async def stage_picked(
    query: CallbackQuery,
    callback_data: PickStage,
    wizard: Wizard,
    session: AsyncSession,
    i18n: I18nContext,
) -> None:
    stage = await get_stage(session, callback_data.stage_id)
    await wizard.close_prompt(tr(i18n, "wizard-chosen", choice=stage_name(stage, i18n)))
    await wizard.fill(WizardStep.STAGE, {"stage_id": stage.id})
    await query.answer()


async def step_skipped(
    query: CallbackQuery, callback_data: SkipStep, wizard: Wizard, i18n: I18nContext
) -> None:
    await wizard.close_prompt(i18n.get("wizard-skipped"))
    await wizard.fill(callback_data.step, {})
    await query.answer()


async def field_typed(message: Message, wizard: Wizard, actor: Staff, i18n: I18nContext) -> None:
    definition = await wizard.asked_field()
    if definition is None:
        await message.answer(i18n.get("wizard-step-over"))
        return
    today = local_time(utcnow(), actor).date()
    await wizard.fill_field(definition, typed_field_value(definition, message.text or "", today))


async def field_answer_picked(
    query: CallbackQuery, callback_data: PickFieldAnswer, wizard: Wizard, i18n: I18nContext
) -> None:
    definition = await wizard.asked_field()
    if definition is None or definition.id != callback_data.field_id:
        await query.answer(i18n.get("wizard-step-over"))
        return
    value = pressed_value(definition, callback_data.choice)
    await wizard.close_prompt(
        tr(i18n, "wizard-chosen", choice=answer_text(definition, value, i18n))
    )
    await wizard.fill_field(definition, value)
    await query.answer()


async def step_already_done(query: CallbackQuery, i18n: I18nContext) -> None:
    await query.answer(i18n.get("wizard-step-over"))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.middleware(_attach_wizard)
    router.callback_query.middleware(_attach_wizard)
    router.message.register(start_from_scratch, Command("lead", magic=F.args.is_(None)))
    router.message.register(start_from_forward, StateFilter(None), InLoop(F.forward_origin))
    router.message.register(start_from_contact, StateFilter(None), InLoop(F.contact.as_("contact")))
    router.message.register(name_typed, StateFilter(LeadWizard.name), TYPED_ANSWER)
    router.message.register(contact_skipped, StateFilter(LeadWizard.contact), _is_skip_button)
    router.message.register(
        contact_shared, StateFilter(LeadWizard.contact), InLoop(F.contact.as_("contact"))
    )
    router.message.register(contact_typed, StateFilter(LeadWizard.contact), TYPED_ANSWER)
    router.message.register(value_typed, StateFilter(LeadWizard.value), TYPED_ANSWER)
    router.callback_query.register(
        source_picked, StateFilter(LeadWizard.source), PickSource.filter()
    )
    router.callback_query.register(stage_picked, StateFilter(LeadWizard.stage), PickStage.filter())
    router.message.register(field_typed, StateFilter(LeadWizard.custom_field), TYPED_ANSWER)
    router.callback_query.register(
        field_answer_picked, StateFilter(LeadWizard.custom_field), PickFieldAnswer.filter()
    )
    router.callback_query.register(step_skipped, SkipStep.filter(), _is_on_its_step)
    router.callback_query.register(
        step_already_done,
        or_f(SkipStep.filter(), PickSource.filter(), PickStage.filter(), PickFieldAnswer.filter()),
    )
    return router
