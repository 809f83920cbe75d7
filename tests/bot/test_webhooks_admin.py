"""/webhooks in the chat: an admin adds an address and ticks its events, sees the secret
once, is told why an address is refused; a webhook that kept failing is paused, the admins
are told with a button that resumes it, and its delivery log shows each attempt. Nobody else
changes anything, not even with a forged button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.sender import OutboxSender
from bot.settings import Settings
from crm import webhooks
from crm.models import Webhook, WebhookEvent, utcnow
from crm.notifications import commit_with_notifications
from crm.outbox import LEASE, RetryPolicy
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from emulator import RunningEmulator
from handlers.admin.webhook_screens import DeleteWebhook, ToggleWebhookEvent
from tests.bot.conftest import Team, Telegram, settings_for

PUBLIC_ADDRESS = "https://93.184.216.34/hooks/crm"


@pytest.fixture
def settings(emulator: RunningEmulator, request: pytest.FixtureRequest) -> Settings:
    """Private targets allowed (the tests' receivers are local) unless a test says False."""
    allow_private = getattr(request, "param", True)
    return settings_for(emulator).model_copy(
        update={"webhook_allow_private_targets": allow_private}
    )


async def stored_webhooks(session: AsyncSession) -> list[Webhook]:
    rows = await session.scalars(
        select(Webhook).order_by(Webhook.id).execution_options(populate_existing=True)
    )
    return list(rows)


@pytest.mark.parametrize("settings", [False], indirect=True, ids=["public-only"])
async def test_an_admin_adds_a_webhook_and_sees_its_secret_once(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    listed = await telegram.say(team.admin, "/webhooks")
    asked = await telegram.press(team.admin, listed, "➕ Add a webhook")
    private = await telegram.say(team.admin, "https://127.0.0.1:8443/hooks")
    nowhere = await telegram.say(team.admin, "https://no<such>.invalid/hooks")
    plain = await telegram.say(team.admin, "http://93.184.216.34/hooks")
    picker = await telegram.say(team.admin, PUBLIC_ADDRESS)
    picker = await telegram.press(team.admin, picker, "⬜ Lead created")
    picker = await telegram.press(team.admin, picker, "⬜ Won")
    card = await telegram.press(team.admin, picker, "✅ Create the webhook")
    listed_again = await telegram.say(team.admin, "/webhooks")
    card_again = await telegram.press(team.admin, listed_again, f"▶️ {PUBLIC_ADDRESS}")

    assert listed.text is not None and "None yet" in listed.text
    assert asked.text is not None and asked.text.startswith("Send the address")
    assert private.text is not None and "leads to 127.0.0.1" in private.text
    assert nowhere.text == (
        "The name no<such>.invalid does not resolve to any address. Check it and send it again."
    )
    assert plain.text == "Plain http:// is not allowed for a public address: use https://"
    assert picker.text is not None and PUBLIC_ADDRESS in picker.text
    (webhook,) = await stored_webhooks(session)
    assert (webhook.url, webhook.events) == (PUBLIC_ADDRESS, ["lead.created", "lead.won"])
    assert webhook.secret.startswith("whsec_")
    assert card.text is not None and webhook.secret in card.text
    assert card_again.text is not None and webhook.secret not in card_again.text
    assert "✅ Won" in [button["text"] for button in card_again.buttons]


async def test_nobody_but_an_admin_changes_a_webhook_even_with_a_forged_button(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    listed = await telegram.say(team.admin, "/webhooks")
    await telegram.press(team.admin, listed, "➕ Add a webhook")
    picker = await telegram.say(team.admin, "http://127.0.0.1:9/hooks")
    picker = await telegram.press(team.admin, picker, "⬜ Task done")
    await telegram.press(team.admin, picker, "✅ Create the webhook")
    (webhook,) = await stored_webhooks(session)

    as_rep = await telegram.say(team.rep, "/webhooks")
    deleted_by_rep = await telegram.press_for_answer(
        team.rep, as_rep, data=DeleteWebhook(webhook_id=webhook.id).pack(), forged=True
    )
    as_manager = await telegram.say(team.manager, "/webhooks")
    toggled_by_manager = await telegram.press_for_answer(
        team.manager,
        as_manager,
        data=ToggleWebhookEvent(webhook_id=webhook.id, event=WebhookEvent.LEAD_LOST).pack(),
        forged=True,
    )

    assert as_rep.text == "Not allowed"
    assert deleted_by_rep == "Not allowed"
    assert toggled_by_manager == "Немає доступу"
    (unchanged,) = await stored_webhooks(session)
    assert unchanged.deleted_at is None
    assert unchanged.events == ["task.done"]


async def test_a_paused_webhook_is_announced_to_admins_and_resumed_by_its_button(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    sender: OutboxSender,
) -> None:
    listed = await telegram.say(team.admin, "/webhooks")
    await telegram.press(team.admin, listed, "➕ Add a webhook")
    picker = await telegram.say(team.admin, "http://127.0.0.1:9/hooks")
    picker = await telegram.press(team.admin, picker, "⬜ Lead created")
    await telegram.press(team.admin, picker, "✅ Create the webhook")
    before = len(await telegram.control.messages(team.admin.user.id))
    await create_lead(session, actor=team.rep.staff, draft=LeadDraft(title="Quiet lead"))
    await commit_with_notifications(session)
    async with session_factory() as worker:
        for _ in range(webhooks.PAUSE_AFTER):
            (delivery,) = await webhooks.claim_next(
                worker, worker="test", now=utcnow(), limit=1, lease=LEASE
            )
            await webhooks.settle_attempt(
                worker,
                delivery,
                webhooks.AttemptResult(503, 42),
                worker="test",
                now=utcnow(),
                retries=RetryPolicy(backoff_cap=timedelta(0)),
            )
            await worker.commit()
    sender.wake()

    # The new lead's notification, then the pause's.
    told = (await telegram.control.wait_for_messages(team.admin.user.id, before + 2))[-1]
    card = await telegram.press(team.admin, told, "▶️ Resume")
    log = await telegram.press(team.admin, card, "📜 Delivery log")

    assert told.text is not None
    assert "http://127.0.0.1:9/hooks failed 20 times in a row and is paused" in told.text
    assert card.text is not None and card.text.startswith("Resumed")
    (webhook,) = await stored_webhooks(session)
    assert webhook.paused_at is None
    assert log.text is not None
    lines = log.text.splitlines()
    assert len(lines) == 11  # the title and the latest ten attempts
    assert "lead.created · 503 · 42 ms · attempt 20" in lines[1]
    assert "attempt 11" in lines[-1]
