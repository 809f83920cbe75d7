"""Who may see and change what: reps their own leads, managers their teams' (or everything,
when in no team), admins everything.

A customer may have deals with several reps (a duplicate created anyway, a returning buyer).
Like Pipedrive's and Odoo's own-records visibility, a rep then sees the customer (name,
contacts, tags, conversations, loyalty, support) and what belongs to the customer as a whole
(the shop's orders), but of the deals only their own and what hangs off them (notes, calls,
tasks, orders converted from a deal): another rep's deal is only counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import BindParameter, False_, True_

from crm.errors import Conflict, Forbidden, NotFound, StaleLead
from crm.models import Customer, Lead, LeadMerge, Role, Staff, Task, TeamMember

# A staff id in SQL: a column of the query or a bound value.
Operand = SQLColumnExpression[int | None]
# Whose scope is everything whatever the teams.
UNSCOPED_ROLES = frozenset({Role.ADMIN})


def require_active(actor: Staff) -> None:
    if not actor.is_active:
        raise Forbidden("deactivated staff member")


def require_role(actor: Staff, *roles: Role) -> None:
    require_active(actor)
    if actor.role not in roles:
        raise Forbidden(f"{actor.role} may not do this")


def _shares_a_team(reader_id: Operand, owner_id: Operand) -> ColumnElement[bool]:
    mine, theirs = aliased(TeamMember), aliased(TeamMember)
    teammates = (
        select(theirs.staff_id)
        .join(mine, mine.team_id == theirs.team_id)
        .where(mine.staff_id == reader_id)
        # The reader may be a row of a query around this one, however deep (readers_of).
        .correlate_except(mine, theirs)
    )
    return owner_id.in_(teammates)


def _in_no_team(reader_id: Operand) -> ColumnElement[bool]:
    membership = aliased(TeamMember)
    return ~(
        select(membership.staff_id)
        .where(membership.staff_id == reader_id)
        .correlate_except(membership)
        .exists()
    )


def _reader_sees_work_of(
    *,
    reader_id: Operand,
    is_admin: ColumnElement[bool],
    is_manager: ColumnElement[bool],
    owner_id: Operand,
) -> ColumnElement[bool]:
    """THE rule of who sees whose work (leads and what hangs off them, tasks), as SQL over
    a reader and an owner, so one definition serves both directions: the leads a reader may
    see (:func:`visible_leads`, the reader given) and the people who may see a lead
    (:func:`readers_of`, the owner given).

    Admins see everything. A manager in no team manages the whole company, as before teams
    existed; a manager in teams sees their own work and their teammates' (in any of their
    teams). A rep sees their own. Nothing about teams is cached: a membership removed is
    gone from the next query. Work with no owner (a lead nobody is responsible for yet) is
    the company's: admins and company-wide managers see it.

    The team clauses are built only when the reader's role leaves them in: a rep's or an
    admin's condition is built on every press, and building the subqueries it folds away
    cost more than running the query.
    """
    return _any_of(
        is_admin,
        lambda: _all_of(is_manager, lambda: _in_no_team(reader_id)),
        lambda: _all_of(
            owner_id.is_not(None),
            lambda: _any_of(
                owner_id == reader_id,
                lambda: _all_of(is_manager, lambda: _shares_a_team(reader_id, owner_id)),
            ),
        ),
    )


# A condition, or how to build it when the conditions before it have not decided already.
Condition = ColumnElement[bool] | Callable[[], ColumnElement[bool]]


def _any_of(*conditions: Condition) -> ColumnElement[bool]:
    """``or_`` with the constants folded away (``and_``/``or_`` keep some), so the planner
    sees a rep's condition as plainly as before teams existed; a condition after a true
    one is never built."""
    kept = []
    for condition in _built(conditions):
        if isinstance(condition, True_):
            return true()
        if not isinstance(condition, False_):
            kept.append(condition)
    return or_(*kept) if kept else false()


def _all_of(*conditions: Condition) -> ColumnElement[bool]:
    kept = []
    for condition in _built(conditions):
        if isinstance(condition, False_):
            return false()
        if not isinstance(condition, True_):
            kept.append(condition)
    return and_(*kept) if kept else true()


def _built(conditions: Iterable[Condition]) -> Iterator[ColumnElement[bool]]:
    """Each condition in turn, built when it is reached."""
    for condition in conditions:
        yield condition if isinstance(condition, ColumnElement) else condition()


def work_seen_by(actor: Staff, owner_id: Operand) -> ColumnElement[bool]:
    """Rows owned by ``owner_id`` (a column: a lead's responsible, a task's assignee) that
    ``actor`` may see, as a WHERE clause."""
    require_active(actor)
    return work_seen_by_reader(actor.id, actor.role, owner_id)


def work_seen_by_reader(reader_id: int, role: Role, owner_id: Operand) -> ColumnElement[bool]:
    """:func:`work_seen_by` for a statement composed once per person and role (as
    :func:`leads_seen_by`); whoever runs it checks the person is active."""
    # Constants, which and_/or_ fold away: a rep's query stays "responsible = me".
    return _reader_sees_work_of(
        reader_id=literal(reader_id),
        is_admin=true() if role == Role.ADMIN else false(),
        is_manager=true() if role == Role.MANAGER else false(),
        owner_id=owner_id,
    )


@lru_cache(maxsize=1024)
def leads_seen_by(reader_id: int, role: Role) -> ColumnElement[bool]:
    """:func:`visible_leads` built once per person and role: a manager's condition (team
    subqueries) took longer to compose than the press's queries took to run. A clause is
    immutable and holds no team: who is in which team is read by the query each time.
    For a statement composed once per person; whoever runs it checks they are active."""
    return work_seen_by_reader(reader_id, role, Lead.responsible_id)


def visible_leads(actor: Staff) -> ColumnElement[bool]:
    """The leads ``actor`` may see, as a WHERE clause: every read of leads goes through it.

    A lead belongs to a team through its responsible person's membership rather than a
    ``team_id`` of its own: there is nothing to keep in step when a lead is reassigned or a
    person changes teams, removing someone from a team takes their leads out of its scope at
    once, and a person in several teams has their leads seen by each team's managers.
    """
    require_active(actor)
    return leads_seen_by(actor.id, actor.role)


def visible_staff(actor: Staff) -> ColumnElement[bool]:
    """The people whose leads ``actor`` sees: whom they may hand a lead or a task to, whose
    rows their reports show."""
    return work_seen_by(actor, Staff.id)


def visible_tasks(actor: Staff) -> ColumnElement[bool]:
    """Tasks of someone whose work ``actor`` sees, or on a lead they see."""
    return _task_seen(lambda owner_id: work_seen_by(actor, owner_id))


def _task_seen(sees: Callable[[Operand], ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(
        sees(Task.assignee_id),
        select(Lead.id)
        .where(Lead.id == Task.lead_id, sees(Lead.responsible_id))
        .correlate_except(Lead)
        .exists(),
    )


def readers_of(owner_id: Operand) -> ColumnElement[bool]:
    """The active staff who may see the work of ``owner_id`` (a lead's responsible person, a
    task's assignee), as a WHERE clause over :class:`Staff`."""
    return and_(
        Staff.is_active.is_(True),
        _reader_sees_work_of(
            reader_id=Staff.id,
            is_admin=Staff.role == Role.ADMIN,
            is_manager=Staff.role == Role.MANAGER,
            owner_id=owner_id,
        ),
    )


def readers_of_lead(lead_id: int | BindParameter[int]) -> ColumnElement[bool]:
    """The staff whose scope holds lead ``lead_id``, over :class:`Staff`: whom to tell."""
    return (
        select(Lead.id)
        .where(Lead.id == lead_id, readers_of(Lead.responsible_id))
        .correlate_except(Lead)
        .exists()
    )


def readers_of_task(task_id: int) -> ColumnElement[bool]:
    """The staff who see task ``task_id``, over :class:`Staff`."""
    return (
        select(Task.id)
        .where(Task.id == task_id, _task_seen(readers_of))
        .correlate_except(Task)
        .exists()
    )


def is_unscoped(actor: Staff) -> bool:
    """Whether ``actor``'s scope is everything whatever the teams (admins): a query may then
    leave the scope's condition out."""
    return actor.role in UNSCOPED_ROLES


async def may_see_lead(session: AsyncSession, *, actor: Staff, lead_id: int) -> bool:
    return lead_id in await seen_of(session, actor=actor, lead_ids=[lead_id])


async def seen_of(session: AsyncSession, *, actor: Staff, lead_ids: Iterable[int]) -> set[int]:
    """Which of ``lead_ids`` ``actor`` may see."""
    ids = set(lead_ids)
    if not ids or not actor.is_active:
        return set()
    found = await session.scalars(select(Lead.id).where(Lead.id.in_(ids), visible_leads(actor)))
    return set(found)


async def may_see_task(session: AsyncSession, *, actor: Staff, task_id: int) -> bool:
    if not actor.is_active:
        return False
    found = await session.scalar(select(Task.id).where(Task.id == task_id, visible_tasks(actor)))
    return found is not None


async def may_see_staff(session: AsyncSession, *, actor: Staff, staff_id: int) -> bool:
    found = await session.scalar(select(Staff.id).where(Staff.id == staff_id, visible_staff(actor)))
    return found is not None


def visible_customers(actor: Staff) -> ColumnElement[bool]:
    """A WHERE clause limiting customers to the ones ``actor`` may open: those with a deal
    they see, or any for whoever sees the company's own work (admins, company-wide
    managers). A customer merged into another is left out: the one kept stands for both."""
    live = Customer.merged_into_id.is_(None)
    if is_unscoped(actor):
        return live
    return and_(
        live,
        or_(
            work_seen_by(actor, literal(None, Integer)),
            exists().where(Lead.customer_id == Customer.id, visible_leads(actor)),
        ),
    )


def visible_customer_records(
    actor: Staff,
    *,
    lead_id: SQLColumnExpression[int | None],
    owner_id: SQLColumnExpression[int | None] | None = None,
) -> ColumnElement[bool]:
    """A WHERE clause limiting rows gathered about a customer (activities, tasks, orders) to
    the ones ``actor`` may see.

    A row of a deal (``lead_id`` set) is seen by whoever sees the deal. A row of the customer
    as a whole is seen by everyone who sees the customer, unless it is someone's own work
    (``owner_id``: a note's author, a task's assignee); that only whoever sees its owner's
    work sees.
    """
    require_active(actor)
    return customer_records_seen_by(actor.id, actor.role, lead_id=lead_id, owner_id=owner_id)


def customer_records_seen_by(
    reader_id: int,
    role: Role,
    *,
    lead_id: SQLColumnExpression[int | None],
    owner_id: SQLColumnExpression[int | None] | None = None,
) -> ColumnElement[bool]:
    """:func:`visible_customer_records` for a statement composed once per person and role
    (as :func:`leads_seen_by`); whoever runs it checks the person is active."""
    if role in UNSCOPED_ROLES:
        return true()
    of_the_customer: ColumnElement[bool] = lead_id.is_(None)
    if owner_id is not None:
        of_the_customer = and_(
            of_the_customer,
            or_(owner_id.is_(None), work_seen_by_reader(reader_id, role, owner_id)),
        )
    return or_(lead_id.in_(select(Lead.id).where(leads_seen_by(reader_id, role))), of_the_customer)


async def visible_lead(session: AsyncSession, *, actor: Staff, lead_id: int) -> Lead:
    """The lead, read with the scope's condition in the same statement. A lead merged into
    another is that other one, so the old buttons and links of a merged-away lead open the lead
    it was merged into; only a lead not found at once is looked for again, to tell a missing
    lead from someone else's."""
    require_active(actor)
    lead = await session.scalar(_visible_lead(actor.id, actor.role), {"lead_id": lead_id})
    if lead is not None:
        return lead
    if await session.get(Lead, lead_id) is None:
        return await visible_lead(
            session, actor=actor, lead_id=await _merged_into(session, lead_id)
        )
    raise Forbidden(f"lead {lead_id} belongs to someone else")


@lru_cache(maxsize=1024)
def _visible_lead(reader_id: int, role: Role) -> Select[Lead]:
    """:func:`visible_lead`'s statement, built once per person and role, the lead bound at
    each press: built anew, its cache key was made anew at every card opened."""
    return select(Lead).where(
        Lead.id == bindparam("lead_id", type_=Integer), leads_seen_by(reader_id, role)
    )


async def _merged_into(session: AsyncSession, lead_id: int) -> int:
    into_id = await session.scalar(select(LeadMerge.into_id).where(LeadMerge.merged_id == lead_id))
    if into_id is None:
        raise NotFound(f"lead {lead_id}")
    return into_id


async def editable_lead(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int | None
) -> Lead:
    """The lead, if ``actor`` may change it and it still is the version they saw."""
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    if seen_version is not None and lead.version != seen_version:
        raise StaleLead(lead_id)
    return lead


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush; a row changed by another transaction meanwhile becomes :class:`Conflict`."""
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Conflict(str(exc)) from exc
