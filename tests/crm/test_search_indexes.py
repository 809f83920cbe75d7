"""Search through the trigram indexes and stage pages by position, the same on both databases.

Every test here runs on SQLite (FTS5) and on PostgreSQL (pg_trgm) and asserts one expected
answer, so the two databases agree.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import Lead, Staff, utcnow
from crm.schemas import LeadChanges, LeadDraft
from crm.services import board, leads, search, tags
from tests.crm.conftest import Stages, Team

NAMES = [
    "Мар'яна Дем'янчук",
    "Марʼяна Коваль",  # the Ukrainian apostrophe U+02BC, as phones type it
    "Ольга Ёлкіна",
    "100% Agro",
    "1000 Agro",
    "snake_case Ltd",
    "snakeXcase Ltd",
    'ТОВ "Ромашка"',
    "Olena OR Taras",
    "Straße Müller",
]


async def add(session: AsyncSession, actor: Staff, name: str, **fields: object) -> Lead:
    draft = LeadDraft.model_validate({"contact_name": name, **fields})
    lead = await leads.create_lead(session, actor=actor, draft=draft, allow_duplicate=True)
    await session.flush()
    return lead


async def found(session: AsyncSession, actor: Staff, text: str) -> list[str | None]:
    return [
        lead.contact_name for lead in await search.search_leads(session, actor=actor, text=text)
    ]


@pytest.fixture
async def named(session: AsyncSession, team: Team) -> list[Lead]:
    """The names, the first one touched last (latest activity first means this order)."""
    made = [await add(session, team.rep, name) for name in NAMES]
    now = utcnow()
    for minutes, lead in enumerate(made):
        lead.last_activity_at = now - timedelta(minutes=minutes)
    await session.flush()
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("м'ян", ["Мар'яна Дем'янчук"]),
        ("ДЕМ'ЯН", ["Мар'яна Дем'янчук"]),
        ("марʼяна", ["Марʼяна Коваль"]),
        ("мар", ["Мар'яна Дем'янчук", "Марʼяна Коваль"]),
        ("ёлкі", ["Ольга Ёлкіна"]),
        ("100%", ["100% Agro"]),
        ("00%", ["100% Agro"]),
        ("e_c", ["snake_case Ltd"]),
        ("agro", ["100% Agro", "1000 Agro"]),
        ('"ромашка"', ['ТОВ "Ромашка"']),
        ('ов "', ['ТОВ "Ромашка"']),
        ("olena or taras", ["Olena OR Taras"]),
        ("olena AND", []),
        ("NEAR(olena", []),
        ("strasse", ["Straße Müller"]),
        ("müll", ["Straße Müller"]),
        ("%%%", []),
        ("___", []),
        ("zzz", []),
    ],
)
async def test_a_fragment_finds_the_same_leads_latest_first_on_both_databases(
    session: AsyncSession, team: Team, named: list[Lead], text: str, expected: list[str]
) -> None:
    assert await found(session, team.rep, text) == expected


async def test_many_matches_walk_the_latest_activity_order_with_the_same_answer(
    session: AsyncSession, team: Team, named: list[Lead], monkeypatch: pytest.MonkeyPatch
) -> None:
    few = await found(session, team.rep, "agro")
    monkeypatch.setattr(search, "FEW_MATCHES", 1)

    assert await found(session, team.rep, "agro") == few == ["100% Agro", "1000 Agro"]
    assert await found(session, team.rep, "мар") == ["Мар'яна Дем'янчук", "Марʼяна Коваль"]


@pytest.mark.parametrize("text", ["ол", "o", "%", "м'"])
async def test_a_fragment_shorter_than_a_trigram_is_refused_with_the_least_length(
    session: AsyncSession, team: Team, text: str
) -> None:
    with pytest.raises(ValidationFailed, match=r"^search-too-short$") as refused:
        await search.search_leads(session, actor=team.rep, text=text)

    assert refused.value.details == {"least": 3}


async def test_a_short_tag_and_a_short_phone_ending_are_still_found(
    session: AsyncSession, team: Team
) -> None:
    lead = await add(session, team.rep, "Tagged", phone="+380671234567")
    await tags.tag_lead(session, actor=team.rep, lead_id=lead.id, names=["#ab"])

    assert await found(session, team.rep, "#ab") == ["Tagged"]
    assert await found(session, team.rep, "567") == ["Tagged"]


async def test_renamed_and_deleted_leads_are_found_by_what_they_hold_now(
    session: AsyncSession, team: Team
) -> None:
    renamed = await add(session, team.rep, "Оксана Лисенко")
    gone = await add(session, team.rep, "Оксана Гнатюк")
    await leads.update_lead(
        session,
        actor=team.rep,
        lead_id=renamed.id,
        seen_version=renamed.version,
        changes=LeadChanges(title="Оксана Руденко", contact_name="Оксана Руденко"),
    )
    await session.execute(delete(Lead).where(Lead.id == gone.id))

    assert await found(session, team.rep, "оксана") == ["Оксана Руденко"]
    assert await found(session, team.rep, "лисенко") == []
    assert await found(session, team.rep, "руденко") == ["Оксана Руденко"]


async def test_a_rep_finds_only_their_own_leads_a_manager_all(
    session: AsyncSession, team: Team
) -> None:
    await add(session, team.rep, "Богдан Савчук")
    await add(session, team.other_rep, "Богдан Мороз")

    assert await found(session, team.rep, "богдан") == ["Богдан Савчук"]
    assert await found(session, team.manager, "богдан") == ["Богдан Мороз", "Богдан Савчук"]


async def test_latest_leads_are_a_reps_own_latest_first(
    session: AsyncSession, team: Team, named: list[Lead]
) -> None:
    await add(session, team.other_rep, "Someone else's")
    await session.execute(
        update(Lead).where(Lead.contact_name == "Someone else's").values(last_activity_at=utcnow())
    )

    latest = await search.latest_leads(session, actor=team.rep, limit=3)

    assert [lead.contact_name for lead in latest] == NAMES[:3]


async def test_stage_pages_go_forward_and_back_by_position(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    made = [await add(session, team.rep, f"Lead {i}") for i in range(5)]
    base = utcnow() - timedelta(days=1)
    for minutes, lead in enumerate(made):
        # Two leads share a moment: the id breaks the tie, so none is skipped or repeated.
        lead.last_activity_at = base + timedelta(minutes=min(minutes, 3))
    await session.flush()

    async def page(**where: board.ListPosition) -> tuple[list[str | None], bool, bool]:
        shown = await board.stage_leads(
            session, actor=team.rep, stage_id=stages.new.id, page_size=2, **where
        )
        names = [lead.contact_name for lead in shown.items]
        return names, shown.has_previous, shown.has_next

    first = await page()
    second = await page(after=board.ListPosition.of(made[3]))
    third = await page(after=board.ListPosition.of(made[1]))
    back = await page(before=board.ListPosition.of(made[2]))

    assert first == (["Lead 4", "Lead 3"], False, True)
    assert second == (["Lead 2", "Lead 1"], True, True)
    assert third == (["Lead 0"], True, False)
    assert back == (["Lead 4", "Lead 3"], False, True)
