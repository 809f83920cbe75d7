from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Forbidden, ValidationFailed
from crm.models import Activity, ActivityKind, Lead, StageKind
from crm.schemas import LeadDraft
from crm.services import leads, pipelines
from tests.crm.conftest import Stages, Team


async def names(session: AsyncSession, stages: Stages) -> list[str]:
    return [
        s.name for s in await pipelines.pipeline_stages(session, pipeline_id=stages.new.pipeline_id)
    ]


async def test_the_default_pipeline_is_there_from_the_first_migration(
    session: AsyncSession, stages: Stages
) -> None:
    assert await names(session, stages) == ["New", "Qualified", "Proposal", "Won", "Lost"]
    assert [s.kind for s in (stages.won, stages.lost)] == [StageKind.WON, StageKind.LOST]
    assert (stages.new.probability, stages.new.idle_days) == (10, 3)


async def test_admins_add_rename_reorder_and_tune_stages(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    demo = await pipelines.add_stage(
        session,
        actor=team.admin,
        pipeline_id=stages.new.pipeline_id,
        name=" Demo ",
        probability=45,
        idle_days=5,
    )
    await pipelines.update_stage(session, actor=team.admin, stage_id=demo.id, name="Демо")
    await pipelines.move_stage(session, actor=team.admin, stage_id=demo.id, offset=-3)
    await pipelines.update_stage(session, actor=team.admin, stage_id=stages.new.id, probability=5)

    assert await names(session, stages) == ["New", "Qualified", "Демо", "Proposal", "Won", "Lost"]
    assert (demo.probability, demo.idle_days, stages.new.probability) == (45, 5, 5)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"probability": 101}, "probability-out-of-range"),
        ({"idle_days": 0}, "idle-days-out-of-range"),
        ({"name": "   "}, "stage-name-empty"),
        ({"name": "x" * 65}, "stage-name-too-long"),
    ],
)
async def test_bad_stage_settings_are_refused(
    session: AsyncSession, team: Team, stages: Stages, change: dict[str, object], code: str
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        await pipelines.update_stage(session, actor=team.admin, stage_id=stages.new.id, **change)  # type: ignore[arg-type]
    assert failure.value.code == code


async def test_only_admins_configure_stages(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    with pytest.raises(Forbidden):
        await pipelines.update_stage(session, actor=team.manager, stage_id=stages.new.id, name="X")
    assert stages.new.name == "New"


async def test_a_stage_with_leads_is_deleted_only_by_naming_where_they_go(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    lead = await leads.create_lead(
        session, actor=team.rep, draft=LeadDraft(contact_name="A", stage_id=stages.qualified.id)
    )
    await session.commit()

    with pytest.raises(ValidationFailed) as refused:
        await pipelines.delete_stage(session, actor=team.admin, stage_id=stages.qualified.id)
    await pipelines.delete_stage(
        session, actor=team.admin, stage_id=stages.qualified.id, move_leads_to=stages.proposal.id
    )
    await session.commit()

    assert refused.value.code == "stage-has-leads"
    assert await names(session, stages) == ["New", "Proposal", "Won", "Lost"]
    moved = await session.get(Lead, lead.id)
    assert moved is not None and moved.stage_id == stages.proposal.id
    entry = await session.scalar(select(Activity).where(Activity.kind == ActivityKind.STAGE_CHANGE))
    assert entry is not None
    assert (entry.lead_id, entry.from_stage_id, entry.to_stage_id, entry.text) == (
        lead.id,
        None,
        stages.proposal.id,
        "Qualified",
    )


async def test_the_last_open_stage_cannot_go(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    await pipelines.delete_stage(session, actor=team.admin, stage_id=stages.qualified.id)
    await pipelines.delete_stage(session, actor=team.admin, stage_id=stages.proposal.id)

    with pytest.raises(ValidationFailed) as refused:
        await pipelines.delete_stage(session, actor=team.admin, stage_id=stages.new.id)
    assert refused.value.code == "last-open-stage"
