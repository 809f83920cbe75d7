"""``/settings``: one's language, time zone and which notifications to get.

A new language applies to the very reply that confirms it, and to everything after.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Language, Notification, Staff
from crm.services.staff import update_preferences
from handlers.common.filters import TYPED_ANSWER
from handlers.common.screens import Screen, checkbox, send_screen, show_screen
from handlers.common.text import tr

COMMON_TIME_ZONES = ("Europe/Kyiv", "Europe/Warsaw", "Europe/London", "UTC", "America/New_York")


class SettingsScreen(StrEnum):
    MAIN = "m"
    LANGUAGE = "l"
    TIME_ZONE = "z"
    TYPED_TIME_ZONE = "t"
    NOTIFICATIONS = "n"


class OpenSettings(CallbackData, prefix="pf"):
    screen: SettingsScreen


class PickLanguage(CallbackData, prefix="pfl"):
    language: Language


class PickTimeZone(CallbackData, prefix="pfz"):
    zone: str


class ToggleNotification(CallbackData, prefix="pfn"):
    notification: Notification


class SettingsInput(StatesGroup):
    time_zone = State()


def enabled_notifications(staff: Staff) -> set[Notification]:
    return {Notification(value) for value in staff.notifications}


def main_screen(staff: Staff, i18n: I18nContext) -> Screen:
    text = tr(
        i18n,
        "settings-summary",
        language=i18n.get(f"language-{staff.language.value}"),
        zone=staff.time_zone,
        enabled=len(enabled_notifications(staff)),
        available=len(Notification),
    )
    kb = InlineKeyboardBuilder()
    for screen, key in (
        (SettingsScreen.LANGUAGE, "settings-btn-language"),
        (SettingsScreen.TIME_ZONE, "settings-btn-time-zone"),
        (SettingsScreen.NOTIFICATIONS, "settings-btn-notifications"),
    ):
        kb.button(text=i18n.get(key), callback_data=OpenSettings(screen=screen))
    kb.adjust(1)
    return Screen(text, kb.as_markup())


def language_screen(staff: Staff, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for language in Language:
        kb.button(
            text=checkbox(language == staff.language, i18n.get(f"language-{language.value}")),
            callback_data=PickLanguage(language=language),
        )
    _add_back_to_main(kb, i18n)
    return Screen(i18n.get("settings-pick-language"), kb.as_markup())


def time_zone_screen(staff: Staff, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    for zone in COMMON_TIME_ZONES:
        kb.button(
            text=checkbox(zone == staff.time_zone, zone), callback_data=PickTimeZone(zone=zone)
        )
    kb.button(
        text=i18n.get("settings-btn-other-zone"),
        callback_data=OpenSettings(screen=SettingsScreen.TYPED_TIME_ZONE),
    )
    _add_back_to_main(kb, i18n)
    return Screen(tr(i18n, "settings-pick-time-zone", zone=staff.time_zone), kb.as_markup())


def typed_time_zone_screen(_staff: Staff, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.button(text=i18n.get("back"), callback_data=OpenSettings(screen=SettingsScreen.TIME_ZONE))
    return Screen(i18n.get("settings-ask-time-zone"), kb.as_markup())


def notifications_screen(staff: Staff, i18n: I18nContext) -> Screen:
    enabled = enabled_notifications(staff)
    kb = InlineKeyboardBuilder()
    for notification in Notification:
        kb.button(
            text=checkbox(notification in enabled, i18n.get(f"notification-{notification.value}")),
            callback_data=ToggleNotification(notification=notification),
        )
    _add_back_to_main(kb, i18n)
    return Screen(i18n.get("settings-pick-notifications"), kb.as_markup())


def _add_back_to_main(kb: InlineKeyboardBuilder, i18n: I18nContext) -> None:
    kb.button(text=i18n.get("back"), callback_data=OpenSettings(screen=SettingsScreen.MAIN))
    kb.adjust(1)


SCREENS = {
    SettingsScreen.MAIN: main_screen,
    SettingsScreen.LANGUAGE: language_screen,
    SettingsScreen.TIME_ZONE: time_zone_screen,
    SettingsScreen.TYPED_TIME_ZONE: typed_time_zone_screen,
    SettingsScreen.NOTIFICATIONS: notifications_screen,
}


async def show_settings(
    message: Message, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    await state.clear()
    await send_screen(message, main_screen(actor, i18n))


async def open_settings_screen(
    query: CallbackQuery,
    callback_data: OpenSettings,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """Any screen; the one asking to type a time zone also waits for it."""
    await state.clear()
    if callback_data.screen == SettingsScreen.TYPED_TIME_ZONE:
        await state.set_state(SettingsInput.time_zone)
    await show_screen(query, SCREENS[callback_data.screen](actor, i18n))


async def pick_language(
    query: CallbackQuery,
    callback_data: PickLanguage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    staff = await update_preferences(session, actor=actor, language=callback_data.language)
    await i18n.set_locale(staff.language.value)
    await show_screen(query, main_screen(staff, i18n))


async def pick_time_zone(
    query: CallbackQuery,
    callback_data: PickTimeZone,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    staff = await update_preferences(session, actor=actor, time_zone=callback_data.zone)
    await show_screen(query, main_screen(staff, i18n))


async def time_zone_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    staff = await update_preferences(session, actor=actor, time_zone=(message.text or "").strip())
    await state.clear()
    await send_screen(message, main_screen(staff, i18n))


async def toggle_notification(
    query: CallbackQuery,
    callback_data: ToggleNotification,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    chosen = enabled_notifications(actor) ^ {callback_data.notification}
    staff = await update_preferences(session, actor=actor, notifications=chosen)
    await show_screen(query, notifications_screen(staff, i18n))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_settings, Command("settings"))
    router.callback_query.register(open_settings_screen, OpenSettings.filter())
    router.callback_query.register(pick_language, PickLanguage.filter())
    router.callback_query.register(pick_time_zone, PickTimeZone.filter())
    router.message.register(time_zone_typed, StateFilter(SettingsInput.time_zone), TYPED_ANSWER)
    router.callback_query.register(toggle_notification, ToggleNotification.filter())
    return router
