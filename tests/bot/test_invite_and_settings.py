"""Inviting people by a deep link, /settings and the commands menu, as people see them."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import COMMANDS, set_commands
from bot.i18n import create_translator
from crm.models import Invite, Language, Notification, Role, Staff
from crm.services.staff import create_invite
from emulator import EmulatorClient, RunningEmulator, SentMessage, SimulatedUser
from handlers.invite import InviteRole
from handlers.preferences import (
    COMMON_TIME_ZONES,
    OpenSettings,
    PickLanguage,
    PickTimeZone,
    SettingsScreen,
    ToggleNotification,
)
from tests.bot.conftest import BOT_USERNAME, Person, Team, Telegram

INVITE_LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([\w-]+)")
CALLBACK_DATA_LIMIT = 64


async def open_invite_link(telegram: Telegram, user: SimulatedUser, token: str) -> SentMessage:
    """The person taps the link: Telegram starts the chat with the token as payload."""
    before = len(await telegram.control.messages(user.id))
    await telegram.control.start_chat(user, payload=token)
    reply = (await telegram.control.wait_for_messages(user.id, before + 1))[before]
    await telegram.settled()
    return reply


async def fresh(session: AsyncSession, person: Person) -> Staff:
    """The person's staff row as the bot left it."""
    assert person.staff is not None
    await session.refresh(person.staff)
    return person.staff


async def open_settings(telegram: Telegram, person: Person, button: str) -> SentMessage:
    settings = await telegram.say(person, "/settings")
    return await telegram.press(person, settings, button)


async def test_a_manager_invites_a_rep_who_joins_and_the_link_then_is_spent(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    manager = await fresh(session, team.manager)
    manager.time_zone = "America/New_York"
    await session.commit()

    picker = await telegram.say(team.manager, "/invite")
    shown = await telegram.press(team.manager, picker, "менеджер з продажу")

    assert [button["text"] for button in picker.buttons] == [
        "менеджер",
        "менеджер з продажу",
        "📋 Активні запрошення",
    ]
    link = INVITE_LINK.search(shown.text or "")
    assert link is not None
    invite = await session.scalar(select(Invite))
    assert invite is not None and invite.token == link.group(1)
    assert invite.role == Role.REP and invite.created_by_id == manager.id
    expires = invite.expires_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{expires:%H:%M} (America/New_York)" in (shown.text or "")

    newcomer = SimulatedUser(id=601, first_name="Nazar")
    welcome = await open_invite_link(telegram, newcomer, invite.token)
    latecomer = SimulatedUser(id=602, first_name="Ірина", language_code="uk")
    refusal = await open_invite_link(telegram, latecomer, invite.token)

    assert welcome.text == (
        "Welcome, Nazar! You joined the team as sales rep. Send /help to see what I can do."
    )
    assert refusal.text == (
        "Цим запрошенням уже скористалися.\n"
        "Ваш Telegram ID: 602. "
        "Надішліть його керівнику чи адміністратору й попросіть нове посилання."
    )
    joined = await session.scalar(select(Staff).where(Staff.telegram_id == newcomer.id))
    assert joined is not None and joined.role == Role.REP and joined.is_active
    assert await session.scalar(select(Staff).where(Staff.telegram_id == latecomer.id)) is None
    await session.refresh(invite)
    assert invite.used_by_id == joined.id


async def test_an_expired_invite_is_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    invite = await create_invite(session, actor=None, role=Role.REP, ttl=timedelta(0))
    await session.commit()
    stranger = SimulatedUser(id=603, first_name="Late")

    refusal = await open_invite_link(telegram, stranger, invite.token)

    assert refusal.text == (
        "This invite link has expired.\n"
        "Your Telegram id is 603. Send it to your manager or admin and ask for a new link."
    )
    assert await session.scalar(select(Staff).where(Staff.telegram_id == stranger.id)) is None


async def test_admins_invite_any_role_and_a_forged_admin_invite_from_a_manager_is_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    admin_picker = await telegram.say(team.admin, "/invite")
    manager_picker = await telegram.say(team.manager, "/invite")

    answer = await telegram.press_for_answer(
        team.manager, manager_picker, data="iv:admin", forged=True
    )

    assert [button["text"] for button in admin_picker.buttons] == [
        "admin",
        "manager",
        "sales rep",
        "📋 Pending invites",
    ]
    assert answer == "Немає доступу"
    assert await session.scalar(select(func.count()).select_from(Invite)) == 0


async def test_a_rep_may_not_invite(telegram: Telegram, team: Team, session: AsyncSession) -> None:
    reply = await telegram.say(team.rep, "/invite")

    assert reply.text == "Not allowed"
    assert reply.reply_markup is None
    assert await session.scalar(select(func.count()).select_from(Invite)) == 0


async def test_switching_to_ukrainian_changes_the_reply_and_what_follows(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    languages = await open_settings(telegram, team.rep, "🌐 Language")
    switched = await telegram.press(team.rep, languages, "⬜ Українська")
    board = await telegram.say(team.rep, "/pipeline")

    assert switched.text is not None
    assert "Налаштування" in switched.text and "Мова: Українська" in switched.text
    assert board.text is not None and "0 лідів" in board.text
    assert (await fresh(session, team.rep)).language == Language.UK


async def test_time_zone_by_button_or_typed_and_an_unknown_one_changes_nothing(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    zones = await open_settings(telegram, team.rep, "🕒 Time zone")
    picked = await telegram.press(team.rep, zones, "⬜ Europe/Warsaw")
    zones_again = await telegram.press(team.rep, picked, "🕒 Time zone")
    await telegram.press(team.rep, zones_again, "⌨️ Type another")
    refusal = await telegram.say(team.rep, "Mars/Olympus_Mons")
    unchanged = (await fresh(session, team.rep)).time_zone
    accepted = await telegram.say(team.rep, "Asia/Tbilisi")

    assert picked.text is not None and "Time zone: Europe/Warsaw" in picked.text
    assert refusal.text == "I do not know that time zone."
    assert unchanged == "Europe/Warsaw"
    assert accepted.text is not None and "Time zone: Asia/Tbilisi" in accepted.text
    assert (await fresh(session, team.rep)).time_zone == "Asia/Tbilisi"


async def test_notification_toggles_are_saved(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    toggles = await open_settings(telegram, team.rep, "🔔 Notifications")
    toggles = await telegram.press(team.rep, toggles, "✅ Daily digest")
    toggles = await telegram.press(team.rep, toggles, "✅ New leads")

    assert [button["text"] for button in toggles.buttons] == [
        "✅ Task reminders",
        "✅ Leads assigned to me",
        "⬜ New leads",
        "✅ Won and lost deals",
        "✅ Overdue tasks",
        "✅ Deals without activity",
        "⬜ Daily digest",
        "« Back",
    ]
    assert (await fresh(session, team.rep)).notifications == sorted(
        [
            Notification.REMINDERS,
            Notification.ASSIGNED,
            Notification.WINS_AND_LOSSES,
            Notification.OVERDUE_TASKS,
            Notification.IDLE_DEALS,
        ]
    )

    await telegram.press(team.rep, toggles, "⬜ Daily digest")

    assert Notification.DIGEST in (await fresh(session, team.rep)).notifications


async def test_the_commands_menu_is_set_in_english_and_ukrainian(
    emulator: RunningEmulator, bot: Bot
) -> None:
    translator = create_translator()
    await translator.startup()

    await set_commands(bot, translator)

    async with EmulatorClient(emulator.base_url) as control:
        menus = {language: await control.commands(language) for language in ("", "en", "uk")}
    described = {
        language: {item["command"]: item["description"] for item in menu}
        for language, menu in menus.items()
    }
    assert described[""] == described["en"]
    assert described["en"]["invite"] == "Invite someone to the team"
    assert described["en"]["stages"] == "Pipeline stages"
    assert described["en"]["team"] == "The team and their access"
    assert described["uk"]["invite"] == "Запросити в команду"
    assert described["uk"]["stages"] == "Статуси воронки"
    assert described["uk"]["team"] == "Команда й доступи"
    assert described["uk"]["settings"] == "Мова, часовий пояс, сповіщення"
    assert list(described["uk"]) == list(described["en"])


async def test_help_names_every_command_of_the_menu_in_both_languages() -> None:
    translator = create_translator()
    await translator.startup()
    for language in Language:
        listed = set(re.findall(r"/([a-z]+)", translator.get("help", language.value)))
        assert set(COMMANDS) - {"help"} <= listed, language


def test_every_button_fits_telegrams_callback_limit() -> None:
    buttons = [
        *(InviteRole(role=role) for role in Role),
        *(OpenSettings(screen=screen) for screen in SettingsScreen),
        *(PickLanguage(language=language) for language in Language),
        *(PickTimeZone(zone=zone) for zone in COMMON_TIME_ZONES),
        *(ToggleNotification(notification=notification) for notification in Notification),
    ]

    assert max(len(button.pack().encode()) for button in buttons) <= CALLBACK_DATA_LIMIT
