"""What a rule is: a trigger (when), conditions on the lead (if) and actions (then).

Kept as JSON on the rule and read back through these models, so a rule saved by an older
release that no longer reads is refused rather than guessed at. Each condition is one small
class holding both ways of asking it: of one loaded lead (the runner) and as SQL over many
(the dry run), side by side so they cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, exists, not_, select

from crm.models import Lead, LeadSource, LostReason, Tag, TeamMember, lead_tags

NAME_MAX = 64
IDLE_DAYS_MAX = 365
TASK_HOURS_MAX = 24 * 90
ROUND_ROBIN_MAX = 20
ACTIONS_MAX = 10


class Trigger(StrEnum):
    LEAD_CREATED = "lead_created"
    STAGE_ENTERED = "stage_entered"
    LEAD_WON = "lead_won"
    LEAD_LOST = "lead_lost"
    LEAD_IDLE = "lead_idle"
    TASK_OVERDUE = "task_overdue"
    SHOP_ORDER = "shop_order"
    CUSTOMER_WROTE = "customer_wrote"


# The triggers the scheduler writes by looking at the clock, one rule at a time.
TIMED_TRIGGERS = frozenset({Trigger.LEAD_IDLE, Trigger.TASK_OVERDUE})
# The channels a customer writes over.
MESSAGING_CHANNELS = (LeadSource.WHATSAPP, LeadSource.WEBSITE_CHAT)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The facts of an event that may narrow its trigger, each a field of When of the same name.
NARROWING_FACTS = ("source", "stage_id", "reason", "channel")


class When(_Frozen):
    """The trigger and what narrows it: a source (created), a stage (entered), a reason
    (lost), a number of days (idle), a channel (customer wrote)."""

    trigger: Trigger
    source: LeadSource | None = None
    stage_id: int | None = None
    reason: LostReason | None = None
    days: int | None = Field(default=None, ge=1, le=IDLE_DAYS_MAX)
    channel: LeadSource | None = None

    def accepts(self, facts: dict[str, object]) -> bool:
        """Does an event of this trigger, with these facts, fire the rule? (Spelled out,
        one field of NARROWING_FACTS each: a loop over them took twice as long.)"""
        return (
            (self.source is None or facts.get("source") == self.source)
            and (self.stage_id is None or facts.get("stage_id") == self.stage_id)
            and (self.reason is None or facts.get("reason") == self.reason)
            and (self.channel is None or facts.get("channel") == self.channel)
        )


class LeadFacts(_Frozen):
    """What conditions ask of a lead, read once per event."""

    source: LeadSource
    stage_id: int
    value_minor: int | None
    responsible_id: int | None
    tags: frozenset[str]
    custom_fields: dict[str, str]
    # The teams the responsible is in.
    teams: frozenset[int] = frozenset()

    @classmethod
    def of(cls, lead: Lead, tags: list[Tag], teams: frozenset[int] = frozenset()) -> LeadFacts:
        own = cls.of_row(
            lead.source, lead.stage_id, lead.value_minor, lead.responsible_id, lead.custom_fields
        )
        return own.with_(tags=frozenset(tag.name for tag in tags), teams=teams)

    @classmethod
    def of_row(
        cls,
        source: LeadSource,
        stage_id: int,
        value_minor: int | None,
        responsible_id: int | None,
        custom_fields: dict[str, object],
    ) -> LeadFacts:
        """The lead's own columns, without its tags and teams."""
        return cls(
            source=source,
            stage_id=stage_id,
            value_minor=value_minor,
            responsible_id=responsible_id,
            tags=frozenset(),
            custom_fields={key: str(value) for key, value in custom_fields.items()},
        )

    def with_(self, *, tags: frozenset[str], teams: frozenset[int]) -> LeadFacts:
        return self.model_copy(update={"tags": tags, "teams": teams})


class SourceIs(_Frozen):
    kind: Literal["source"] = "source"
    source: LeadSource

    def holds(self, lead: LeadFacts) -> bool:
        return lead.source == self.source

    def where(self) -> ColumnElement[bool]:
        return Lead.source == self.source


class StageIs(_Frozen):
    kind: Literal["stage"] = "stage"
    stage_id: int

    def holds(self, lead: LeadFacts) -> bool:
        return lead.stage_id == self.stage_id

    def where(self) -> ColumnElement[bool]:
        return Lead.stage_id == self.stage_id


class ValueBetween(_Frozen):
    """The deal's value, in minor units, within a range; either end may be open."""

    kind: Literal["value"] = "value"
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)

    def holds(self, lead: LeadFacts) -> bool:
        value = lead.value_minor
        if value is None:
            return False
        return (self.at_least is None or value >= self.at_least) and (
            self.at_most is None or value <= self.at_most
        )

    def where(self) -> ColumnElement[bool]:
        bounds: list[ColumnElement[bool]] = [Lead.value_minor.is_not(None)]
        if self.at_least is not None:
            bounds.append(Lead.value_minor >= self.at_least)
        if self.at_most is not None:
            bounds.append(Lead.value_minor <= self.at_most)
        return and_(*bounds)


class HasTag(_Frozen):
    kind: Literal["tag"] = "tag"
    tag: str
    present: bool = True

    def holds(self, lead: LeadFacts) -> bool:
        return (self.tag in lead.tags) == self.present

    def where(self) -> ColumnElement[bool]:
        tagged = exists().where(
            lead_tags.c.lead_id == Lead.id,
            lead_tags.c.tag_id.in_(select(Tag.id).where(Tag.name == self.tag)),
        )
        return tagged if self.present else not_(tagged)


class ResponsibleIs(_Frozen):
    kind: Literal["responsible"] = "responsible"
    staff_id: int

    def holds(self, lead: LeadFacts) -> bool:
        return lead.responsible_id == self.staff_id

    def where(self) -> ColumnElement[bool]:
        return Lead.responsible_id == self.staff_id


class ResponsibleInTeam(_Frozen):
    kind: Literal["team"] = "team"
    team_id: int

    def holds(self, lead: LeadFacts) -> bool:
        return self.team_id in lead.teams

    def where(self) -> ColumnElement[bool]:
        members = select(TeamMember.staff_id).where(TeamMember.team_id == self.team_id)
        return Lead.responsible_id.in_(members)


class FieldEquals(_Frozen):
    kind: Literal["field"] = "field"
    key: str
    value: str

    def holds(self, lead: LeadFacts) -> bool:
        return lead.custom_fields.get(self.key) == self.value

    def where(self) -> ColumnElement[bool]:
        value: ColumnElement[bool] = Lead.custom_fields[self.key].as_string() == self.value
        return value


Condition = Annotated[
    SourceIs | StageIs | ValueBetween | HasTag | ResponsibleIs | ResponsibleInTeam | FieldEquals,
    Field(discriminator="kind"),
]


class CreateTask(_Frozen):
    """A task for the lead's responsible, due ``hours`` from now (moved out of their quiet
    hours), titled after the rule."""

    kind: Literal["task"] = "task"
    hours: int = Field(ge=1, le=TASK_HOURS_MAX)


class AssignInTurn(_Frozen):
    """Round-robin among the people the admin picked."""

    kind: Literal["assign"] = "assign"
    staff_ids: tuple[int, ...] = Field(min_length=1, max_length=ROUND_ROBIN_MAX)


class AssignInTeam(_Frozen):
    """Round-robin among a team's active members, as they are when the rule acts."""

    kind: Literal["assign_team"] = "assign_team"
    team_id: int


class AddTag(_Frozen):
    kind: Literal["add_tag"] = "add_tag"
    tag: str


class RemoveTag(_Frozen):
    kind: Literal["remove_tag"] = "remove_tag"
    tag: str


class NotifyPerson(_Frozen):
    kind: Literal["notify"] = "notify"
    staff_id: int


class NotifyTeam(_Frozen):
    """The team's head and members, those of them who may see the lead."""

    kind: Literal["notify_team"] = "notify_team"
    team_id: int


class MoveToStage(_Frozen):
    kind: Literal["move"] = "move"
    stage_id: int


class SendWebhook(_Frozen):
    """The lead, as a ``rule.fired`` event, to one of the outgoing webhooks."""

    kind: Literal["webhook"] = "webhook"
    webhook_id: int


Action = Annotated[
    CreateTask
    | AssignInTurn
    | AssignInTeam
    | AddTag
    | RemoveTag
    | NotifyPerson
    | NotifyTeam
    | MoveToStage
    | SendWebhook,
    Field(discriminator="kind"),
]


class RuleSpec(_Frozen):
    when: When
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = Field(min_length=1, max_length=ACTIONS_MAX)

    def matches(self, lead: LeadFacts) -> bool:
        return all(condition.holds(lead) for condition in self.conditions)
