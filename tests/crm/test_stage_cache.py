"""Stages come from a per-process cache while the database's version says it holds: a stage
changed anywhere (another engine standing for another process, plain SQL, this very unit of
work) shows its new state at once, and so does a custom field a stage requires; and a staff
member is read fresh on every update, so a removed rep loses access at once. Two engines on
one database, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.database import create_engine
from crm.db import create_session_factory
from crm.models import FieldKind, Lead, Staff
from crm.schemas import LeadDraft
from crm.services import fields, leads, pipelines
from crm.services.staff import deactivate_staff, staff_by_telegram_id
from tests.crm.conftest import Stages, Team


@pytest.fixture
async def other_process(database_url: str, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database, with a cache of its own, as another process
    has; made after ``engine`` has emptied PostgreSQL."""
    other = create_engine(database_url)
    yield other
    await other.dispose()


class StageReads:
    """Counts the statements an engine runs against ``stages``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM stages" in statement:
            self.count += 1


async def stage_name_in_an_update(
    factory: async_sessionmaker[AsyncSession], telegram_id: int, stage_id: int
) -> str:
    """As an update does: the staff lookup first, then the stage."""
    async with factory() as session:
        assert await staff_by_telegram_id(session, telegram_id) is not None
        return (await pipelines.get_stage(session, stage_id)).name


async def test_stages_are_read_once_per_version_and_a_rename_elsewhere_shows_at_once(
    engine: AsyncEngine, other_process: AsyncEngine, team: Team, stages: Stages
) -> None:
    here = create_session_factory(engine)
    reads = StageReads(engine)
    assert await stage_name_in_an_update(here, team.rep.telegram_id, stages.new.id) == "New"
    assert await stage_name_in_an_update(here, team.rep.telegram_id, stages.new.id) == "New"
    assert reads.count == 1

    async with create_session_factory(other_process)() as session:
        await pipelines.update_stage(
            session, actor=team.admin, stage_id=stages.new.id, name="Нові заявки"
        )
        await session.commit()

    assert await stage_name_in_an_update(here, team.rep.telegram_id, stages.new.id) == (
        "Нові заявки"
    )


async def test_a_change_in_plain_sql_and_a_reorder_show_in_the_next_update(
    engine: AsyncEngine, other_process: AsyncEngine, team: Team, stages: Stages
) -> None:
    here = create_session_factory(engine)

    async def stage_order() -> list[str]:
        async with here() as session:
            await staff_by_telegram_id(session, team.rep.telegram_id)
            found = await pipelines.pipeline_stages(session, pipeline_id=stages.new.pipeline_id)
            return [stage.name for stage in found]

    assert await stage_order() == ["New", "Qualified", "Proposal", "Won", "Lost"]
    async with other_process.begin() as connection:
        await connection.execute(
            text("UPDATE stages SET name = 'Перемога' WHERE id = :id"), {"id": stages.won.id}
        )
    assert await stage_order() == ["New", "Qualified", "Proposal", "Перемога", "Lost"]

    async with create_session_factory(other_process)() as session:
        order = [stages.qualified, stages.new, stages.proposal, stages.won, stages.lost]
        await pipelines.reorder_stages(
            session,
            actor=team.admin,
            pipeline_id=stages.new.pipeline_id,
            stage_ids=[stage.id for stage in order],
        )
        await session.commit()
    assert await stage_order() == ["Qualified", "New", "Proposal", "Перемога", "Lost"]


async def test_a_unit_of_work_that_renames_a_stage_reads_its_new_name_and_a_rollback_keeps_the_old(
    engine: AsyncEngine, team: Team, stages: Stages
) -> None:
    here = create_session_factory(engine)
    assert await stage_name_in_an_update(here, team.admin.telegram_id, stages.new.id) == "New"

    async with here() as session:
        admin = await staff_by_telegram_id(session, team.admin.telegram_id)
        assert admin is not None
        await pipelines.update_stage(session, actor=admin, stage_id=stages.new.id, name="Fresh")
        assert (await pipelines.get_stage(session, stages.new.id)).name == "Fresh"
        listed = await pipelines.pipeline_stages(session, pipeline_id=stages.new.pipeline_id)
        assert listed[0].name == "Fresh"
        await session.rollback()

    assert await stage_name_in_an_update(here, team.rep.telegram_id, stages.new.id) == "New"


async def test_a_removed_rep_loses_access_at_once_in_another_process(
    engine: AsyncEngine, other_process: AsyncEngine, team: Team
) -> None:
    here = create_session_factory(engine)
    async with here() as session:
        before = await staff_by_telegram_id(session, team.rep.telegram_id)
        assert before is not None and before.is_active

    async with create_session_factory(other_process)() as session:
        admin = await session.get(Staff, team.admin.id)
        assert admin is not None
        await deactivate_staff(
            session, actor=admin, staff_id=team.rep.id, reassign_to_id=team.manager.id
        )
        await session.commit()

    async with here() as session:
        after = await staff_by_telegram_id(session, team.rep.telegram_id)
        assert after is not None and not after.is_active


async def test_a_field_required_in_another_process_is_asked_for_on_the_next_move_here(
    engine: AsyncEngine, other_process: AsyncEngine, team: Team, stages: Stages
) -> None:
    here = create_session_factory(engine)

    async def move(lead_id: int, version: int) -> leads.LeadCard | leads.StillNeeded:
        """As an update does: the staff lookup, then the move, committed."""
        async with here() as session:
            rep = await staff_by_telegram_id(session, team.rep.telegram_id)
            assert rep is not None
            outcome = await leads.move_to_stage(
                session,
                actor=rep,
                lead_id=lead_id,
                stage_id=stages.qualified.id,
                seen_version=version,
            )
            await session.commit()
            return outcome

    async with here() as session:
        first, second = [
            await leads.create_lead(session, actor=team.rep, draft=LeadDraft(contact_name=name))
            for name in ("Олена", "Петро")
        ]
        await session.commit()
    moved = await move(first.id, first.version)
    assert isinstance(moved, leads.LeadCard) and moved.fields == []

    async with create_session_factory(other_process)() as session:
        draft = fields.FieldDraft("Budget", "Бюджет", FieldKind.NUMBER, (), stages.qualified.id)
        budget = await fields.define_field(session, actor=team.admin, draft=draft)
        await session.commit()

    asked = await move(second.id, second.version)
    assert isinstance(asked, leads.NeedsFieldValue) and asked.definition.key == budget.key
    async with here() as session:
        unmoved = await session.get(Lead, second.id)
        assert unmoved is not None and unmoved.stage_id == stages.new.id
