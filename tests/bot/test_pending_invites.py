"""Pending invites in /invite: listed and revoked by whoever may make them; a revoked one,
or one whose maker has left, lets nobody in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Invite, Role, Staff
from crm.services.staff import create_invite, deactivate_staff, staff_by_telegram_id
from emulator import SentMessage, SimulatedUser
from handlers.invite import PendingInvites, RevokeInvite
from tests.bot.conftest import Person, Team, Telegram

LARGEST_ID = 2**63 - 1
CALLBACK_DATA_LIMIT = 64


async def staff_of(session: AsyncSession, person: Person) -> Staff:
    await session.rollback()
    staff = await staff_by_telegram_id(session, person.user.id)
    assert staff is not None
    return staff


async def invite_from(session: AsyncSession, person: Person, role: Role) -> Invite:
    invite = await create_invite(session, actor=await staff_of(session, person), role=role)
    await session.commit()
    return invite


async def pending_list(telegram: Telegram, person: Person, button: str) -> SentMessage:
    picker = await telegram.say(person, "/invite")
    return await telegram.press(person, picker, button)


async def open_link(telegram: Telegram, user: SimulatedUser, token: str) -> SentMessage:
    before = len(await telegram.control.messages(user.id))
    await telegram.control.start_chat(user, payload=token)
    reply = (await telegram.control.wait_for_messages(user.id, before + 1))[before]
    await telegram.settled()
    return reply


async def test_an_admin_revokes_a_pending_invite_and_its_link_then_lets_nobody_in(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep_invite = await invite_from(session, team.manager, Role.REP)
    admin_invite = await invite_from(session, team.admin, Role.ADMIN)

    listed = await pending_list(telegram, team.admin, "📋 Pending invites")
    after = await telegram.press(team.admin, listed, f"✖️ Revoke #{rep_invite.id} (sales rep)")
    refusal = await open_link(telegram, SimulatedUser(id=701, first_name="Late"), rep_invite.token)

    listed_text = listed.text or ""
    assert listed_text.startswith("📋 Pending invites: 2")
    assert f"#{rep_invite.id} sales rep · made by Марина · until " in listed_text
    assert f"#{admin_invite.id} admin · made by Ada" in listed_text
    assert f"#{rep_invite.id}" not in (after.text or "")
    assert [button["text"] for button in after.buttons] == [
        f"✖️ Revoke #{admin_invite.id} (admin)",
        "« Back",
    ]
    assert (refusal.text or "").startswith("This invite link has been withdrawn.")
    assert await session.scalar(select(Staff).where(Staff.telegram_id == 701)) is None


async def test_a_manager_sees_and_revokes_only_invites_for_roles_they_may_hand_out(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep_invite = await invite_from(session, team.admin, Role.REP)
    admin_invite = await invite_from(session, team.admin, Role.ADMIN)

    listed = await pending_list(telegram, team.manager, "📋 Активні запрошення")
    forged = await telegram.press_for_answer(
        team.manager,
        listed,
        data=RevokeInvite(invite_id=admin_invite.id, page=0).pack(),
        forged=True,
    )
    back = await telegram.press(team.manager, listed, "« Назад")

    assert (listed.text or "").startswith("📋 Активні запрошення: 1")
    assert f"#{rep_invite.id} менеджер з продажу · автор: Ada" in (listed.text or "")
    assert forged == "Немає доступу"
    await session.refresh(admin_invite)
    assert admin_invite.revoked_at is None
    assert back.text == "Кого запрошуєте? Оберіть роль нового учасника."


async def test_a_rep_cannot_list_invites_by_a_forged_button(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await invite_from(session, team.admin, Role.REP)
    menu = await telegram.say(team.rep, "/today")

    answer = await telegram.press_for_answer(
        team.rep, menu, data=PendingInvites(page=0).pack(), forged=True
    )

    assert answer == "Not allowed"
    assert (await telegram.control.message(menu.chat_id, menu.message_id)).text == menu.text


async def test_an_invite_from_a_manager_who_has_left_lets_nobody_in(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    invite = await invite_from(session, team.manager, Role.REP)
    manager = await staff_of(session, team.manager)
    admin = await staff_by_telegram_id(session, team.admin.user.id)
    assert admin is not None
    await deactivate_staff(session, actor=admin, staff_id=manager.id, reassign_to_id=admin.id)
    await session.commit()

    listed = await pending_list(telegram, team.admin, "📋 Pending invites")
    refusal = await open_link(telegram, SimulatedUser(id=702, first_name="Too late"), invite.token)

    assert listed.text == "📋 No pending invites: every link was used, revoked or has expired."
    assert (refusal.text or "").startswith("This invite link has been withdrawn.")
    assert await session.scalar(select(func.count()).where(Staff.telegram_id == 702)) == 0


def test_invite_buttons_fit_in_64_bytes_with_the_largest_ids() -> None:
    packed = [
        RevokeInvite(invite_id=LARGEST_ID, page=LARGEST_ID).pack(),
        PendingInvites(page=LARGEST_ID).pack(),
    ]

    assert max(len(data.encode()) for data in packed) <= CALLBACK_DATA_LIMIT
