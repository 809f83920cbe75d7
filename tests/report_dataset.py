"""A fixed set of leads with known stage histories, for checking every report figure against
values worked out by hand (tests/crm/test_reports.py spells them out).

Times are UTC; the reader is in Kyiv (UTC+2 until 29 March 2026, then UTC+3), and "now" is
Friday 20 March 2026, 12:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, ActivityKind, Lead, LeadSource, Staff, Stage, StageKind, Task
from crm.money import to_minor_units
from crm.services.pipelines import default_pipeline

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
KYIV = "Europe/Kyiv"


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class DefaultStages:
    new: Stage
    qualified: Stage
    proposal: Stage
    won: Stage
    lost: Stage


async def default_stages(session: AsyncSession) -> DefaultStages:
    return DefaultStages(*(await default_pipeline(session)).stages)


Move = tuple[datetime, Stage]


async def add_history_lead(
    session: AsyncSession,
    title: str,
    *,
    owner: Staff | None,
    created: datetime,
    first: Stage,
    moves: list[Move],
    value: str | None = None,
    currency: str = "UAH",
    source: LeadSource = LeadSource.MANUAL,
    lost_reason_code: str | None = None,
    lost_reason: str | None = None,
    expected_close_on: date | None = None,
    last_activity: datetime | None = None,
) -> Lead:
    """A lead as the services leave it after ``moves``: its timeline and its closing times."""
    stage, entered = first, created
    for moment, _ in moves:
        assert moment > entered
        entered = moment
    stage = moves[-1][1] if moves else first
    lead = Lead(
        title=title,
        stage_id=stage.id,
        source=source,
        responsible_id=owner.id if owner else None,
        value_minor=None if value is None else to_minor_units(Decimal(value)),
        currency=currency,
        expected_close_on=expected_close_on,
        lost_reason_code=lost_reason_code if stage.kind == StageKind.LOST else None,
        lost_reason=lost_reason if stage.kind == StageKind.LOST else None,
        won_at=entered if stage.kind == StageKind.WON else None,
        lost_at=entered if stage.kind == StageKind.LOST else None,
        stage_entered_at=entered,
        last_activity_at=last_activity or entered,
        created_at=created,
        search_text=title.casefold(),
    )
    session.add(lead)
    await session.flush()
    session.add(Activity(kind=ActivityKind.CREATED, lead_id=lead.id, created_at=created))
    previous = first
    for moment, target in moves:
        session.add(
            Activity(
                kind=ActivityKind.STAGE_CHANGE,
                lead_id=lead.id,
                from_stage_id=previous.id,
                to_stage_id=target.id,
                created_at=moment,
            )
        )
        previous = target
    await session.flush()
    return lead


@dataclass(frozen=True)
class Dataset:
    leads: dict[str, Lead]


async def add_report_dataset(session: AsyncSession, *, rep: Staff, other_rep: Staff) -> Dataset:
    s = await default_stages(session)
    made = [
        # Won in March after every open stage: 2, 5 and 4 days in them, 11 days to close.
        await add_history_lead(
            session,
            "Alpha",
            owner=rep,
            created=at(3, 2),
            first=s.new,
            value="10000",
            source=LeadSource.WEB_FORM,
            moves=[(at(3, 4), s.qualified), (at(3, 9), s.proposal), (at(3, 13), s.won)],
        ),
        # Went back from Proposal to Qualified; idle there since 10 March.
        await add_history_lead(
            session,
            "Beta",
            owner=other_rep,
            created=at(3, 3),
            first=s.new,
            value="20000",
            source=LeadSource.WHATSAPP,
            expected_close_on=date(2026, 4, 15),
            moves=[(at(3, 5), s.qualified), (at(3, 6), s.proposal), (at(3, 10), s.qualified)],
        ),
        # Created and lost in February, reopened on 1 March, won on 16 March: 24 days.
        await add_history_lead(
            session,
            "Gamma",
            owner=rep,
            created=at(2, 20),
            first=s.new,
            value="5000",
            source=LeadSource.FACEBOOK,
            moves=[(at(2, 25), s.lost), (at(3, 1), s.new), (at(3, 16), s.won)],
        ),
        # Another currency; skipped Qualified.
        await add_history_lead(
            session,
            "Delta",
            owner=rep,
            created=at(3, 5),
            first=s.new,
            value="1000",
            currency="USD",
            source=LeadSource.WEBSITE_CHAT,
            moves=[(at(3, 6), s.proposal), (at(3, 11), s.won)],
        ),
        await add_history_lead(
            session,
            "Epsilon",
            owner=other_rep,
            created=at(3, 10),
            first=s.new,
            value="8000",
            source=LeadSource.WHATSAPP,
            lost_reason_code="competitor",
            moves=[(at(3, 12), s.qualified), (at(3, 18), s.lost)],
        ),
        # Won at 23:30 UTC on 28 February: 1 March in Kyiv. Created in February there.
        await add_history_lead(
            session,
            "Zeta",
            owner=rep,
            created=at(2, 27, 23, 30),
            first=s.new,
            value="3000",
            source=LeadSource.WEB_FORM,
            moves=[(at(2, 28, 23, 30), s.won)],
        ),
        # The period before March (29 January to 28 February): one lost, one won.
        await add_history_lead(
            session,
            "Eta",
            owner=other_rep,
            created=at(2, 1),
            first=s.new,
            value="4000",
            lost_reason_code="timing",
            moves=[(at(2, 10), s.lost)],
        ),
        await add_history_lead(
            session,
            "Theta",
            owner=rep,
            created=at(2, 2),
            first=s.new,
            value="6000",
            source=LeadSource.WEB_FORM,
            moves=[(at(2, 12), s.won)],
        ),
        await add_history_lead(
            session,
            "Iota",
            owner=rep,
            created=at(3, 18),
            first=s.new,
            source=LeadSource.TELEGRAM,
            expected_close_on=date(2026, 9, 1),
            moves=[],
        ),
        await add_history_lead(
            session,
            "Kappa",
            owner=other_rep,
            created=at(12, 1, year=2025),
            first=s.new,
            value="30000",
            expected_close_on=date(2026, 3, 25),
            last_activity=at(3, 19),
            moves=[(at(12, 5, year=2025), s.proposal)],
        ),
        await add_history_lead(
            session,
            "Lambda",
            owner=rep,
            created=at(3, 2),
            first=s.new,
            value="500",
            currency="USD",
            lost_reason_code="other",
            lost_reason="Закрили проєкт",
            moves=[(at(3, 3), s.lost)],
        ),
        # Lost with a reason typed before reasons had codes: 69 days in New.
        await add_history_lead(
            session,
            "Mu",
            owner=other_rep,
            created=at(1, 10, 9),
            first=s.new,
            value="2000",
            source=LeadSource.IMPORT,
            lost_reason="Дорого",
            moves=[(at(3, 20, 9), s.lost)],
        ),
        # From the web form, nobody's yet; expected to close in a month that is over.
        await add_history_lead(
            session,
            "Nu",
            owner=None,
            created=at(3, 19),
            first=s.new,
            value="7000",
            source=LeadSource.WEB_FORM,
            expected_close_on=date(2026, 2, 10),
            moves=[],
        ),
        await add_history_lead(
            session,
            "Xi",
            owner=other_rep,
            created=at(11, 1, year=2025),
            first=s.new,
            value="2000",
            currency="USD",
            last_activity=at(3, 15),
            moves=[(at(11, 5, year=2025), s.proposal)],
        ),
    ]
    session.add_all(
        [
            Task(title="Call back", due_at=at(3, 19), assignee_id=rep.id),
            Task(title="Send the offer", due_at=at(3, 18), assignee_id=rep.id, done_at=at(3, 18)),
            Task(title="Visit", due_at=at(3, 21), assignee_id=rep.id),
        ]
    )
    await session.commit()
    return Dataset({lead.title: lead for lead in made})
