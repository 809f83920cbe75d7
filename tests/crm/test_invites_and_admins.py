"""Invites are listed and revoked by whoever may make them and die with their maker's
authority; two admins removing each other at the same moment leave one admin."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import await_only

from crm.errors import CrmError, Forbidden, ValidationFailed
from crm.models import Invite, Language, Role, Staff
from crm.services import staff
from tests.crm.conftest import Team


async def join(session: AsyncSession, token: str, telegram_id: int = 555) -> Staff:
    return await staff.redeem_invite(
        session, token=token, telegram_id=telegram_id, display_name="New", language=Language.EN
    )


async def refusal(session: AsyncSession, token: str) -> str:
    with pytest.raises(ValidationFailed) as refused:
        await join(session, token)
    return refused.value.code


async def test_a_revoked_invite_lets_nobody_in(session: AsyncSession, team: Team) -> None:
    invite = await staff.create_invite(session, actor=team.manager, role=Role.REP)

    await staff.revoke_invite(session, actor=team.admin, invite_id=invite.id)
    await staff.revoke_invite(session, actor=team.manager, invite_id=invite.id)

    assert invite.revoked_at is not None
    assert await refusal(session, invite.token) == "invite-revoked"
    assert await staff.staff_by_telegram_id(session, 555) is None


async def test_an_invite_stops_working_when_its_maker_leaves_or_loses_the_right(
    session: AsyncSession, team: Team
) -> None:
    from_manager = await staff.create_invite(session, actor=team.manager, role=Role.REP)
    admin_invite = await staff.create_invite(session, actor=team.admin, role=Role.ADMIN)
    from_command_line = await staff.create_invite(session, actor=None, role=Role.ADMIN)
    second_admin = Staff(telegram_id=1005, display_name="Second admin", role=Role.ADMIN)
    session.add(second_admin)
    await session.flush()

    await staff.deactivate_staff(
        session, actor=team.admin, staff_id=team.manager.id, reassign_to_id=team.rep.id
    )
    await staff.change_role(session, actor=second_admin, staff_id=team.admin.id, role=Role.MANAGER)

    assert await refusal(session, from_manager.token) == "invite-revoked"
    assert await refusal(session, admin_invite.token) == "invite-revoked"
    assert (await join(session, from_command_line.token)).role == Role.ADMIN


async def test_pending_invites_are_the_working_ones_of_roles_the_reader_may_hand_out(
    session: AsyncSession, team: Team
) -> None:
    rep_invite = await staff.create_invite(session, actor=team.manager, role=Role.REP)
    admin_invite = await staff.create_invite(session, actor=team.admin, role=Role.ADMIN)
    used = await staff.create_invite(session, actor=team.admin, role=Role.REP)
    await join(session, used.token)
    await staff.create_invite(session, actor=team.admin, role=Role.REP, ttl=timedelta(0))
    revoked = await staff.create_invite(session, actor=team.admin, role=Role.MANAGER)
    await staff.revoke_invite(session, actor=team.admin, invite_id=revoked.id)

    admins = await staff.pending_invites(session, actor=team.admin)
    managers = await staff.pending_invites(session, actor=team.manager)

    assert [pending.invite.id for pending in admins] == [rep_invite.id, admin_invite.id]
    assert [pending.created_by for pending in admins] == [team.manager, team.admin]
    assert [pending.invite.id for pending in managers] == [rep_invite.id]
    with pytest.raises(Forbidden):
        await staff.pending_invites(session, actor=team.rep)


async def test_an_invite_may_be_revoked_only_by_who_may_make_it_and_not_once_used(
    session: AsyncSession, team: Team
) -> None:
    admin_invite = await staff.create_invite(session, actor=team.admin, role=Role.ADMIN)
    rep_invite = await staff.create_invite(session, actor=team.admin, role=Role.REP)
    await join(session, rep_invite.token)

    with pytest.raises(Forbidden):
        await staff.revoke_invite(session, actor=team.manager, invite_id=admin_invite.id)
    with pytest.raises(Forbidden):
        await staff.revoke_invite(session, actor=team.rep, invite_id=rep_invite.id)
    with pytest.raises(ValidationFailed) as used:
        await staff.revoke_invite(session, actor=team.admin, invite_id=rep_invite.id)

    assert used.value.code == "invite-used"
    assert admin_invite.revoked_at is None
    assert await session.scalar(select(func.count()).where(Invite.revoked_at.is_not(None))) == 0


Removal = Callable[[AsyncSession, Staff, int], Awaitable[object]]
REMOVALS: dict[str, Removal] = {
    "deactivate": lambda session, actor, admin_id: staff.deactivate_staff(
        session, actor=actor, staff_id=admin_id, reassign_to_id=actor.id
    ),
    "demote": lambda session, actor, admin_id: staff.change_role(
        session, actor=actor, staff_id=admin_id, role=Role.MANAGER
    ),
}


WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def both_deciding_before_either_writes(engine: AsyncEngine) -> Iterator[None]:
    """Hold each of two transactions at its first write or row lock until the other has
    reached its own: both have read what they decide on before either changes anything,
    the worst moment for a check-then-write."""
    both_there = asyncio.Barrier(2)
    held: set[int] = set()

    def hold(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sql = statement.lstrip().upper()
        if id(connection) in held or not (sql.startswith(WRITES) or "FOR UPDATE" in sql):
            return
        held.add(id(connection))
        await_only(both_there.wait())

    event.listen(engine.sync_engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", hold)


@pytest.mark.parametrize("removal", REMOVALS.values(), ids=REMOVALS.keys())
async def test_two_admins_removing_each_other_at_once_leave_one_admin(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    team: Team,
    removal: Removal,
) -> None:
    team.manager.role = Role.ADMIN
    await session.commit()
    admins = [team.admin.id, team.manager.id]

    async def remove(actor_id: int, admin_id: int) -> str:
        """One admin's request in a transaction of its own, as two bot updates would run."""
        async with session_factory() as own:
            actor = await own.get(Staff, actor_id)
            assert actor is not None
            try:
                await removal(own, actor, admin_id)
                await own.commit()
            except CrmError as refused:
                return refused.code
            return "done"

    with both_deciding_before_either_writes(engine):
        outcomes = await asyncio.gather(remove(*admins), remove(*reversed(admins)))

    assert sorted(outcomes) == ["done", "last-admin"]
    await session.rollback()
    remaining = await session.scalar(
        select(func.count()).where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
    )
    assert remaining == 1
