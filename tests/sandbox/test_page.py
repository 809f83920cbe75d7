"""The sandbox as a new user meets it: ``crm-bot run`` with no token, then the page in a real
headless Chromium. Everything the page shows comes from the real bot through the emulator."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiogram.utils.web_app import safe_parse_webapp_init_data
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from sandbox.launcher import BOT_TOKEN
from tests.bot.test_lead_card import NOT_ALLOWED
from tests.sandbox.conftest import RunningSandbox, start_sandbox

CLIENT = "Taras Bulba"
FOLLOW_UP = "Send the oak table price"
WHATSAPP_CLIENT = "Zoryana Kvitka"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with start_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, sandbox: RunningSandbox) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1240, "height": 820}, accept_downloads=True)
    page.goto(sandbox.url)
    yield page
    page.close()


def be(page: Page, name: str) -> None:
    page.locator("#people button", has_text=name).click()
    page.locator("#chat-person", has_text=name).wait_for()


def say(page: Page, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")


def bot_message(page: Page, text: str) -> Locator:
    """The newest bot message in the open chat showing ``text``, once it is there."""
    message = page.locator(".message:not(.mine)", has_text=text).last
    message.wait_for()
    return message


def tap(message: Locator, button: str) -> None:
    message.locator(".inline-keyboard button", has_text=button).first.click()


def screenshot(page: Page, name: str, artefacts: Path) -> None:
    page.locator("#phone").screenshot(path=artefacts / f"{name}.png")


def add_lead_with_the_wizard(page: Page, client: str, phone: str) -> Locator:
    say(page, "/lead")
    bot_message(page, "What is the client's name?")
    say(page, client)
    bot_message(page, "The client's phone or e-mail?")
    page.locator("#reply-keyboard button", has_text="Share contact").wait_for()
    say(page, phone)
    bot_message(page, "What is the deal worth?")
    say(page, "12 000")
    tap(bot_message(page, "Where did the client come from?"), "WhatsApp")
    tap(bot_message(page, "Which stage does the lead start in?"), "New")
    return bot_message(page, f"📇 {client}")


def test_the_admin_types_start_and_pipeline(page: Page, artefacts: Path) -> None:
    be(page, "Alex Admin")
    say(page, "/start")
    bot_message(page, "Alex Admin")
    say(page, "/pipeline")
    board = bot_message(page, "Sales")

    assert "leads" in board.inner_text()
    assert board.locator(".inline-keyboard button").count() >= 5
    assert board.locator(".bubble strong").count() >= 5  # the stage names, in bold
    screenshot(page, "admin-pipeline", artefacts)


def test_a_reps_new_lead_is_the_managers_notification_with_its_button(
    page: Page, artefacts: Path
) -> None:
    be(page, "Emma Smith")
    card = add_lead_with_the_wizard(page, CLIENT, "067 321 45 67")

    assert "Stage: New" in card.inner_text()
    assert "Source: WhatsApp" in card.inner_text()
    screenshot(page, "rep-lead-card", artefacts)

    # Out of working hours the notice waits for the manager's morning: a day later it is there.
    page.click("[data-step=day]")
    unread = page.locator("#people button", has_text="Peter Hall").locator(".badge.unread")
    unread.wait_for()
    assert int(unread.inner_text()) >= 1
    be(page, "Peter Hall")
    notice = bot_message(page, f"🆕 New lead {CLIENT}")
    tap(notice, "📇 Open lead")

    assert f"📇 {CLIENT}" in bot_message(page, f"📇 {CLIENT}").inner_text()
    screenshot(page, "manager-notification", artefacts)


def test_a_follow_up_comes_due_when_the_clock_moves_and_done_works(
    page: Page, artefacts: Path
) -> None:
    be(page, "Emma Smith")
    card = add_lead_with_the_wizard(page, "Mykola Follow", "067 555 01 02")
    tap(card, "⏰ Task")
    tap(bot_message(page, "Tomorrow 10:00"), "⏰ Tomorrow 10:00")
    say(page, FOLLOW_UP)
    bot_message(page, f"⏰ Task saved: {FOLLOW_UP}")

    # Tomorrow 10:00 in Kyiv is at most two days ahead.
    for _ in range(2):
        page.click("[data-step=day]")
    reminder = page.locator(".message:not(.mine)", has_text=FOLLOW_UP).filter(
        has=page.locator("button", has_text="✅ Done")
    )
    reminder.last.wait_for(timeout=30_000)
    tap(reminder.last, "✅ Done")

    done = page.locator(".message:not(.mine)", has_text=f"✅ Done\n\n⏰ Reminder: {FOLLOW_UP}")
    done.last.wait_for()
    screenshot(page, "reminder-done", artefacts)


def test_the_command_menu_and_inline_results_under_the_input(
    page: Page, sandbox: RunningSandbox
) -> None:
    with sqlite3.connect(sandbox.database) as database:
        (a_client,) = database.execute("SELECT contact_name FROM leads LIMIT 1").fetchone()
    be(page, "Alex Admin")
    page.click("#menu-button")
    page.locator("#command-menu li", has_text="/pipeline").click()
    bot_message(page, "Sales")

    page.fill("#input", f"@crm_sandbox_bot {a_client}")
    first_result = page.locator("#inline-results li").first
    first_result.wait_for()
    first_result.click()

    assert page.locator("#inline-results").is_hidden()
    page.locator(".message.mine").last.wait_for()


def test_a_chart_arrives_as_a_picture(page: Page, artefacts: Path) -> None:
    be(page, "Peter Hall")
    say(page, "/report")
    tap(bot_message(page, "Reports"), "Win/loss")
    tap(bot_message(page, "for which days?"), "This quarter")
    chart = page.locator(".message:not(.mine) .bubble img").last
    chart.wait_for()
    chart.evaluate("image => image.decode()")

    assert chart.evaluate("image => image.naturalWidth") == 1080
    screenshot(page, "chart", artefacts)


def test_an_export_downloads(page: Page) -> None:
    be(page, "Emma Smith")
    say(page, "/export")
    tap(bot_message(page, "Export"), "💼 Leads · CSV")
    link = page.locator(".message:not(.mine) a.document").last
    link.wait_for()
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value

    assert download.suggested_filename.endswith(".csv")
    header = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("ID,External ID,Title,Contact,Phone")


def test_a_whatsapp_message_from_the_side_panel_becomes_a_lead(
    page: Page, sandbox: RunningSandbox
) -> None:
    page.fill("#intake [name=name]", WHATSAPP_CLIENT)
    page.fill("#intake [name=phone]", "+380 67 700 80 90")
    page.fill("#intake [name=text]", "Do you deliver to Lviv?")
    page.click("#intake button[data-provider=whatsapp]")
    page.locator("#intake-status", has_text="answered 200").wait_for()

    with sqlite3.connect(sandbox.database) as database:
        leads = database.execute(
            "SELECT source FROM leads WHERE contact_name = ?", (WHATSAPP_CLIENT,)
        ).fetchall()
    assert leads == [("whatsapp",)]


def latest_answer_to_today(page: Page, person: str) -> int:
    be(page, person)
    say(page, "/today")
    page.locator(".message.mine", has_text="/today").last.wait_for()
    answer = page.locator(".message.mine:has-text('/today') ~ .message:not(.mine)").last
    answer.wait_for()
    return int(answer.get_attribute("data-id") or 0)


def test_forged_presses_get_the_refusals_telegram_gives(
    page: Page, sandbox: RunningSandbox
) -> None:
    """The page's requests are a Telegram client's: another person's chat is out of reach, and
    a forged callback for someone else's lead gets the bot's own refusal."""
    managers_message_id, own_message_id = (
        latest_answer_to_today(page, person) for person in ("Peter Hall", "Emma Smith")
    )
    with sqlite3.connect(sandbox.database) as database:
        (someone_elses_lead, version) = database.execute(
            "SELECT leads.id, leads.version FROM leads"
            " JOIN staff ON staff.id = leads.responsible_id"
            " WHERE staff.telegram_id = 9000000002 LIMIT 1"
        ).fetchone()
    emma = {"id": 9000000008, "first_name": "Emma"}
    press = """async ([user, chatId, messageId, data]) => {
        const response = await fetch("/emulator/control/callbacks", {method: "POST",
            body: JSON.stringify({user, chat_id: chatId, message_id: messageId,
                                  callback_data: data, forged: true})});
        const pressed = await response.json();
        if (!pressed.ok) return pressed.description;
        const answered = await fetch(`/emulator/control/callbacks/${pressed.result.id}/wait`,
            {method: "POST", body: JSON.stringify({timeout: 10})});
        return (await answered.json()).result.answer.text;
    }"""
    forged = f"ld:{someone_elses_lead}:n:{version}"

    in_own_chat = page.evaluate(press, [emma, emma["id"], own_message_id, forged])
    in_the_managers_chat = page.evaluate(press, [emma, 9000000001, managers_message_id, forged])

    assert in_own_chat == NOT_ALLOWED
    assert in_the_managers_chat == "user 9000000008 cannot see private chat 9000000001"


def test_a_web_app_button_opens_the_mini_app_beside_the_chat_signed_for_the_person(
    page: Page, sandbox: RunningSandbox
) -> None:
    be(page, "Emma Smith")
    # What a web_app button does when tapped; the bot names its public (https) address.
    page.evaluate("url => openWebApp(url)", "https://127.0.0.1:8080/miniapp/")
    page.locator("#miniapp").wait_for()
    opened = urlsplit(page.locator("#miniapp-frame").get_attribute("src") or "")
    init_data = parse_qs(opened.fragment)["tgWebAppData"][0]
    person = safe_parse_webapp_init_data(BOT_TOKEN, init_data).user

    assert f"{opened.scheme}://{opened.netloc}{opened.path}" == f"{sandbox.url}/miniapp/"
    assert person is not None and person.id == 9000000008


def test_a_sandbox_on_a_non_loopback_host_refuses_to_start(tmp_path: Path) -> None:
    with (
        pytest.raises(subprocess.CalledProcessError) as refused,
        start_sandbox(tmp_path, command="sandbox", host="0.0.0.0"),
    ):
        pass

    assert "listens on this computer only (127.0.0.1), not on 0.0.0.0" in refused.value.output
