"""/forms: an admin opens a web form in the chat, gives its leads to a rep and pastes the
HTML form the bot shows; a visitor's submission through it reaches the rep's chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.sender import OutboxSender
from bot.settings import Settings
from crm.models import IntakeChannel, Lead, LeadSource
from emulator import RunningEmulator
from handlers.admin.form_screens import FormScreen, FormView
from tests.bot.conftest import Team, Telegram, settings_for
from web.app import create_web_app
from web.context import WebContext

PUBLIC_URL = "https://crm.example.com"
FORM_ACTION = re.compile(r'<form action="https://crm\.example\.com(?P<path>[^"]+)"')


@pytest.fixture
def settings(emulator: RunningEmulator) -> Settings:
    return settings_for(emulator).model_copy(update={"public_url": PUBLIC_URL})


@pytest.fixture
async def website(
    session_factory: async_sessionmaker[AsyncSession], sender: OutboxSender
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The intake side of ``crm-bot serve``, waking the same outbox sender as the chat."""
    app = create_web_app(WebContext(session_factory, sender))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_an_admin_opens_a_form_and_its_leads_reach_the_chosen_rep(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    website: TestClient[web.Request, web.Application],
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    asked = await telegram.press(team.admin, forms, "➕ New web form")
    card = await telegram.say(team.admin, "Contact page")
    picker = await telegram.press(team.admin, card, "👤 Leads go to")
    card = await telegram.press(team.admin, picker, "Taras")
    shown = await telegram.press(team.admin, card, "📋 HTML form")

    assert forms.text is not None and "Nothing yet" in forms.text
    assert asked.text is not None and asked.text.startswith("Send a name for the form")
    assert card.text is not None and "Leads go to: Taras" in card.text
    assert shown.text is not None
    action = FORM_ACTION.search(shown.text)
    assert action is not None, shown.text
    assert 'name="homepage" style="display:none"' in shown.text

    rep_before = len(await telegram.control.messages(team.rep.user.id))
    url = urlsplit(action["path"].replace("&amp;", "&"))
    response = await website.post(
        f"{url.path}?{url.query}",
        data={"name": "Олена Петренко", "phone": "067 123 45 67", "message": "Ціна?"},
    )
    told = await telegram.control.wait_for_messages(team.rep.user.id, rep_before + 1)

    assert response.status == 200
    lead = await session.scalar(select(Lead))
    assert lead is not None
    assert (lead.title, lead.source, lead.source_detail) == (
        "Олена Петренко",
        LeadSource.WEB_FORM,
        "Contact page",
    )
    assert team.rep.staff is not None and lead.responsible_id == team.rep.staff.id
    assert told[-1].text is not None and "Олена Петренко" in told[-1].text


async def test_contact_form_7_gets_the_signed_address_for_its_webhook_plugin(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New web form")
    card = await telegram.say(team.admin, "Booking")
    presets = await telegram.press(team.admin, card, "🧩 Field names preset")
    card = await telegram.press(
        team.admin, presets, "Contact Form 7: your-name, your-tel, your-email, your-message"
    )
    shown = await telegram.press(team.admin, card, "📋 HTML form")

    form = await session.scalar(select(IntakeChannel))
    assert form is not None
    assert card.text is not None and "your-name" in card.text
    assert shown.text is not None and "CF7 to Webhook" in shown.text
    assert f"{PUBLIC_URL}/intake/forms/{form.key}?sig=" in shown.text


async def test_own_field_names_are_typed_and_a_bad_line_is_explained(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New web form")
    card = await telegram.say(team.admin, "Landing")
    await telegram.press(team.admin, card, "✏️ Own field names")

    refused = await telegram.say(team.admin, "just a phone")
    unknown = await telegram.say(team.admin, "fax = fax-1")
    card = await telegram.say(team.admin, "phone = tel-123\nname = full_name")

    form = await session.scalar(select(IntakeChannel).execution_options(populate_existing=True))
    assert form is not None
    assert refused.text is not None and refused.text.startswith("Write each line as")
    assert unknown.text == "Our fields are name, phone, email and message."
    assert form.field_names == {"phone": "tel-123", "name": "full_name"}
    assert card.text is not None and "phone ← tel-123" in card.text


async def test_a_closed_form_takes_no_more_leads(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    website: TestClient[web.Request, web.Application],
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New web form")
    card = await telegram.say(team.admin, "Old landing")
    confirm = await telegram.press(team.admin, card, "🗑 Close")
    listed = await telegram.press(team.admin, confirm, "🗑 Yes, close it")

    form = await session.scalar(select(IntakeChannel))
    assert form is not None
    response = await website.post(
        f"/intake/forms/{form.key}", json={"name": "Ivan"}, headers={"X-Form-Secret": form.secret}
    )
    assert listed.text is not None and "Nothing yet" in listed.text
    assert response.status == 404


async def test_only_admins_manage_forms(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New web form")
    await telegram.say(team.admin, "Contact page")
    form = await session.scalar(select(IntakeChannel))
    assert form is not None

    as_rep = await telegram.say(team.rep, "/forms")
    as_manager = await telegram.say(team.manager, "/forms")
    forged = await telegram.press_for_answer(
        team.rep,
        as_rep,
        data=FormView(form_id=form.id, screen=FormScreen.SNIPPET).pack(),
        forged=True,
    )

    assert as_rep.text == "Not allowed"
    assert as_manager.text == "Немає доступу"
    assert forged == "Not allowed"


async def test_a_shop_webhook_shows_where_woocommerce_delivers_and_can_stop_opening_leads(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New WooCommerce webhook")
    card = await telegram.say(team.admin, "Online store")
    card = await telegram.press(team.admin, card, "✅ Orders open leads")

    shop = await session.scalar(select(IntakeChannel).execution_options(populate_existing=True))
    assert shop is not None
    assert card.text is not None
    assert f"Delivery URL: {PUBLIC_URL}/intake/woocommerce/{shop.key}" in card.text
    assert f"Secret: {shop.secret}" in card.text
    assert "without opening leads" in card.text
    assert "⬜ Orders open leads" in [button["text"] for button in card.buttons]
    assert shop.opens_leads is False


async def test_a_website_chat_card_gives_the_widgets_signed_address(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    website: TestClient[web.Request, web.Application],
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New website chat")
    card = await telegram.say(team.admin, "Site chat")

    assert card.text is not None
    address = re.search(r"https://crm\.example\.com(/intake/chat/\S+)", card.text)
    assert address is not None, card.text
    response = await website.post(address[1], json={"visitor_id": "v-1", "text": "Hello!"})
    lead = await session.scalar(select(Lead))
    assert response.status == 200
    assert lead is not None and lead.source == LeadSource.WEBSITE_CHAT


async def test_the_rep_hears_when_their_leads_person_writes_again(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    website: TestClient[web.Request, web.Application],
) -> None:
    forms = await telegram.say(team.admin, "/forms")
    await telegram.press(team.admin, forms, "➕ New web form")
    card = await telegram.say(team.admin, "Contact page")
    picker = await telegram.press(team.admin, card, "👤 Leads go to")
    await telegram.press(team.admin, picker, "Taras")
    form = await session.scalar(select(IntakeChannel))
    assert form is not None
    secret = {"X-Form-Secret": form.secret}
    url = f"/intake/forms/{form.key}"
    before = len(await telegram.control.messages(team.rep.user.id))
    await website.post(url, json={"name": "Olena", "email": "olena@example.com"}, headers=secret)
    await telegram.control.wait_for_messages(team.rep.user.id, before + 1)

    await website.post(url, json={"email": "OLENA@example.com", "message": "?"}, headers=secret)
    again = await telegram.control.wait_for_messages(team.rep.user.id, before + 2)

    assert again[-1].text is not None
    assert again[-1].text.startswith("💬 Olena got in touch again (web form)")
