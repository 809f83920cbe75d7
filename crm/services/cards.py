"""The lead card: what a rep sees when opening a lead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Exists,
    Integer,
    ScalarSelect,
    Select,
    bindparam,
    exists,
    func,
    inspect,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm.models import (
    Activity,
    FieldDefinition,
    Lead,
    Order,
    Role,
    Staff,
    Stage,
    StageKind,
    Tag,
    Task,
    lead_tags,
)
from crm.money import from_minor_units
from crm.services.access import customer_records_seen_by, require_active, visible_lead
from crm.services.fields import field_definitions

RECENT_ACTIVITIES = 3

# A deal this likely to close is asked for its expected close date when it gets there.
CLOSE_DATE_FROM_PROBABILITY = 50


@dataclass(frozen=True, slots=True)
class LeadStatistics:
    """The card's statistics block: tasks, orders and payments (as KeepinCRM shows them)."""

    open_tasks: int
    done_tasks: int
    orders: int
    paid: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class CardTag:
    """A tag as the card shows it (and its buttons name it)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class LeadCard:
    lead: Lead
    tags: list[CardTag]
    recent_activities: list[Activity]
    next_task: Task | None
    statistics: LeadStatistics
    # Every custom field defined, filled in or not, in the order the admin added them.
    fields: list[FieldDefinition]
    # Another lead shares its phone or e-mail: managers may merge them (/duplicates).
    has_duplicates: bool

    @property
    def wants_close_date(self) -> bool:
        """An open deal likely to close and no expected close date: the forecast needs one."""
        stage = self.lead.stage
        return (
            stage.kind == StageKind.OPEN
            and stage.probability >= CLOSE_DATE_FROM_PROBABILITY
            and self.lead.expected_close_on is None
        )


# What a card action answers instead of the new card when it cannot be done yet: it changed
# nothing and says what it needs. ``code`` and ``field`` name the need as a crm error would,
# for an answer that was supposed to supply it.


@dataclass(frozen=True, slots=True)
class NeedsValue:
    """A deal is won with its value: ask for it, then ``leads.win_with_value``."""

    code: ClassVar[str] = "value-required"
    field: ClassVar[str] = "value"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NeedsLostReason:
    """A deal is lost for a reason: offer them, then ``leads.mark_lost`` with the one picked."""

    code: ClassVar[str] = "lost-reason-required"
    field: ClassVar[str] = "lost_reason"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NeedsLostReasonText:
    """The reason "other" is told in words: ask for them, then ``leads.lose_with_words``."""

    code: ClassVar[str] = "lost-reason-required"
    field: ClassVar[str] = "lost_reason"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NoFurtherStage:
    """Next on the last stage, or back on the first: nothing to move to."""

    lead_id: int


@dataclass(frozen=True, slots=True)
class NeedsFieldValue:
    """The stage requires a custom field the lead lacks: ask for it, then
    ``leads.fill_field_and_move`` with the answer and the same stage."""

    code: ClassVar[str] = "custom-field-required"
    lead_id: int
    version: int
    stage_id: int
    definition: FieldDefinition

    @property
    def field(self) -> str:
        return self.definition.key


StillNeeded = NeedsValue | NeedsLostReason | NeedsLostReasonText | NeedsFieldValue


@dataclass(frozen=True, slots=True)
class StageChoices:
    """The card and the stages of its pipeline, to pick where the lead goes."""

    card: LeadCard
    stages: list[Stage]


async def lead_card(session: AsyncSession, *, actor: Staff, lead_id: int) -> LeadCard:
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    return await card_of(session, actor=actor, lead=lead)


async def card_of(session: AsyncSession, *, actor: Staff, lead: Lead) -> LeadCard:
    """The card of a lead already loaded and checked: what ``actor`` sees of it now, read in
    one statement (a card answers most presses; each statement costs more in Python around
    it than in the database)."""
    require_active(actor)
    owner_unread = "responsible" in inspect(lead).unloaded
    statement = _card_statement(actor.id, actor.role, _orders_scope(lead), with_owner=owner_unread)
    rows = (
        await session.execute(
            statement,
            {
                "lead_id": lead.id,
                "customer_id": lead.customer_id,
                "phone": lead.phone or None,
                "email": lead.email or None,
                "owner_id": lead.responsible_id,
            },
        )
    ).all()
    first = rows[0]
    if owner_unread:
        set_committed_value(lead, "responsible", first.owner)
    order_rows = first.orders or []
    return LeadCard(
        lead=lead,
        tags=[CardTag(tag_id, name) for tag_id, name in first.tags or []],
        recent_activities=[row[0] for row in rows if row[0] is not None],
        next_task=first[1],
        statistics=LeadStatistics(
            open_tasks=first.open,
            done_tasks=first.done,
            orders=sum(count for _, count, _ in order_rows),
            paid={currency: from_minor_units(total) for currency, _, total in order_rows},
        ),
        fields=await field_definitions(session),
        has_duplicates=first.has_duplicates,
    )


class _OrdersOf(Enum):
    """Whose orders a card sums: the customer's, or the lead's own before it has a
    customer; none when it has neither."""

    CUSTOMER = "customer"
    LEAD = "lead"
    NONE = "none"


def _orders_scope(lead: Lead) -> _OrdersOf:
    if lead.customer_id is not None:
        return _OrdersOf.CUSTOMER
    return _OrdersOf.NONE if lead.order_id is None else _OrdersOf.LEAD


class json_rows(FunctionElement[list[list[Any]]]):
    """``json_rows(key, *columns)``: the rows of a query's FROM as one JSON array of arrays of
    ``columns``, in the order of ``key`` (on SQLite, which has no ORDER BY in an aggregate
    before 3.44, the order the FROM gives them: a subquery sorted by ``key``). No rows give
    an empty array on SQLite, NULL on PostgreSQL."""

    type = JSON()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows)  # SQLite's, and how the statement prints
@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    _key, *columns = element.clauses
    return f"json_group_array(json_array({_listed(compiler, columns, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    key, *columns = element.clauses
    listed = _listed(compiler, columns, **kw)
    return f"json_agg(json_build_array({listed}) ORDER BY {compiler.process(key, **kw)})"


def _listed(compiler: SQLCompiler, columns: list[ColumnElement[Any]], **kw: Any) -> str:
    return ", ".join(compiler.process(column, **kw) for column in columns)


@lru_cache(maxsize=1024)
def _card_statement(
    actor_id: int, role: Role, orders_of: _OrdersOf, *, with_owner: bool
) -> Select[Any]:
    """What the card shows besides the lead, in one statement composed once per person, role
    and kind of lead (composing it took longer than running it); the lead, its customer and
    contacts are bound at each press. A row per recent activity (one, with none, when there is
    none), each carrying the rest: the open task due first, the task counts, the tags and the
    order totals (as JSON arrays), whether another lead shares the phone or the e-mail, and,
    ``with_owner``, the lead's responsible person (not read yet by a move, which reads the
    lead back from its UPDATE)."""
    lead_id = bindparam("lead_id", type_=Integer)
    recent = aliased(
        Activity,
        select(Activity)
        .where(Activity.lead_id == lead_id)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(RECENT_ACTIVITIES)
        .subquery(),
    )
    task_counts = (
        select(
            func.count().filter(Task.done_at.is_(None)).label("open"),
            func.count().filter(Task.done_at.is_not(None)).label("done"),
        )
        .where(Task.lead_id == lead_id)
        .subquery()
    )
    due_first = aliased(
        Task,
        select(Task)
        .where(Task.lead_id == lead_id, Task.done_at.is_(None))
        .order_by(Task.due_at)
        .limit(1)
        .subquery(),
    )
    statement = (
        select(
            recent,
            due_first,
            task_counts.c.open,
            task_counts.c.done,
            _tags_of_lead(lead_id).label("tags"),
            _order_totals(actor_id, role, orders_of, lead_id).label("orders"),
            _shares_contact(lead_id).label("has_duplicates"),
        )
        .select_from(task_counts)
        .outerjoin(due_first, true())
        .outerjoin(recent, true())
        .order_by(recent.created_at.desc(), recent.id.desc())
    )
    if not with_owner:
        return statement
    owner = aliased(Staff, name="owner")
    return statement.add_columns(owner).outerjoin(
        owner, owner.id == bindparam("owner_id", type_=Integer)
    )


def _tags_of_lead(lead_id: BindParameter[int]) -> ScalarSelect[Any]:
    """[[id, name], ...] by name."""
    tags = (
        select(Tag.id, Tag.name)
        .join(lead_tags, lead_tags.c.tag_id == Tag.id)
        .where(lead_tags.c.lead_id == lead_id)
        .order_by(Tag.name)
        .subquery()
    )
    return select(json_rows(tags.c.name, tags.c.id, tags.c.name)).scalar_subquery()


def _order_totals(
    actor_id: int, role: Role, orders_of: _OrdersOf, lead_id: BindParameter[int]
) -> ScalarSelect[Any]:
    """[[currency, count, sum], ...] of the orders the reader may see."""
    if orders_of == _OrdersOf.NONE:
        return select(null()).scalar_subquery()
    scope = (
        Order.customer_id == bindparam("customer_id", type_=Integer)
        if orders_of == _OrdersOf.CUSTOMER
        else Order.lead_id == lead_id
    )
    totals = (
        select(
            Order.currency, func.count().label("count"), func.sum(Order.amount_minor).label("sum")
        )
        .where(scope, customer_records_seen_by(actor_id, role, lead_id=Order.lead_id))
        .group_by(Order.currency)
        .subquery()
    )
    c = totals.c
    return select(json_rows(c.currency, c.currency, c["count"], c["sum"])).scalar_subquery()


def _shares_contact(lead_id: BindParameter[int]) -> Exists:
    """Whether another lead has the phone or the e-mail bound (None: none to share); both
    columns are indexed."""
    columns = Lead.__table__.c
    return exists().where(
        or_(
            Lead.phone == bindparam("phone", type_=columns.phone.type),
            Lead.email == bindparam("email", type_=columns.email.type),
        ),
        Lead.id != lead_id,
    )
