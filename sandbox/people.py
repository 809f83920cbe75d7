"""Who the sandbox lets you be, and the demo data they work on, made once per data file."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.idle_deals import nudge_idle_deals
from crm.models import IntakeChannel, IntakeKind, Language, OutboxMessage, Role, Staff, utcnow
from crm.reminders import escalate_overdue_tasks
from crm.seeding import DEMO_TELEGRAM_ID_BASE, seed_demo
from crm.services.intake import open_channel
from crm.services.staff import ensure_admin
from emulator import SimulatedUser

DEMO_LEADS = 300
# Below the seeded staff's range: seeding counts everyone from DEMO_TELEGRAM_ID_BASE up as its own.
ADMIN_TELEGRAM_ID = 8_000_000_001


@dataclass(frozen=True, slots=True)
class DemoPerson:
    telegram_id: int
    first_name: str
    last_name: str
    role: Role
    language: Language
    phone: str

    def simulated_user(self) -> SimulatedUser:
        return SimulatedUser(
            id=self.telegram_id,
            first_name=self.first_name,
            last_name=self.last_name,
            language_code=self.language.value,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.telegram_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "role": self.role.value,
            "language_code": self.language.value,
            "phone": self.phone,
        }


# The admin is made by the sandbox; the others are the ones ``seed_demo`` makes (its manager
# Peter Hall, the reps Олена Петренко and Emma Smith), by the Telegram ids it gives them.
PEOPLE = (
    DemoPerson(ADMIN_TELEGRAM_ID, "Alex", "Admin", Role.ADMIN, Language.EN, "+380671110001"),
    DemoPerson(
        DEMO_TELEGRAM_ID_BASE + 1, "Peter", "Hall", Role.MANAGER, Language.EN, "+447700900123"
    ),
    DemoPerson(DEMO_TELEGRAM_ID_BASE + 8, "Emma", "Smith", Role.REP, Language.EN, "+447700900456"),
    DemoPerson(
        DEMO_TELEGRAM_ID_BASE + 2, "Олена", "Петренко", Role.REP, Language.UK, "+380501234567"
    ),
)
ADMIN = PEOPLE[0]
CHANNELS = (
    (IntakeKind.WEB_FORM, "Website contact form"),
    (IntakeKind.WEBSITE_CHAT, "Website chat"),
    (IntakeKind.WOOCOMMERCE, "Shop"),
)


async def seed_once(session_factory: async_sessionmaker[AsyncSession]) -> bool:
    """Fill a new sandbox database; False (and nothing done) when it was filled before."""
    async with session_factory() as session:
        if await _sandbox_admin(session) is not None:
            return False
    await seed_demo(session_factory, leads=DEMO_LEADS)
    async with session_factory() as session:
        admin = await ensure_admin(
            session,
            telegram_id=ADMIN.telegram_id,
            display_name=f"{ADMIN.first_name} {ADMIN.last_name}",
            language=ADMIN.language,
        )
        for kind, name in CHANNELS:
            await open_channel(session, actor=admin, kind=kind, name=name, responsible_id=None)
        await _told_before_today(session)
        await session.commit()
    return True


async def _told_before_today(session: AsyncSession) -> None:
    """The demo's past as the scheduler would have left it: deals idle and tasks overdue
    before today were nudged and escalated then, so the first morning is not fifty messages
    of old news; what comes due from now on (moving the clock) is told as usual."""
    now = utcnow()
    await nudge_idle_deals(session, now=now)
    await escalate_overdue_tasks(session, now=now)
    await session.execute(delete(OutboxMessage))


async def team_as_telegram_users(
    session_factory: async_sessionmaker[AsyncSession],
) -> list[SimulatedUser]:
    """Everyone on the demo team as the Telegram user they are: the four on the page and the
    rest of the seeded staff, whose chats receive what the bot sends them too."""
    async with session_factory() as session:
        staff = await session.scalars(select(Staff).where(Staff.is_active.is_(True)))
        users = {
            member.telegram_id: SimulatedUser(
                id=member.telegram_id,
                first_name=member.display_name,
                language_code=member.language.value,
            )
            for member in staff
        }
    users.update({person.telegram_id: person.simulated_user() for person in PEOPLE})
    return list(users.values())


async def intake_channel(session: AsyncSession, kind: IntakeKind) -> IntakeChannel:
    """The sandbox's own channel of this kind (the first one it opened)."""
    channel = await session.scalar(
        select(IntakeChannel).where(IntakeChannel.kind == kind).order_by(IntakeChannel.id)
    )
    if channel is None:
        raise LookupError(f"the sandbox has no {kind.value} channel")
    return channel


async def _sandbox_admin(session: AsyncSession) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.telegram_id == ADMIN.telegram_id))
