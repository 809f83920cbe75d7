"""Demo seeding in bulk: the leads it adds are found by name and their phones and e-mails
counted, and a load that fails midway leaves the database as it was, indexes, foreign keys
and triggers included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import seeding
from crm.models import Lead
from crm.schemas import LeadDraft
from crm.services import leads, search
from tests.crm.conftest import Team
from tests.crm.test_duplicate_keys import counted_afresh, held

SMALL_BULK = 40


@pytest.fixture
def bulk_from_small_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load (indexes and search trigger dropped, built at the end) of a few chunks."""
    monkeypatch.setattr(seeding, "BULK_LOAD_FROM", SMALL_BULK)
    monkeypatch.setattr(seeding, "CHUNK", 10)


async def schema_objects(session: AsyncSession) -> set[str]:
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')"
    else:
        query = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "UNION SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'"
        )
    return set(await session.scalars(text(query)))


@pytest.mark.usefixtures("bulk_from_small_loads")
async def test_leads_seeded_in_bulk_are_found_by_name_and_new_leads_still_are(
    session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    async with session_factory() as session:
        before = await schema_objects(session)

    await seeding.seed_demo(session_factory, leads=SMALL_BULK, seed=7)

    async with session_factory() as session:
        assert await schema_objects(session) == before
        seeded = await session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))
        assert seeded is not None and seeded.contact_name is not None
        fragment = seeded.contact_name.split()[-1][1:6]
        assert seeded.id in {lead.id for lead in await _found(session, team, fragment)}
        assert await held(session) == await counted_afresh(session)
        # The triggers made again still index and count a lead added one at a time.
        draft = LeadDraft(contact_name="Зоряна Верхола", phone=seeded.phone)
        await leads.create_lead(session, actor=team.manager, draft=draft, allow_duplicate=True)
        await session.commit()
        assert [lead.contact_name for lead in await _found(session, team, "верхол")] == [
            "Зоряна Верхола"
        ]
        assert await held(session) == await counted_afresh(session)


async def _found(session: AsyncSession, team: Team, text: str) -> list[Lead]:
    return await search.search_leads(session, actor=team.manager, text=text)


@pytest.mark.usefixtures("bulk_from_small_loads")
async def test_a_bulk_load_that_fails_midway_leaves_no_lead_and_every_index(
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with session_factory() as session:
        before = await schema_objects(session)
    written = 0
    write_chunk = seeding._write_lead_chunk

    async def fail_on_third_chunk(
        session: AsyncSession, writer: seeding._BulkWriter, chunk: seeding.LeadChunk
    ) -> None:
        nonlocal written
        written += 1
        if written == 3:
            raise OSError("disk gone")
        await write_chunk(session, writer, chunk)

    monkeypatch.setattr(seeding, "_write_lead_chunk", fail_on_third_chunk)

    with pytest.raises(OSError, match="disk gone"):
        await seeding.seed_demo(session_factory, leads=SMALL_BULK, seed=7)

    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Lead)) == 0
        assert await schema_objects(session) == before
