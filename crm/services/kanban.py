"""The pipeline as a Kanban board (the Mini App): per stage its figures and a page of cards,
narrowed by filters, each page found through the stage's latest-activity index (keyset).

The figures are :func:`crm.services.board.pipeline_board`'s, the search is ``/find``'s and
every row is limited by :func:`crm.services.access.visible_leads`: the board shows what the
chat shows, only laid out in columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.idle_deals import idle_since
from crm.models import Lead, LeadSource, Staff, Stage, StageKind, Tag, Task, lead_tags, utcnow
from crm.services.access import require_active, visible_leads
from crm.services.board import Board, ListPosition, pipeline_board
from crm.services.pipelines import get_stage
from crm.services.search import search_leads

CARDS_PER_PAGE = 30
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
class KanbanCard:
    lead: Lead
    tags: list[str]
    next_task: Task | None
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
    pages = {
        column.stage.id: await _page(session, actor, column.stage, narrowing, None, page_size)
        for column in board.columns
    }
    return KanbanBoard(board=board, pages=pages)


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
    return await _page(session, actor, stage, narrowing, after, page_size)


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


async def _page(
    session: AsyncSession,
    actor: Staff,
    stage: Stage,
    narrowing: ColumnElement[bool],
    after: ListPosition | None,
    page_size: int,
) -> CardPage:
    query = select(Lead).where(Lead.stage_id == stage.id, visible_leads(actor), narrowing)
    if after is not None:
        place = tuple_(Lead.last_activity_at, Lead.id)
        query = query.where(place < (after.last_activity_at, after.lead_id))
    rows = list(
        await session.scalars(
            query.order_by(Lead.last_activity_at.desc(), Lead.id.desc()).limit(page_size + 1)
        )
    )
    leads = rows[:page_size]
    cards = await _cards(session, stage, leads)
    following = ListPosition.of(leads[-1]) if len(rows) > page_size else None
    return CardPage(stage_id=stage.id, cards=cards, next_position=following)


async def _cards(session: AsyncSession, stage: Stage, leads: list[Lead]) -> list[KanbanCard]:
    """Cards with their tags and next open task, in two statements for the whole page."""
    ids = [lead.id for lead in leads]
    tags: dict[int, list[str]] = {lead_id: [] for lead_id in ids}
    next_tasks: dict[int, Task] = {}
    if ids:
        tag_rows = await session.execute(
            select(lead_tags.c.lead_id, Tag.name)
            .join(Tag, Tag.id == lead_tags.c.tag_id)
            .where(lead_tags.c.lead_id.in_(ids))
            .order_by(Tag.name)
        )
        for lead_id, name in tag_rows:
            tags[lead_id].append(name)
        open_tasks = await session.scalars(
            select(Task)
            .where(Task.lead_id.in_(ids), Task.done_at.is_(None))
            .order_by(Task.due_at.desc())
        )
        # Latest due first, so the one due first is written last and kept.
        next_tasks = {task.lead_id: task for task in open_tasks if task.lead_id is not None}
    idle_before = _idle_before(stage, utcnow())
    return [
        KanbanCard(
            lead=lead,
            tags=tags[lead.id],
            next_task=next_tasks.get(lead.id),
            idle=idle_before is not None and lead.last_activity_at < idle_before,
        )
        for lead in leads
    ]


def _idle_before(stage: Stage, now: datetime) -> datetime | None:
    if stage.kind != StageKind.OPEN or stage.idle_days is None:
        return None
    return idle_since(stage, now)
