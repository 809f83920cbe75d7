from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Conflict, Forbidden, ValidationFailed
from crm.models import AccessRequest, Language, Notification, Role, Staff, utcnow
from crm.services import staff
from tests.crm.conftest import Team


async def join(session: AsyncSession, token: str, telegram_id: int = 555) -> Staff:
    return await staff.redeem_invite(
        session,
        token=token,
        telegram_id=telegram_id,
        display_name="  New   Person ",
        language=Language.UK,
    )


async def test_an_invite_lets_one_person_in_once_with_its_role(
    session: AsyncSession, team: Team
) -> None:
    invite = await staff.create_invite(session, actor=team.manager, role=Role.REP)

    newcomer = await join(session, invite.token)
    with pytest.raises(ValidationFailed) as reused:
        await join(session, invite.token, telegram_id=556)

    assert (newcomer.role, newcomer.display_name, newcomer.language) == (
        Role.REP,
        "New Person",
        Language.UK,
    )
    assert invite.used_by_id == newcomer.id
    assert reused.value.code == "invite-used"


async def test_expired_and_unknown_invites_let_nobody_in(session: AsyncSession, team: Team) -> None:
    expired = await staff.create_invite(session, actor=None, role=Role.ADMIN, ttl=timedelta(0))

    with pytest.raises(ValidationFailed) as too_late:
        await join(session, expired.token)
    with pytest.raises(ValidationFailed) as unknown:
        await join(session, "forged-token")

    assert (too_late.value.code, unknown.value.code) == ("invite-expired", "invite-unknown")
    assert await staff.staff_by_telegram_id(session, 555) is None


async def test_a_member_cannot_spend_an_invite(session: AsyncSession, team: Team) -> None:
    invite = await staff.create_invite(session, actor=team.admin, role=Role.ADMIN)

    with pytest.raises(Conflict):
        await join(session, invite.token, telegram_id=team.rep.telegram_id)
    assert invite.used_at is None


async def test_who_may_invite_whom(session: AsyncSession, team: Team) -> None:
    with pytest.raises(Forbidden):
        await staff.create_invite(session, actor=team.manager, role=Role.ADMIN)
    with pytest.raises(Forbidden):
        await staff.create_invite(session, actor=team.rep, role=Role.REP)


async def test_a_stranger_is_recorded_at_most_once_a_day(session: AsyncSession) -> None:
    first = utcnow()
    next_day = first + timedelta(hours=24, seconds=1)
    moments = [first, first, first + timedelta(hours=23), next_day, next_day]
    written = [
        await staff.record_access_request(
            session, telegram_id=77, name="Stranger", username=None, now=moment
        )
        for moment in moments
    ]

    assert written == [True, False, False, True, False]
    assert await session.scalar(select(func.count()).select_from(AccessRequest)) == 2


async def test_preferences_check_the_time_zone(session: AsyncSession, team: Team) -> None:
    await staff.update_preferences(
        session,
        actor=team.rep,
        language=Language.EN,
        time_zone="America/New_York",
        notifications={Notification.NEW_LEADS},
    )
    with pytest.raises(ValidationFailed) as bad_zone:
        await staff.update_preferences(session, actor=team.rep, time_zone="Mars/Olympus")

    assert (team.rep.language, team.rep.time_zone, team.rep.notifications) == (
        Language.EN,
        "America/New_York",
        ["new_leads"],
    )
    assert bad_zone.value.code == "time-zone-unknown"


async def test_the_last_admin_keeps_the_role(session: AsyncSession, team: Team) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await staff.change_role(session, actor=team.admin, staff_id=team.admin.id, role=Role.REP)
    promoted = await staff.change_role(
        session, actor=team.admin, staff_id=team.manager.id, role=Role.ADMIN
    )

    assert refused.value.code == "last-admin"
    assert promoted.role == Role.ADMIN


async def test_admin_ids_from_settings_become_admins(session: AsyncSession) -> None:
    admin = await staff.ensure_admin(
        session, telegram_id=2**62, display_name="Owner", language=Language.EN
    )
    again = await staff.ensure_admin(
        session, telegram_id=2**62, display_name="Owner", language=Language.EN
    )

    assert admin.id == again.id and admin.role == Role.ADMIN
