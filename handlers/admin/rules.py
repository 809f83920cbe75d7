"""``/rules``: admins build automation rules by buttons, see a dry run before saving, and
list, switch, reorder and delete them. Every press asks ``crm`` first, which refuses anyone
but an admin, so a forged press changes nothing."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.automation import admin
from crm.automation.actions import RuleBroken
from crm.automation.engine import spec_of
from crm.automation.spec import (
    ACTIONS_MAX,
    NAME_MAX,
    AddTag,
    AssignInTeam,
    AssignInTurn,
    CreateTask,
    FieldEquals,
    HasTag,
    MoveToStage,
    NotifyPerson,
    NotifyTeam,
    RemoveTag,
    ResponsibleInTeam,
    ResponsibleIs,
    RuleSpec,
    SendWebhook,
    SourceIs,
    StageIs,
    Trigger,
    When,
)
from crm.errors import ValidationFailed
from crm.models import FieldKind, Rule, Staff
from crm.services.tags import normalize_tag
from handlers.admin.rule_screens import (
    ANY,
    REASONS,
    SOURCES,
    TRIGGERS,
    TYPED,
    Build,
    BuildPick,
    BuildScreen,
    Picked,
    RuleDelete,
    RuleDraft,
    RuleMove,
    RulesPage,
    RuleSwitch,
    RuleView,
    build_screen,
    delete_question,
    dry_run_screen,
    field_choices,
    field_prompt,
    home,
    rule_card,
    rule_list,
)
from handlers.common.filters import TYPED_ANSWER
from handlers.common.screens import Screen, send_screen, show_screen
from handlers.common.text import tr

FIELD_VALUE_MAX = 500
# The trigger's narrowing asked right after it is picked.
NARROWED_BY = {
    Trigger.LEAD_CREATED: Build.WHEN_SOURCE,
    Trigger.STAGE_ENTERED: Build.WHEN_STAGE,
    Trigger.LEAD_LOST: Build.WHEN_REASON,
    Trigger.LEAD_IDLE: Build.WHEN_DAYS,
    Trigger.CUSTOMER_WROTE: Build.WHEN_CHANNEL,
}


class RuleInput(StatesGroup):
    """Waiting for an admin to type part of a rule (the builder screen says which)."""

    typed = State()
    field_value = State()
    name = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_rules, Command("rules"))
    router.callback_query.register(turn_page, RulesPage.filter())
    router.callback_query.register(show_rule, RuleView.filter())
    router.callback_query.register(switch_rule, RuleSwitch.filter())
    router.callback_query.register(move_rule, RuleMove.filter())
    router.callback_query.register(delete_rule, RuleDelete.filter())
    router.callback_query.register(open_build_screen, BuildScreen.filter())
    router.callback_query.register(pick, BuildPick.filter())
    router.message.register(typed_answer, StateFilter(RuleInput.typed), TYPED_ANSWER)
    router.message.register(field_value_typed, StateFilter(RuleInput.field_value), TYPED_ANSWER)
    router.message.register(name_typed, StateFilter(RuleInput.name), TYPED_ANSWER)
    return router


# The list and the cards.


async def rules_screen(session: AsyncSession, actor: Staff, page: int, i18n: I18nContext) -> Screen:
    return rule_list(await admin.list_rules(session, actor=actor), page, i18n)


async def card_screen(session: AsyncSession, actor: Staff, rule: Rule, i18n: I18nContext) -> Screen:
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    try:
        spec: RuleSpec | None = spec_of(rule)
    except RuleBroken:
        spec = None
    return rule_card(rule, spec, vocabulary, i18n)


async def show_rules(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    await send_screen(message, await rules_screen(session, actor, 0, i18n))


async def turn_page(
    query: CallbackQuery,
    callback_data: RulesPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await show_screen(query, await rules_screen(session, actor, callback_data.page, i18n))


async def show_rule(
    query: CallbackQuery,
    callback_data: RuleView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    rule = await admin.admin_rule(session, actor=actor, rule_id=callback_data.rule_id)
    await show_screen(query, await card_screen(session, actor, rule, i18n))


async def switch_rule(
    query: CallbackQuery,
    callback_data: RuleSwitch,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    rule = await admin.set_enabled(
        session, actor=actor, rule_id=callback_data.rule_id, enabled=callback_data.enabled
    )
    await show_screen(query, await card_screen(session, actor, rule, i18n))


async def move_rule(
    query: CallbackQuery,
    callback_data: RuleMove,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await admin.move_rule(
        session, actor=actor, rule_id=callback_data.rule_id, offset=callback_data.offset
    )
    rule = await admin.admin_rule(session, actor=actor, rule_id=callback_data.rule_id)
    await show_screen(query, await card_screen(session, actor, rule, i18n))


async def delete_rule(
    query: CallbackQuery,
    callback_data: RuleDelete,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    rule = await admin.admin_rule(session, actor=actor, rule_id=callback_data.rule_id)
    if not callback_data.confirmed:
        await show_screen(query, delete_question(rule, i18n))
        return
    name = rule.name
    await admin.delete_rule(session, actor=actor, rule_id=rule.id)
    screen = await rules_screen(session, actor, 0, i18n)
    await show_screen(query, screen, notice=tr(i18n, "rule-deleted", name=name))


# The builder.


async def open_build_screen(
    query: CallbackQuery,
    callback_data: BuildScreen,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    screen = callback_data.screen
    draft = RuleDraft() if screen == Build.TRIGGERS else await RuleDraft.load(state)
    if draft is None:
        await query.answer(i18n.get("rule-draft-expired"), show_alert=True)
        return
    await draft.model_copy(update={"typed_for": screen if screen in TYPED else None}).save(state)
    await state.set_state(
        RuleInput.typed if screen in TYPED else RuleInput.name if screen == Build.NAME else None
    )
    await show_screen(query, build_screen(screen, draft, vocabulary, i18n))


async def pick(
    query: CallbackQuery,
    callback_data: BuildPick,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    draft = await RuleDraft.load(state)
    if draft is None:
        await query.answer(i18n.get("rule-draft-expired"), show_alert=True)
        return
    picked, value = callback_data.picked, callback_data.value
    match picked:
        case Picked.CANCEL:
            await RuleDraft.forget(state)
            await state.set_state(None)
            await show_screen(query, await rules_screen(session, actor, 0, i18n))
            return
        case Picked.SAVE:
            await save(query, draft, session, actor, i18n, state)
            return
        case Picked.IF_FIELD:
            await show_screen(query, await _field_picked(draft, value, vocabulary, i18n, state))
            return
        case Picked.THEN_ASSIGN:
            draft = _assignee_toggled(draft, value, vocabulary)
            await draft.save(state)
            await show_screen(query, build_screen(Build.THEN_ASSIGN, draft, vocabulary, i18n))
            return
    try:
        draft, next_screen = applied(draft, picked, value, vocabulary)
    except ValidationError:  # a number no button offers (a forged press)
        raise ValidationFailed("rule-step-invalid", field="rule") from None
    await draft.save(state)
    await show_screen(query, build_screen(next_screen, draft, vocabulary, i18n))


async def _field_picked(
    draft: RuleDraft,
    field_id: int,
    vocabulary: admin.Vocabulary,
    i18n: I18nContext,
    state: FSMContext,
) -> Screen:
    """Ask for the field's value: its choices as buttons, or typed."""
    field = next((f for f in vocabulary.fields if f.id == field_id), None)
    if field is None:
        raise ValidationFailed("custom-field-unknown", field="field")
    await draft.model_copy(update={"field_key": field.key}).save(state)
    if field.kind == FieldKind.CHOICE and field.choices:
        return field_choices(field.choices, i18n)
    await state.set_state(RuleInput.field_value)
    return field_prompt(i18n)


def _assignee_toggled(draft: RuleDraft, staff_id: int, vocabulary: admin.Vocabulary) -> RuleDraft:
    picking = tuple(p for p in draft.picking if p != staff_id)
    if staff_id not in draft.picking and vocabulary.person(staff_id) is not None:
        picking += (staff_id,)
    return draft.model_copy(update={"picking": picking})


def applied(
    draft: RuleDraft, picked: Picked, value: int, vocabulary: admin.Vocabulary
) -> tuple[RuleDraft, Build]:
    """The draft with a pick applied, and the screen to show next. An id or index that does
    not exist is bad input, answered by the errors router."""
    when = draft.when
    match picked:
        case Picked.TRIGGER:
            trigger = TRIGGERS[_index(value, TRIGGERS)]
            fresh = RuleDraft(when=When(trigger=trigger))
            return fresh, NARROWED_BY.get(trigger, Build.HOME)
        case Picked.WHEN_SOURCE | Picked.WHEN_CHANNEL if when is not None:
            key = "source" if picked == Picked.WHEN_SOURCE else "channel"
            chosen = None if value == ANY else SOURCES[_index(value, SOURCES)]
            return _with_when(draft, when.model_copy(update={key: chosen})), Build.HOME
        case Picked.WHEN_REASON if when is not None:
            reason = None if value == ANY else REASONS[_index(value, REASONS)]
            return _with_when(draft, when.model_copy(update={"reason": reason})), Build.HOME
        case Picked.WHEN_STAGE if when is not None:
            _stage(value, vocabulary)
            return _with_when(draft, when.model_copy(update={"stage_id": value})), Build.HOME
        case Picked.WHEN_DAYS if when is not None:
            return _with_when(draft, When(trigger=when.trigger, days=value)), Build.HOME
        case Picked.IF_SOURCE:
            return _with_condition(draft, SourceIs(source=SOURCES[_index(value, SOURCES)]))
        case Picked.IF_STAGE:
            return _with_condition(draft, StageIs(stage_id=_stage(value, vocabulary)))
        case Picked.IF_RESPONSIBLE:
            return _with_condition(draft, ResponsibleIs(staff_id=_person(value, vocabulary)))
        case Picked.IF_TEAM:
            return _with_condition(draft, ResponsibleInTeam(team_id=_team(value, vocabulary)))
        case Picked.IF_FIELD_CHOICE:
            field = vocabulary.field(draft.field_key or "")
            if field is None:
                raise ValidationFailed("custom-field-unknown", field="field")
            choice = field.choices[_index(value, field.choices)]
            return _with_condition(draft, FieldEquals(key=field.key, value=choice))
        case Picked.THEN_TASK:
            return _with_action(draft, CreateTask(hours=value))
        case Picked.THEN_ASSIGN_DONE if draft.picking:
            done = draft.model_copy(update={"picking": ()})
            return _with_action(done, AssignInTurn(staff_ids=draft.picking))
        case Picked.THEN_NOTIFY:
            return _with_action(draft, NotifyPerson(staff_id=_person(value, vocabulary)))
        case Picked.THEN_MOVE:
            return _with_action(draft, MoveToStage(stage_id=_stage(value, vocabulary)))
        case Picked.THEN_ASSIGN_TEAM:
            return _with_action(draft, AssignInTeam(team_id=_team(value, vocabulary)))
        case Picked.THEN_NOTIFY_TEAM:
            return _with_action(draft, NotifyTeam(team_id=_team(value, vocabulary)))
        case Picked.THEN_WEBHOOK:
            return _with_action(draft, SendWebhook(webhook_id=_webhook(value, vocabulary)))
        case Picked.UNDO if draft.actions:
            return draft.model_copy(update={"actions": draft.actions[:-1]}), Build.HOME
        case Picked.UNDO:
            return draft.model_copy(update={"conditions": draft.conditions[:-1]}), Build.HOME
    raise ValidationFailed("rule-step-invalid", field="rule")


def _index(value: int, options: tuple[object, ...] | list[str]) -> int:
    if not 0 <= value < len(options):
        raise ValidationFailed("rule-step-invalid", field="rule")
    return value


def _stage(stage_id: int, vocabulary: admin.Vocabulary) -> int:
    if vocabulary.stage(stage_id) is None:
        raise ValidationFailed("rule-stage-gone", field="stage_id")
    return stage_id


def _person(staff_id: int, vocabulary: admin.Vocabulary) -> int:
    person = vocabulary.person(staff_id)
    if person is None or not person.is_active:
        raise ValidationFailed("rule-person-gone", field="staff_id")
    return staff_id


def _team(team_id: int, vocabulary: admin.Vocabulary) -> int:
    if vocabulary.team(team_id) is None:
        raise ValidationFailed("rule-team-gone", field="team_id")
    return team_id


def _webhook(webhook_id: int, vocabulary: admin.Vocabulary) -> int:
    if vocabulary.webhook(webhook_id) is None:
        raise ValidationFailed("rule-webhook-gone", field="webhook_id")
    return webhook_id


def _with_when(draft: RuleDraft, when: When) -> RuleDraft:
    return draft.model_copy(update={"when": When.model_validate(when.model_dump())})


def _with_condition(draft: RuleDraft, condition: object) -> tuple[RuleDraft, Build]:
    return draft.model_copy(update={"conditions": (*draft.conditions, condition)}), Build.HOME


def _with_action(draft: RuleDraft, action: object) -> tuple[RuleDraft, Build]:
    if len(draft.actions) >= ACTIONS_MAX:
        raise ValidationFailed("rule-actions-too-many", field="actions")
    return draft.model_copy(update={"actions": (*draft.actions, action)}), Build.HOME


async def typed_answer(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    """A value range or a tag, for the typed screen the builder showed."""
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    draft = await RuleDraft.load(state)
    if draft is None or draft.typed_for is None:
        await state.set_state(None)
        await message.answer(i18n.get("rule-draft-expired"))
        return
    text = message.text or ""
    match draft.typed_for:
        case Build.IF_VALUE:
            draft, _ = _with_condition(draft, admin.parse_value_range(text))
        case Build.IF_TAG | Build.IF_NO_TAG as screen:
            tag = HasTag(tag=normalize_tag(text), present=screen == Build.IF_TAG)
            draft, _ = _with_condition(draft, tag)
        case Build.THEN_ADD_TAG:
            draft, _ = _with_action(draft, AddTag(tag=normalize_tag(text)))
        case Build.THEN_REMOVE_TAG:
            draft, _ = _with_action(draft, RemoveTag(tag=normalize_tag(text)))
    await _back_home(message, state, draft, vocabulary, i18n)


async def _back_home(
    message: Message,
    state: FSMContext,
    draft: RuleDraft,
    vocabulary: admin.Vocabulary,
    i18n: I18nContext,
) -> None:
    """A typed answer taken: the draft kept, the question closed, the rule's screen shown."""
    await draft.save(state)
    await state.set_state(None)
    await send_screen(message, home(draft, vocabulary, i18n))


async def field_value_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    draft = await RuleDraft.load(state)
    if draft is None or draft.field_key is None:
        await state.set_state(None)
        await message.answer(i18n.get("rule-draft-expired"))
        return
    value = (message.text or "").strip()
    if not value or len(value) > FIELD_VALUE_MAX:
        raise ValidationFailed("rule-field-value-invalid", field="value")
    draft, _ = _with_condition(draft, FieldEquals(key=draft.field_key, value=value))
    await _back_home(message, state, draft, vocabulary, i18n)


async def name_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    """The name is the last question: then the dry run, with Save."""
    vocabulary = await admin.rule_vocabulary(session, actor=actor)
    draft = await RuleDraft.load(state)
    if draft is None or draft.when is None:
        await state.set_state(None)
        await message.answer(i18n.get("rule-draft-expired"))
        return
    name = (message.text or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("rule-name-invalid", field="name", details={"max": NAME_MAX})
    draft = draft.model_copy(update={"name": name})
    result = await admin.dry_run(session, actor=actor, spec=draft.spec())
    await draft.save(state)
    await state.set_state(None)
    await send_screen(message, dry_run_screen(draft, result, vocabulary, i18n))


async def save(
    query: CallbackQuery,
    draft: RuleDraft,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    if draft.when is None or draft.name is None:
        raise ValidationFailed("rule-step-invalid", field="rule")
    rule = await admin.create_rule(session, actor=actor, name=draft.name, spec=draft.spec())
    await RuleDraft.forget(state)
    await show_screen(
        query,
        await card_screen(session, actor, rule, i18n),
        notice=tr(i18n, "rule-saved", name=rule.name),
    )
