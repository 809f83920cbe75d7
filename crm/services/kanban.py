"""The pipeline as a Kanban board (the Mini App): per stage its figures and a page of cards,
narrowed by filters, each page found through the stage's latest-activity index (keyset).

The figures are :func:`crm.services.board.pipeline_board`'s, the search is ``/find``'s and
every row is limited by :func:`crm.services.access.visible_leads`: the board shows what the
chat shows, only laid out in columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, select, true, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox
from crm.idle_deals import idle_since
from crm.models import Lead, LeadSource, Staff, Stage, StageKind, Tag, Task, lead_tags, utcnow
from crm.money import from_minor_units
from crm.services.access import require_active, visible_lead, visible_leads
from crm.services.board import Board, ListPosition, pipeline_board
from crm.services.pipelines import get_stage
from crm.services.search import search_leads

CARDS_PER_PAGE = 30
# A card's columns: id, stage, version, title, value, currency, last activity, responsible.
ColumnRows = Select[int, int, int, str, int | None, str, datetime, str]
# The most leads a search narrows the board to: as many as /find could ever page through.
SEARCH_MATCHES = 500


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What the board shows: everyone's (as far as the viewer may see) or only the viewer's,
    optionally of one responsible, tag or source, or matching a search."""

    mine: bool = False
    responsible_id: int | None = None
    tag: str | None = None
    source: LeadSource | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class NextTask:
    title: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class KanbanCard:
    """What a card on the board shows: read as plain columns, a thousand cards a second."""

    id: int
    version: int
    stage_id: int
    title: str
    value: Decimal | None
    currency: str
    responsible: str | None
    last_activity_at: datetime
    tags: list[str]
    next_task: NextTask | None
    idle: bool


@dataclass(frozen=True, slots=True)
class CardPage:
    stage_id: int
    cards: list[KanbanCard]
    # Where the next page starts, or None on the last page.
    next_position: ListPosition | None


@dataclass(frozen=True, slots=True)
class KanbanBoard:
    board: Board
    pages: dict[int, CardPage] = field(default_factory=dict)


async def kanban_board(
    session: AsyncSession,
    *,
    actor: Staff,
    board_filter: BoardFilter,
    page_size: int = CARDS_PER_PAGE,
) -> KanbanBoard:
    """The default pipeline's columns with their figures and first page of cards."""
    narrowing = await _narrowing(session, actor, board_filter)
    board = await pipeline_board(session, actor=actor, matching=narrowing)
    stages = [column.stage for column in board.columns]
    pages = await _pages(session, actor, stages, narrowing, None, page_size)
    return KanbanBoard(board=board, pages={page.stage_id: page for page in pages})


async def stage_cards(
    session: AsyncSession,
    *,
    actor: Staff,
    stage_id: int,
    board_filter: BoardFilter,
    after: ListPosition | None,
    page_size: int = CARDS_PER_PAGE,
) -> CardPage:
    """The page of a column's cards right after ``after`` (a long column is paged)."""
    require_active(actor)
    stage = await get_stage(session, stage_id)
    narrowing = await _narrowing(session, actor, board_filter)
    (page,) = await _pages(session, actor, [stage], narrowing, after, page_size)
    return page


async def _narrowing(
    session: AsyncSession, actor: Staff, board_filter: BoardFilter
) -> ColumnElement[bool]:
    require_active(actor)
    conditions: list[ColumnElement[bool]] = []
    if board_filter.mine:
        conditions.append(Lead.responsible_id == actor.id)
    if board_filter.responsible_id is not None:
        conditions.append(Lead.responsible_id == board_filter.responsible_id)
    if board_filter.source is not None:
        conditions.append(Lead.source == board_filter.source)
    if board_filter.tag:
        tag_id = select(Tag.id).where(Tag.name == board_filter.tag.casefold()).scalar_subquery()
        tagged = select(lead_tags.c.lead_id).where(lead_tags.c.tag_id == tag_id)
        conditions.append(Lead.id.in_(tagged))
    if board_filter.search and board_filter.search.strip():
        found = await search_leads(
            session, actor=actor, text=board_filter.search, limit=SEARCH_MATCHES
        )
        conditions.append(Lead.id.in_([lead.id for lead in found]))
    return and_(true(), *conditions)


def _column_query(
    actor: Staff,
    stage: Stage,
    narrowing: ColumnElement[bool],
    after: ListPosition | None,
    page_size: int,
) -> ColumnRows:
    """One column's page plus one card (is there more?), down the stage's activity index."""
    query = (
        select(
            Lead.id,
            Lead.stage_id,
            Lead.version,
            Lead.title,
            Lead.value_minor,
            Lead.currency,
            Lead.last_activity_at,
            Staff.display_name,
        )
        .outerjoin(Staff, Staff.id == Lead.responsible_id)
        .where(Lead.stage_id == stage.id, visible_leads(actor), narrowing)
    )
    if after is not None:
        place = tuple_(Lead.last_activity_at, Lead.id)
        query = query.where(place < (after.last_activity_at, after.lead_id))
    return query.order_by(Lead.last_activity_at.desc(), Lead.id.desc()).limit(page_size + 1)


async def _pages(
    session: AsyncSession,
    actor: Staff,
    stages: list[Stage],
    narrowing: ColumnElement[bool],
    after: ListPosition | None,
    page_size: int,
) -> list[CardPage]:
    """A page of each column, all read in one statement (a UNION ALL of one walk down the
    activity index per stage), then their tags and tasks in one statement each."""
    walks = [
        _column_query(actor, stage, narrowing, after, page_size).subquery().select()
        for stage in stages
    ]
    rows = list(await session.execute(union_all(*walks) if len(walks) > 1 else walks[0]))
    by_stage: dict[int, list[Row[Any]]] = {stage.id: [] for stage in stages}
    for row in rows:
        by_stage[row.stage_id].append(row)
    for column in by_stage.values():
        column.sort(key=lambda row: (row.last_activity_at, row.id), reverse=True)
    shown_ids = [row.id for column in by_stage.values() for row in column[:page_size]]
    tags, next_tasks = await _tags_and_tasks(session, shown_ids)
    now = utcnow()
    return [
        _card_page(stage, by_stage[stage.id], page_size, tags, next_tasks, now) for stage in stages
    ]


def _card_page(
    stage: Stage,
    rows: list[Row[Any]],
    page_size: int,
    tags: dict[int, list[str]],
    next_tasks: dict[int, NextTask],
    now: datetime,
) -> CardPage:
    shown = rows[:page_size]
    idle_before = _idle_before(stage, now)
    cards = [
        KanbanCard(
            id=row.id,
            version=row.version,
            stage_id=stage.id,
            title=row.title,
            value=None if row.value_minor is None else from_minor_units(row.value_minor),
            currency=row.currency,
            responsible=row.display_name,
            last_activity_at=row.last_activity_at,
            tags=tags.get(row.id, []),
            next_task=next_tasks.get(row.id),
            idle=idle_before is not None and row.last_activity_at < idle_before,
        )
        for row in shown
    ]
    following = (
        ListPosition(shown[-1].last_activity_at, shown[-1].id) if len(rows) > page_size else None
    )
    return CardPage(stage_id=stage.id, cards=cards, next_position=following)


async def _tags_and_tasks(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, NextTask]]:
    """The cards' tags and next open task, in two statements for the whole page."""
    tags: dict[int, list[str]] = {}
    next_tasks: dict[int, NextTask] = {}
    if not ids:
        return tags, next_tasks
    tag_rows = await session.execute(
        select(lead_tags.c.lead_id, Tag.name)
        .join(Tag, Tag.id == lead_tags.c.tag_id)
        .where(lead_tags.c.lead_id.in_(ids))
        .order_by(Tag.name)
    )
    for lead_id, name in tag_rows:
        tags.setdefault(lead_id, []).append(name)
    task_rows = await session.execute(
        select(Task.lead_id, Task.title, Task.due_at)
        .where(Task.lead_id.in_(ids), Task.done_at.is_(None))
        .order_by(Task.due_at.desc())
    )
    # Latest due first, so the one due first is written last and kept.
    for lead_id, title, due_at in task_rows:
        if lead_id is not None:
            next_tasks[lead_id] = NextTask(title, due_at)
    return tags, next_tasks


def _idle_before(stage: Stage, now: datetime) -> datetime | None:
    if stage.kind != StageKind.OPEN or stage.idle_days is None:
        return None
    return idle_since(stage, now)


# The board's "open in the chat": the lead's card sent to the person's own chat with the bot.
LEAD_CARD = "lead_card"


async def send_card_to_chat(session: AsyncSession, *, actor: Staff, lead_id: int) -> None:
    """Put the lead's card in ``actor``'s chat (through the outbox, after the commit)."""
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    outbox.enqueue(session, recipient_id=actor.id, kind=LEAD_CARD, payload={"lead_id": lead.id})
    await session.flush()
