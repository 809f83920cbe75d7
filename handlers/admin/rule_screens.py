"""What ``/rules`` shows: the list of rules, a rule's card, and the builder's screens."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.automation.admin import DryRun, Vocabulary
from crm.automation.spec import (
    MESSAGING_CHANNELS,
    Action,
    AddTag,
    AssignInTeam,
    AssignInTurn,
    Condition,
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
    ValueBetween,
    When,
)
from crm.models import LeadSource, LostReason, Rule, StageKind
from crm.money import from_minor_units
from handlers.common.flows import FlowData
from handlers.common.paging import page_navigation, page_of
from handlers.common.screens import Screen, button, checkbox, one_per_row
from handlers.common.text import shorten, stage_name, tr
from handlers.leads.rendering import lost_reason_key

ANY = -1
IDLE_DAYS_CHOICES = (1, 2, 3, 5, 7, 14, 30)
TASK_HOURS_CHOICES = (1, 2, 4, 24, 48, 72, 168)
SOURCES = tuple(LeadSource)
REASONS = tuple(LostReason)
TRIGGERS = tuple(Trigger)
NAME_SHOWN = 40
LEADS_SHOWN_TITLE = 60


class RulesPage(CallbackData, prefix="rl"):
    page: int


class RuleView(CallbackData, prefix="rv"):
    rule_id: int


class RuleSwitch(CallbackData, prefix="rw"):
    rule_id: int
    enabled: bool


class RuleMove(CallbackData, prefix="ro"):
    rule_id: int
    offset: int


class RuleDelete(CallbackData, prefix="rd"):
    rule_id: int
    confirmed: bool = False


class Build(StrEnum):
    """A screen of the rule builder."""

    TRIGGERS = "t"
    HOME = "h"
    CONDITIONS = "c"
    ACTIONS = "a"
    WHEN_SOURCE = "ws"
    WHEN_STAGE = "wt"
    WHEN_REASON = "wr"
    WHEN_DAYS = "wd"
    WHEN_CHANNEL = "wc"
    IF_SOURCE = "is"
    IF_STAGE = "it"
    IF_RESPONSIBLE = "ir"
    IF_FIELD = "if"
    IF_TEAM = "im"
    THEN_TASK = "tt"
    THEN_ASSIGN = "ta"
    THEN_NOTIFY = "tn"
    THEN_MOVE = "tm"
    THEN_ASSIGN_TEAM = "te"
    THEN_NOTIFY_TEAM = "tb"
    THEN_WEBHOOK = "tw"
    # Answered by typing.
    IF_VALUE = "iv"
    IF_TAG = "ig"
    IF_NO_TAG = "in"
    THEN_ADD_TAG = "tg"
    THEN_REMOVE_TAG = "tr"
    NAME = "n"


TYPED = frozenset(
    {Build.IF_VALUE, Build.IF_TAG, Build.IF_NO_TAG, Build.THEN_ADD_TAG, Build.THEN_REMOVE_TAG}
)


class BuildScreen(CallbackData, prefix="rb"):
    screen: Build


class Picked(StrEnum):
    """A choice made in the builder; ``value`` is an id, an index or a number."""

    TRIGGER = "t"
    WHEN_SOURCE = "ws"
    WHEN_STAGE = "wt"
    WHEN_REASON = "wr"
    WHEN_DAYS = "wd"
    WHEN_CHANNEL = "wc"
    IF_SOURCE = "is"
    IF_STAGE = "it"
    IF_RESPONSIBLE = "ir"
    IF_FIELD = "if"
    IF_FIELD_CHOICE = "ic"
    IF_TEAM = "im"
    THEN_TASK = "tt"
    THEN_ASSIGN = "ta"
    THEN_ASSIGN_DONE = "td"
    THEN_NOTIFY = "tn"
    THEN_MOVE = "tm"
    THEN_ASSIGN_TEAM = "te"
    THEN_NOTIFY_TEAM = "tb"
    THEN_WEBHOOK = "tw"
    UNDO = "u"
    SAVE = "s"
    CANCEL = "x"


class BuildPick(CallbackData, prefix="rp"):
    picked: Picked
    value: int = 0


class RuleDraft(FlowData):
    """The rule being built, between an admin's presses."""

    destiny: ClassVar[str] = "rule_draft"

    when: When | None = None
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    name: str | None = None
    # Round-robin being picked, and a custom field waiting for its value.
    picking: tuple[int, ...] = ()
    field_key: str | None = None
    # The typed screen an answer is awaited for.
    typed_for: Build | None = None

    def spec(self) -> RuleSpec:
        """The rule as saved; only asked for once the trigger is picked."""
        assert self.when is not None
        return RuleSpec(when=self.when, conditions=self.conditions, actions=self.actions)


# Describing rules in the reader's language.


def source_text(source: LeadSource, i18n: I18nContext) -> str:
    return i18n.get(f"source-{source.value}")


def when_text(when: When, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    text = i18n.get(f"rule-when-{when.trigger.value.replace('_', '-')}", days=when.days or 0)
    narrowed = None
    if when.source is not None:
        narrowed = source_text(when.source, i18n)
    elif when.channel is not None:
        narrowed = source_text(when.channel, i18n)
    elif when.reason is not None:
        narrowed = i18n.get(lost_reason_key(when.reason))
    elif when.stage_id is not None:
        narrowed = _stage_text(when.stage_id, vocabulary, i18n)
    return tr(i18n, "rule-narrowed", what=text, by=narrowed) if narrowed else text


def _stage_text(stage_id: int, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    stage = vocabulary.stage(stage_id)
    return stage_name(stage, i18n) if stage else i18n.get("rule-gone")


def _person_text(staff_id: int, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    person = vocabulary.person(staff_id)
    return person.display_name if person else i18n.get("rule-gone")


def _team_text(team_id: int, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    team = vocabulary.team(team_id)
    return team.name if team else i18n.get("rule-gone")


def _webhook_text(webhook_id: int, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    hook = vocabulary.webhook(webhook_id)
    return shorten(hook.url, NAME_SHOWN) if hook else i18n.get("rule-gone")


def _money(minor: int | None) -> str:
    """An amount as typed: whole amounts without cents, thousands apart."""
    if minor is None:
        return "…"
    places = ",.0f" if minor % 100 == 0 else ",.2f"
    return format(from_minor_units(minor), places).replace(",", " ")


def condition_text(condition: Condition, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    match condition:
        case SourceIs(source=source):
            return tr(i18n, "rule-if-source", source=source_text(source, i18n))
        case StageIs(stage_id=stage_id):
            return tr(i18n, "rule-if-stage", stage=_stage_text(stage_id, vocabulary, i18n))
        case ValueBetween(at_least=low, at_most=high):
            return tr(i18n, "rule-if-value", low=_money(low), high=_money(high))
        case HasTag(tag=tag, present=True):
            return tr(i18n, "rule-if-tag", tag=tag)
        case HasTag(tag=tag):
            return tr(i18n, "rule-if-no-tag", tag=tag)
        case ResponsibleIs(staff_id=staff_id):
            return tr(i18n, "rule-if-responsible", person=_person_text(staff_id, vocabulary, i18n))
        case ResponsibleInTeam(team_id=team_id):
            return tr(i18n, "rule-if-team", team=_team_text(team_id, vocabulary, i18n))
        case FieldEquals(key=key, value=value):
            field = vocabulary.field(key)
            return tr(
                i18n, "rule-if-field", field=field.label(i18n.locale) if field else key, value=value
            )


def action_text(action: Action, vocabulary: Vocabulary, i18n: I18nContext) -> str:
    match action:
        case CreateTask(hours=hours):
            return i18n.get("rule-then-task", hours=hours)
        case AssignInTurn(staff_ids=picked):
            names = ", ".join(_person_text(p, vocabulary, i18n) for p in picked)
            return tr(i18n, "rule-then-assign", people=names)
        case AssignInTeam(team_id=team_id):
            return tr(i18n, "rule-then-assign-team", team=_team_text(team_id, vocabulary, i18n))
        case AddTag(tag=tag):
            return tr(i18n, "rule-then-add-tag", tag=tag)
        case RemoveTag(tag=tag):
            return tr(i18n, "rule-then-remove-tag", tag=tag)
        case NotifyPerson(staff_id=staff_id):
            return tr(i18n, "rule-then-notify", person=_person_text(staff_id, vocabulary, i18n))
        case NotifyTeam(team_id=team_id):
            return tr(i18n, "rule-then-notify-team", team=_team_text(team_id, vocabulary, i18n))
        case SendWebhook(webhook_id=webhook_id):
            url = _webhook_text(webhook_id, vocabulary, i18n)
            return tr(i18n, "rule-then-webhook", url=url)
        case MoveToStage(stage_id=stage_id):
            return tr(i18n, "rule-then-move", stage=_stage_text(stage_id, vocabulary, i18n))


def spec_lines(
    when: When | None,
    conditions: tuple[Condition, ...],
    actions: tuple[Action, ...],
    vocabulary: Vocabulary,
    i18n: I18nContext,
) -> list[str]:
    lines = [i18n.get("rule-when-label"), "  " + when_text(when, vocabulary, i18n)] if when else []
    if conditions:
        lines.append(i18n.get("rule-if-label"))
        lines += ["  • " + condition_text(c, vocabulary, i18n) for c in conditions]
    if actions:
        lines.append(i18n.get("rule-then-label"))
        lines += [f"  {n}. " + action_text(a, vocabulary, i18n) for n, a in enumerate(actions, 1)]
    return lines


# The list and a rule's card.


def rule_list(rules: list[Rule], page: int, i18n: I18nContext) -> Screen:
    shown = page_of(rules, page)
    keyboard = InlineKeyboardBuilder()
    first = shown.page * shown.page_size + 1
    for number, rule in enumerate(shown.items, start=first):
        label = f"{number}. {shorten(rule.name, NAME_SHOWN)}"
        keyboard.row(button(checkbox(rule.enabled, label), RuleView(rule_id=rule.id)))
    keyboard.row(*page_navigation(shown, i18n, lambda p: RulesPage(page=p)))
    keyboard.row(button(i18n.get("rule-new"), BuildScreen(screen=Build.TRIGGERS)))
    text = i18n.get("rule-list-title", count=len(rules))
    if not rules:
        text += "\n\n" + i18n.get("rule-list-empty")
    return Screen(text, keyboard.as_markup())


def rule_card(
    rule: Rule, spec: RuleSpec | None, vocabulary: Vocabulary, i18n: I18nContext
) -> Screen:
    state = i18n.get("rule-on") if rule.enabled else i18n.get("rule-off")
    lines = [tr(i18n, "rule-card-title", name=rule.name), state]
    if rule.failure:
        lines.append(rule_failure_text(rule.failure, i18n))
    if spec is not None:
        lines += ["", *spec_lines(spec.when, spec.conditions, spec.actions, vocabulary, i18n)]
    keyboard = InlineKeyboardBuilder()
    switch = "rule-switch-off" if rule.enabled else "rule-switch-on"
    keyboard.row(button(i18n.get(switch), RuleSwitch(rule_id=rule.id, enabled=not rule.enabled)))
    keyboard.row(
        button(i18n.get("rule-move-up"), RuleMove(rule_id=rule.id, offset=-1)),
        button(i18n.get("rule-move-down"), RuleMove(rule_id=rule.id, offset=1)),
    )
    keyboard.row(button(i18n.get("rule-delete"), RuleDelete(rule_id=rule.id)))
    keyboard.row(button(i18n.get("rule-back-to-list"), RulesPage(page=0)))
    return Screen("\n".join(lines), keyboard.as_markup())


def rule_failure_text(code: str, i18n: I18nContext) -> str:
    reason = i18n.get(f"rule-failure-{code}") if code.startswith("rule-") else code
    return tr(i18n, "rule-failed-because", reason=reason)


def delete_question(rule: Rule, i18n: I18nContext) -> Screen:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(i18n.get("rule-delete-yes"), RuleDelete(rule_id=rule.id, confirmed=True))],
            [button(i18n.get("rule-delete-no"), RuleView(rule_id=rule.id))],
        ]
    )
    return Screen(tr(i18n, "rule-delete-question", name=rule.name), keyboard)


# The builder.


def _picks(
    options: list[tuple[str, BuildPick]], i18n: I18nContext, *, back: Build, per_row: int = 2
) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for label, data in options:
        keyboard.button(text=label, callback_data=data)
    keyboard.adjust(per_row)
    keyboard.row(
        InlineKeyboardButton(
            text=i18n.get("rule-back"), callback_data=BuildScreen(screen=back).pack()
        )
    )
    return keyboard.as_markup()


def _trigger_label(trigger: Trigger, i18n: I18nContext) -> str:
    return i18n.get(f"rule-when-{trigger.value.replace('_', '-')}", days="N")


def build_screen(
    screen: Build, draft: RuleDraft, vocabulary: Vocabulary, i18n: I18nContext
) -> Screen:
    """The builder's ``screen`` for ``draft``."""
    if screen == Build.HOME:
        return home(draft, vocabulary, i18n)
    if screen == Build.THEN_ASSIGN:
        return assign_picker(draft, vocabulary, i18n)
    prompt = i18n.get(f"rule-build-{screen.value}")
    match screen:
        case Build.TRIGGERS:
            options = [
                (_trigger_label(t, i18n), BuildPick(picked=Picked.TRIGGER, value=i))
                for i, t in enumerate(TRIGGERS)
            ]
            keyboard = InlineKeyboardBuilder()
            for label, data in options:
                keyboard.button(text=label, callback_data=data)
            keyboard.adjust(1)
            keyboard.row(button(i18n.get("rule-cancel"), BuildPick(picked=Picked.CANCEL)))
            return Screen(prompt, keyboard.as_markup())
        case Build.CONDITIONS:
            menu = [
                Build.IF_SOURCE,
                Build.IF_STAGE,
                Build.IF_VALUE,
                Build.IF_TAG,
                Build.IF_NO_TAG,
                Build.IF_RESPONSIBLE,
            ]
            if vocabulary.fields:
                menu.append(Build.IF_FIELD)
            if vocabulary.teams:
                menu.append(Build.IF_TEAM)
            return Screen(prompt, _menu(menu, i18n))
        case Build.ACTIONS:
            menu = [
                Build.THEN_TASK,
                Build.THEN_ASSIGN,
                Build.THEN_ADD_TAG,
                Build.THEN_REMOVE_TAG,
                Build.THEN_NOTIFY,
                Build.THEN_MOVE,
            ]
            if vocabulary.teams:
                menu += [Build.THEN_ASSIGN_TEAM, Build.THEN_NOTIFY_TEAM]
            if vocabulary.webhooks:
                menu.append(Build.THEN_WEBHOOK)
            return Screen(prompt, _menu(menu, i18n))
    if screen in TYPED or screen == Build.NAME:
        back = one_per_row(button(i18n.get("rule-back"), BuildScreen(screen=Build.HOME)))
        return Screen(prompt, back)
    return Screen(prompt, _picks(_options(screen, vocabulary, i18n), i18n, back=_back(screen)))


def _back(screen: Build) -> Build:
    if screen.value.startswith("w"):
        return Build.TRIGGERS
    return Build.CONDITIONS if screen.value.startswith("i") else Build.ACTIONS


def _menu(items: list[Build], i18n: I18nContext) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for item in items:
        keyboard.button(
            text=i18n.get(f"rule-menu-{item.value}"), callback_data=BuildScreen(screen=item)
        )
    keyboard.adjust(2)
    keyboard.row(button(i18n.get("rule-back"), BuildScreen(screen=Build.HOME)))
    return keyboard.as_markup()


def _options(
    screen: Build, vocabulary: Vocabulary, i18n: I18nContext
) -> list[tuple[str, BuildPick]]:
    stages = [(stage_name(s, i18n), s.id) for s in vocabulary.stages]
    open_or_won = [
        (stage_name(s, i18n), s.id) for s in vocabulary.stages if s.kind != StageKind.LOST
    ]
    people = [(p.display_name, p.id) for p in vocabulary.active_people]
    teams = [(t.name, t.id) for t in vocabulary.teams]
    sources = [(source_text(s, i18n), i) for i, s in enumerate(SOURCES)]
    any_one = [(i18n.get("rule-any"), ANY)]
    choices: dict[Build, tuple[Picked, list[tuple[str, int]]]] = {
        Build.WHEN_SOURCE: (Picked.WHEN_SOURCE, any_one + sources),
        Build.WHEN_STAGE: (Picked.WHEN_STAGE, stages),
        Build.WHEN_REASON: (
            Picked.WHEN_REASON,
            any_one + [(i18n.get(lost_reason_key(r)), i) for i, r in enumerate(REASONS)],
        ),
        Build.WHEN_DAYS: (
            Picked.WHEN_DAYS,
            [(i18n.get("rule-days", days=d), d) for d in IDLE_DAYS_CHOICES],
        ),
        Build.WHEN_CHANNEL: (
            Picked.WHEN_CHANNEL,
            any_one + [(source_text(c, i18n), SOURCES.index(c)) for c in MESSAGING_CHANNELS],
        ),
        Build.IF_SOURCE: (Picked.IF_SOURCE, sources),
        Build.IF_STAGE: (Picked.IF_STAGE, stages),
        Build.IF_RESPONSIBLE: (Picked.IF_RESPONSIBLE, people),
        Build.IF_FIELD: (
            Picked.IF_FIELD,
            [(f.label(i18n.locale), f.id) for f in vocabulary.fields],
        ),
        Build.THEN_TASK: (
            Picked.THEN_TASK,
            [(i18n.get("rule-in-hours", hours=h), h) for h in TASK_HOURS_CHOICES],
        ),
        Build.THEN_NOTIFY: (Picked.THEN_NOTIFY, people),
        Build.THEN_MOVE: (Picked.THEN_MOVE, open_or_won),
        Build.IF_TEAM: (Picked.IF_TEAM, teams),
        Build.THEN_ASSIGN_TEAM: (Picked.THEN_ASSIGN_TEAM, teams),
        Build.THEN_NOTIFY_TEAM: (Picked.THEN_NOTIFY_TEAM, teams),
        Build.THEN_WEBHOOK: (
            Picked.THEN_WEBHOOK,
            [(shorten(w.url, NAME_SHOWN), w.id) for w in vocabulary.webhooks],
        ),
    }
    picked, labelled = choices[screen]
    return [(label, BuildPick(picked=picked, value=value)) for label, value in labelled]


def field_choices(choices: list[str], i18n: I18nContext) -> Screen:
    options = [
        (shorten(choice, NAME_SHOWN), BuildPick(picked=Picked.IF_FIELD_CHOICE, value=i))
        for i, choice in enumerate(choices)
    ]
    return Screen(i18n.get("rule-build-field-value"), _picks(options, i18n, back=Build.CONDITIONS))


def field_prompt(i18n: I18nContext) -> Screen:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[button(i18n.get("rule-back"), BuildScreen(screen=Build.CONDITIONS))]]
    )
    return Screen(i18n.get("rule-build-field-value-typed"), keyboard)


def assign_picker(draft: RuleDraft, vocabulary: Vocabulary, i18n: I18nContext) -> Screen:
    keyboard = InlineKeyboardBuilder()
    for person in vocabulary.active_people:
        keyboard.button(
            text=checkbox(person.id in draft.picking, person.display_name),
            callback_data=BuildPick(picked=Picked.THEN_ASSIGN, value=person.id),
        )
    keyboard.adjust(2)
    if draft.picking:
        keyboard.row(
            button(i18n.get("rule-assign-done"), BuildPick(picked=Picked.THEN_ASSIGN_DONE))
        )
    keyboard.row(button(i18n.get("rule-back"), BuildScreen(screen=Build.ACTIONS)))
    return Screen(i18n.get("rule-build-ta"), keyboard.as_markup())


def home(
    draft: RuleDraft, vocabulary: Vocabulary, i18n: I18nContext, notice: str | None = None
) -> Screen:
    lines = [notice, ""] if notice else []
    lines += [i18n.get("rule-draft-title")]
    lines += spec_lines(draft.when, draft.conditions, draft.actions, vocabulary, i18n)
    if not draft.actions:
        lines += ["", i18n.get("rule-draft-needs-action")]
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        button(i18n.get("rule-add-condition"), BuildScreen(screen=Build.CONDITIONS)),
        button(i18n.get("rule-add-action"), BuildScreen(screen=Build.ACTIONS)),
    )
    if draft.conditions or draft.actions:
        keyboard.row(button(i18n.get("rule-undo"), BuildPick(picked=Picked.UNDO)))
    if draft.actions:
        keyboard.row(button(i18n.get("rule-next-name"), BuildScreen(screen=Build.NAME)))
    keyboard.row(button(i18n.get("rule-cancel"), BuildPick(picked=Picked.CANCEL)))
    return Screen("\n".join(lines), keyboard.as_markup())


def dry_run_screen(
    draft: RuleDraft, result: DryRun, vocabulary: Vocabulary, i18n: I18nContext
) -> Screen:
    lines = [tr(i18n, "rule-card-title", name=draft.name or "")]
    lines += spec_lines(draft.when, draft.conditions, draft.actions, vocabulary, i18n)
    lines += ["", i18n.get("rule-dry-run", count=result.count)]
    lines += [
        tr(
            i18n,
            "rule-dry-run-lead",
            title=shorten(lead.title, LEADS_SHOWN_TITLE),
            lead_id=str(lead.id),
        )
        for lead in result.first
    ]
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(i18n.get("rule-save"), BuildPick(picked=Picked.SAVE))],
            [button(i18n.get("rule-edit"), BuildScreen(screen=Build.HOME))],
            [button(i18n.get("rule-cancel"), BuildPick(picked=Picked.CANCEL))],
        ]
    )
    return Screen("\n".join(lines), keyboard)
