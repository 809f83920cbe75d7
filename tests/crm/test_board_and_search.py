from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Staff
from crm.schemas import LeadDraft
from crm.services import board, leads, search, tags
from tests.crm.conftest import Stages, Team


async def add(session: AsyncSession, actor: Staff, name: str, **fields: object) -> Lead:
    draft = LeadDraft.model_validate({"contact_name": name, **fields})
    lead = await leads.create_lead(session, actor=actor, draft=draft, allow_duplicate=True)
    await session.flush()
    return lead


async def test_the_board_counts_sums_and_weighs_each_stage(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    await add(session, team.rep, "A", value="1000.10")
    await add(session, team.rep, "B", value="2000")
    await add(session, team.rep, "C")
    await add(session, team.other_rep, "D", value="300", currency="USD")
    proposal = await add(session, team.rep, "E", value="500")
    await leads.move_to_stage(
        session,
        actor=team.rep,
        lead_id=proposal.id,
        stage_id=stages.proposal.id,
        seen_version=proposal.version,
    )

    figures = await board.pipeline_board(session, actor=team.manager)
    by_name = {column.stage.name: column for column in figures.columns}

    assert [c.stage.name for c in figures.columns] == [
        "New",
        "Qualified",
        "Proposal",
        "Won",
        "Lost",
    ]
    assert by_name["New"].count == 4
    assert by_name["New"].totals == {"UAH": Decimal("3000.10"), "USD": Decimal("300.00")}
    assert by_name["New"].weighted == {"UAH": Decimal("300.01"), "USD": Decimal("30.00")}
    assert (by_name["Proposal"].count, by_name["Proposal"].weighted) == (
        1,
        {"UAH": Decimal("300.00")},
    )
    assert by_name["Won"].count == 0 and by_name["Won"].totals == {}

    own = await board.pipeline_board(session, actor=team.rep)
    assert own.lead_count == 4


async def test_search_finds_by_name_phone_ending_email_and_tag(
    session: AsyncSession, team: Team
) -> None:
    olena = await add(
        session, team.rep, "Олена Петренко", phone="+380671234567", email="olena@example.com"
    )
    emma = await add(session, team.rep, "Emma Smith", phone="+380509994567", title="Kyiv Coffee")
    await add(session, team.rep, "Taras", phone="+380931112299")
    await tags.tag_lead(session, actor=team.rep, lead_id=emma.id, names=["#VIP"])

    async def found(text: str) -> list[str | None]:
        return sorted(
            lead.contact_name
            for lead in await search.search_leads(session, actor=team.rep, text=text)
        )

    assert await found("олена") == ["Олена Петренко"]
    assert await found("ОЛЕНА") == ["Олена Петренко"]
    assert await found("coffee") == ["Emma Smith"]
    assert await found("4567") == ["Emma Smith", "Олена Петренко"]
    assert await found("067 123 45 67") == ["Олена Петренко"]
    assert await found("+380671234567") == ["Олена Петренко"]
    assert await found("2299") == ["Taras"]
    assert await found("olena@") == ["Олена Петренко"]
    assert await found("#vip") == ["Emma Smith"]
    assert await found("vip") == ["Emma Smith"]
    assert await found("100%_") == []
    assert olena.id != emma.id


async def test_a_phone_ending_in_nines_is_found(session: AsyncSession, team: Team) -> None:
    await add(session, team.rep, "Nines", phone="+380671239999")
    await add(session, team.rep, "Other", phone="+380671230000")

    found = await search.search_leads(session, actor=team.rep, text="9999")

    assert [lead.contact_name for lead in found] == ["Nines"]
