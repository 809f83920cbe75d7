"""Interactive reads at scale: /find by each kind of text, the inline query with and without
text, stage pages at any depth, and an ``EXPLAIN`` of each (and of the /duplicates page) that
says which ones scan all leads."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.crm_core import manager, round_trip_ms
from bench.report import Measurement, time_calls
from crm.db import create_session_factory
from crm.models import Lead, Role, Staff, StageKind, Tag, Team, TeamMember, lead_tags
from crm.services import lead_duplicates, search
from crm.services.access import visible_leads
from crm.services.board import ListPosition, stage_leads
from crm.services.duplicates import MERGING_ROLES, PAGE_SIZE
from crm.services.pipelines import default_pipeline

SEARCH_TARGET_MS = 20.0
PAGE_TARGET_MS = 10.0
INLINE_RESULTS = 50
TAGGED_LEADS = 1000
SAMPLES = 40
TEAM_HEAD_TELEGRAM_ID = 990_000_001
# Name and company fragments people type, and parts of e-mails: common and rare ones.
FRAGMENTS = ["олена", "петрен", "коваль", "будсерв", "coffee", "smith", "гнатюк", "lviv pr"]
EMAIL_PARTS = ["gmail", "ukr.net", "emma.smith", "@i.ua", "olivia.b"]
# A plain table scan or a whole-index scan of leads; a walk down an index that a LIMIT ends
# is named differently (SQLite: "USING INDEX", PostgreSQL: "Index Scan").
FULL_SCAN = {
    # Also under an alias: leads_1, leads_2_1...
    "sqlite": re.compile(r"SCAN leads(_\d+)*\b(?! USING INDEX)"),
    "postgresql": re.compile(r"Seq Scan on leads\b"),
}


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    texts: list[str]


async def measure(engine: AsyncEngine, backend: str, size: int) -> list[Measurement]:
    factory = create_session_factory(engine)
    baseline = await round_trip_ms(factory)
    async with factory() as session:
        await _tag_some_leads(session)
        cases = await _cases(session)
        rows: list[Measurement] = []
        for who, actor in (await _readers(session)).items():
            for case in cases:
                timing = await _timed_search(session, actor, case.texts)
                rows.append(_row(f"/find {case.name} as {who}", backend, size, timing, baseline))

            async def latest(actor: Staff = actor) -> None:
                await search.latest_leads(session, actor=actor, limit=INLINE_RESULTS)

            timing = (await time_calls(latest, repeat=SAMPLES)).median_ms
            rows.append(_row(f"inline, no text, as {who}", backend, size, timing, baseline))
        rows += await _stage_pages(session, backend, size, baseline)
        rows.append(await explain_check(session, backend, size, cases))
    return rows


def _row(name: str, backend: str, size: int, ms: float, baseline: float) -> Measurement:
    target = PAGE_TARGET_MS if name.startswith("stage page") else SEARCH_TARGET_MS
    return Measurement(
        f"{name}, {size:,} leads (median)",
        backend,
        ms,
        "ms",
        baseline,
        "SELECT 1",
        f"<= {target:.0f} ms",
        ms <= target,
    )


async def _timed_search(session: AsyncSession, actor: Staff, texts: list[str]) -> float:
    cycle = iter(texts * (SAMPLES // len(texts) + 4))

    async def find() -> None:
        await search.search_leads(session, actor=actor, text=next(cycle))

    return (await time_calls(find, repeat=SAMPLES)).median_ms


async def _readers(session: AsyncSession) -> dict[str, Staff]:
    """A company-wide manager, a manager whose team is two of the reps, and a rep."""
    return {
        "manager": await manager(session),
        "team manager": await _team_manager(session),
        "rep": await _rep(session),
    }


async def _team_manager(session: AsyncSession) -> Staff:
    """The head of a team of two reps: a branch manager's scope (crm.services.access)."""
    head = await session.scalar(select(Staff).where(Staff.telegram_id == TEAM_HEAD_TELEGRAM_ID))
    if head is not None:
        return head
    head = Staff(telegram_id=TEAM_HEAD_TELEGRAM_ID, display_name="Bench head", role=Role.MANAGER)
    session.add(head)
    await session.flush()
    office = Team(name="Bench office", head_id=head.id)
    session.add(office)
    await session.flush()
    reps = await session.scalars(
        select(Staff.id).where(Staff.role == Role.REP).order_by(Staff.id).limit(2)
    )
    session.add_all(TeamMember(team_id=office.id, staff_id=i) for i in (head.id, *reps))
    await session.commit()
    return head


async def _rep(session: AsyncSession) -> Staff:
    rep = await session.scalar(select(Staff).where(Staff.role == Role.REP).limit(1))
    assert rep is not None, "seed the demo data first"
    return rep


async def _tag_some_leads(session: AsyncSession) -> None:
    """Tags are not in the demo data: tag a thousand leads "vip" and as many "опт"."""
    if await session.scalar(select(Tag.id).where(Tag.name == "vip")):
        return
    top = await session.scalar(select(func.max(Lead.id))) or 1
    for name in ("vip", "опт"):
        tag = Tag(name=name)
        session.add(tag)
        await session.flush()
        ids = random.sample(range(1, top + 1), min(TAGGED_LEADS, top))
        await session.execute(insert(lead_tags), [{"lead_id": i, "tag_id": tag.id} for i in ids])
    await session.commit()


async def _cases(session: AsyncSession) -> list[Case]:
    phones = list(
        await session.scalars(
            select(Lead.phone).where(Lead.phone.is_not(None)).order_by(Lead.id.desc()).limit(20)
        )
    )
    return [
        Case("name fragment", FRAGMENTS),
        Case("phone ending", [phone[-4:] for phone in phones if phone]),
        Case("whole phone", [phone for phone in phones if phone]),
        Case("e-mail part", EMAIL_PARTS),
        Case("#tag", ["#vip", "#опт"]),
    ]


async def _stage_pages(
    session: AsyncSession, backend: str, size: int, baseline: float
) -> list[Measurement]:
    """The first page of the first open stage, and the pages on either side of a place deep
    in it."""
    actor = await manager(session)
    stages = (await default_pipeline(session)).stages
    stage = next(s for s in stages if s.kind == StageKind.OPEN)
    in_order = (
        select(Lead.last_activity_at, Lead.id)
        .where(Lead.stage_id == stage.id)
        .order_by(Lead.last_activity_at.desc(), Lead.id.desc())
    )
    # A place far down the stage, found once with OFFSET (set-up, not timed).
    row = (await session.execute(in_order.offset(size // 6).limit(1))).one()
    deep = ListPosition(row.last_activity_at, row.id)
    rows = []
    for name, after, before in (
        ("first", None, None),
        ("deep, forward", deep, None),
        ("deep, back", None, deep),
    ):

        async def page(
            after: ListPosition | None = after, before: ListPosition | None = before
        ) -> None:
            await stage_leads(session, actor=actor, stage_id=stage.id, after=after, before=before)

        timing = (await time_calls(page, repeat=SAMPLES)).median_ms
        rows.append(_row(f"stage page, {name}", backend, size, timing, baseline))
    return rows


async def explain_check(
    session: AsyncSession, backend: str, size: int, cases: list[Case]
) -> Measurement:
    """``EXPLAIN`` every interactive read of leads; count the ones that scan all of them."""
    queries = await _interactive_queries(session, cases)
    scanning = []
    for name, query in queries.items():
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
        plan = " | ".join(
            str(row[-1]) for row in await session.execute(text(prefix + str(compiled)))
        )
        if FULL_SCAN[backend].search(plan):
            scanning.append(name)
            print(f"[{backend}] scans all leads: {name}\n    {plan}")
    return Measurement(
        f"interactive queries scanning all leads (EXPLAIN of {len(queries)}), {size:,} leads",
        backend,
        len(scanning),
        "queries",
        len(queries),
        "queries checked",
        "0",
        not scanning,
    )


async def _interactive_queries(
    session: AsyncSession, cases: list[Case]
) -> dict[str, Select[*tuple[Any, ...]]]:
    """The statements the bot runs to list or find leads, as ``search`` and ``board`` build
    them (both ways a search may go: sorting few matches, or walking many)."""
    dialect = session.get_bind().dialect.name
    people = await _readers(session)
    stage_id = (await default_pipeline(session)).stages[0].id
    queries: dict[str, Select[*tuple[Any, ...]]] = {}
    for who, actor in people.items():
        visible = visible_leads(actor)
        latest = select(Lead).where(visible).order_by(*search.LATEST_FIRST).limit(20)
        queries[f"inline without text ({who})"] = latest
        queries[f"stage page ({who})"] = latest.where(Lead.stage_id == stage_id)
        for case in cases:
            for match in search._matches_for(case.texts[0], dialect):
                walk = latest.where(match.condition)
                queries[f"{case.name} {case.texts[0]!r}, walking ({who})"] = walk
                if match.candidates is not None:
                    few = walk.where(Lead.id.in_(match.candidates))
                    queries[f"{case.name} {case.texts[0]!r}, few ({who})"] = few
        if actor.role in MERGING_ROLES:
            # The /duplicates page: its first page, as a person opens it.
            first_page = {"walked": PAGE_SIZE + 1, "skipped": 0}
            pairs_page = lead_duplicates._pairs_seen_by(actor.id, actor.role)
            queries[f"lead duplicate pairs page ({who})"] = pairs_page.params(first_page)
    return queries
