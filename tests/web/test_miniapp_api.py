"""The Mini App's API over a real socket and database (SQLite and PostgreSQL): ``initData``
checked, the chat's permissions on every endpoint, moves through the chat's use cases with
their Won and Lost questions, and a second mover told the card changed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import PageWords, create_translator
from crm.models import Activity, ActivityKind, Language, Lead, Staff, StageKind, Task
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from crm.services.pipelines import default_pipeline
from tests.web.conftest import CountingOutbox, Team, outbox_kinds
from web.app import create_web_app
from web.context import WebContext
from web.miniapp.init_data import signed_init_data
from web.miniapp.settings import MiniAppSettings

BOT_TOKEN = "123456:TEST-token-for-the-mini-app"
MAX_AGE = timedelta(hours=1)


def init_data(telegram_id: int, *, age: int = 0, token: str = BOT_TOKEN) -> str:
    fields = {
        "auth_date": str(int(time.time()) - age),
        "query_id": "AAE",
        "user": json.dumps({"id": telegram_id, "first_name": "Taras", "language_code": "uk"}),
    }
    return urlencode(signed_init_data(fields, token))


@dataclass
class MiniApp:
    client: TestClient[web.Request, web.Application]
    sessions: async_sessionmaker[AsyncSession]

    async def call(
        self, method: str, path: str, staff: Staff | None, body: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = {"Authorization": "tma " + init_data(staff.telegram_id)} if staff else {}
        headers.update(kwargs.pop("headers", {}))
        response = await self.client.request(
            method, "/miniapp/api/" + path, json=body, headers=headers, **kwargs
        )
        return response.status, await response.json()

    async def lead(self, lead_id: int) -> Lead:
        async with self.sessions() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            return lead


@pytest.fixture(autouse=True)
async def rep_reads_ukrainian(team: Team, session: AsyncSession) -> None:
    team.rep.language = Language.UK
    await session.commit()


@pytest.fixture
async def miniapp(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[MiniApp]:
    context = WebContext(session_factory, CountingOutbox())
    settings = MiniAppSettings(BOT_TOKEN, PageWords(create_translator()), MAX_AGE)
    async with TestClient(TestServer(create_web_app(context, settings))) as client:
        yield MiniApp(client, session_factory)


async def new_lead(session: AsyncSession, owner: Staff, title: str, value: str | None) -> Lead:
    lead = await create_lead(session, actor=owner, draft=LeadDraft(title=title, value=value))
    await session.commit()
    return lead


async def stage_ids(session: AsyncSession) -> dict[StageKind | str, int]:
    pipeline = await default_pipeline(session)
    return {stage.code or stage.name: stage.id for stage in pipeline.stages}


async def test_initdata_signed_fresh_opens_the_board_others_are_refused(
    miniapp: MiniApp, team: Team
) -> None:
    rep = team.rep
    status, body = await miniapp.call("GET", "me", rep)
    assert status == 200
    assert body["staff"]["name"] == rep.display_name

    async def with_init_data(value: str) -> tuple[int, Any]:
        return await miniapp.call("GET", "board", None, headers={"Authorization": "tma " + value})

    expired = await with_init_data(init_data(rep.telegram_id, age=7200))
    future = await with_init_data(init_data(rep.telegram_id, age=-3600))
    forged = await with_init_data(init_data(rep.telegram_id, token="654321:another-bot"))
    tampered = await with_init_data(
        init_data(team.other_rep.telegram_id).replace(
            str(team.other_rep.telegram_id), str(team.admin.telegram_id)
        )
    )
    missing = await miniapp.call("GET", "board", None)
    assert [expired[0], future[0], forged[0], tampered[0], missing[0]] == [401] * 5
    assert [expired[1]["error"], future[1]["error"], forged[1]["error"], tampered[1]["error"]] == [
        "init-data-expired",
        "init-data-expired",
        "init-data-invalid",
        "init-data-invalid",
    ]
    assert missing[1]["error"] == "init-data-missing"


async def test_a_stranger_with_valid_initdata_is_not_staff(miniapp: MiniApp, team: Team) -> None:
    stranger = Staff(telegram_id=999_999, display_name="Stranger", role=team.rep.role)
    status, body = await miniapp.call("GET", "board", stranger)
    assert (status, body["error"]) == (403, "not-staff")
    assert "sales team" not in body["details"]["message"]  # the user's language, Ukrainian
    assert "команди продажів" in body["details"]["message"]


async def test_a_reps_board_holds_only_their_leads_a_managers_everyones(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    await new_lead(session, team.rep, "Олена Петренко", "12000")
    await new_lead(session, team.other_rep, "Acme Ltd", "500")
    _, board = await miniapp.call("GET", "board", team.rep)
    titles = [card["title"] for column in board["columns"] for card in column["cards"]]
    assert titles == ["Олена Петренко"]
    new = board["columns"][0]
    assert (new["count"], new["totals"]) == (1, {"UAH": "12000.00"})
    _, board = await miniapp.call("GET", "board", team.manager)
    assert sorted(c["title"] for c in board["columns"][0]["cards"]) == [
        "Acme Ltd",
        "Олена Петренко",
    ]
    _, mine = await miniapp.call("GET", "board", team.manager, params={"mine": "1"})
    assert mine["columns"][0]["cards"] == []
    _, theirs = await miniapp.call(
        "GET", "board", team.manager, params={"responsible": str(team.other_rep.id)}
    )
    assert [c["title"] for c in theirs["columns"][0]["cards"]] == ["Acme Ltd"]
    _, found = await miniapp.call("GET", "board", team.manager, params={"q": "петренко"})
    assert [c["title"] for c in found["columns"][0]["cards"]] == ["Олена Петренко"]


async def test_a_forged_move_of_another_reps_lead_changes_nothing(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    theirs = await new_lead(session, team.other_rep, "Acme Ltd", "500")
    stages = await stage_ids(session)
    status, body = await miniapp.call(
        "POST",
        f"leads/{theirs.id}/move",
        team.rep,
        {"stage_id": stages["qualified"], "version": theirs.version},
    )
    assert (status, body["error"]) == (403, "forbidden")
    assert (await miniapp.lead(theirs.id)).stage_id == stages["new"]
    status, _ = await miniapp.call("GET", f"leads/{theirs.id}", team.rep)
    assert status == 403
    status, _ = await miniapp.call("POST", f"leads/{theirs.id}/notes", team.rep, {"text": "x"})
    assert status == 403


async def test_a_move_goes_through_the_chats_use_case(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    lead = await new_lead(session, team.rep, "Олена Петренко", "12000")
    stages = await stage_ids(session)
    status, body = await miniapp.call(
        "POST",
        f"leads/{lead.id}/move",
        team.rep,
        {"stage_id": stages["qualified"], "version": lead.version},
    )
    assert status == 200
    assert (body["lead"]["stage_id"], body["lead"]["version"]) == (
        stages["qualified"],
        lead.version + 1,
    )
    async with miniapp.sessions() as check:
        kinds = await check.scalars(select(Activity.kind).where(Activity.lead_id == lead.id))
        assert ActivityKind.STAGE_CHANGE in list(kinds)


async def test_won_asks_for_the_value_lost_for_the_reason(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    no_value = await new_lead(session, team.rep, "No value yet", None)
    stages = await stage_ids(session)
    path = f"leads/{no_value.id}/move"
    to_won = {"stage_id": stages["won"], "version": no_value.version}
    assert await miniapp.call("POST", path, team.rep, to_won) == (
        200,
        {"needs": "value", "lead_id": no_value.id, "version": no_value.version},
    )
    assert (await miniapp.lead(no_value.id)).stage_id == stages["new"]
    status, body = await miniapp.call("POST", path, team.rep, {**to_won, "value": "abc"})
    assert (status, body["error"]) == (400, "amount-invalid")
    status, body = await miniapp.call("POST", path, team.rep, {**to_won, "value": "9 500"})
    assert (status, body["lead"]["stage"], body["lead"]["value"]) == (200, "Виграно", "9500.00")

    lost = await new_lead(session, team.rep, "Going nowhere", "100")
    path, to_lost = f"leads/{lost.id}/move", {"stage_id": stages["lost"], "version": lost.version}
    assert (await miniapp.call("POST", path, team.rep, to_lost))[1]["needs"] == "lost_reason"
    other = await miniapp.call("POST", path, team.rep, {**to_lost, "reason": "other"})
    assert other[1]["needs"] == "lost_words"
    status, body = await miniapp.call("POST", path, team.rep, {**to_lost, "words": "Закрилися"})
    assert (status, body["lead"]["lost_reason"]) == (200, "Закрилися")
    assert (await miniapp.lead(lost.id)).lost_reason_code == "other"
    # The managers are told of the win and the loss, as when the rep presses Won or Lost.
    told = {recipient for recipient, _ in await outbox_kinds(miniapp.sessions)}
    assert {team.admin.id, team.manager.id} <= told


async def test_the_second_mover_is_told_the_card_changed(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    lead = await new_lead(session, team.rep, "Contested", "100")
    stages = await stage_ids(session)
    path = f"leads/{lead.id}/move"
    first = await miniapp.call(
        "POST", path, team.rep, {"stage_id": stages["qualified"], "version": lead.version}
    )
    second = await miniapp.call(
        "POST", path, team.manager, {"stage_id": stages["proposal"], "version": lead.version}
    )
    assert first[0] == 200
    assert (second[0], second[1]["error"], second[1]["details"]["lead_id"]) == (
        409,
        "stale-lead",
        lead.id,
    )
    assert (await miniapp.lead(lead.id)).stage_id == stages["qualified"]


async def test_bad_input_is_refused_and_changes_nothing(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    lead = await new_lead(session, team.rep, "Careful", "100")
    path = f"leads/{lead.id}/move"
    refusals = [
        await miniapp.call("POST", path, team.rep, {"stage_id": "x", "version": lead.version}),
        await miniapp.call("POST", path, team.rep, {"stage_id": 999_999, "version": lead.version}),
        await miniapp.call(
            "POST", "leads/abc/move", team.rep, {"stage_id": 1, "version": lead.version}
        ),
        await miniapp.call("POST", path, team.rep, [1, 2]),
        await miniapp.call("GET", "board", team.rep, params={"source": "carrier-pigeon"}),
        await miniapp.call("GET", "stages/1/cards", team.rep, params={"after": "yesterday"}),
        await miniapp.call("POST", f"leads/{lead.id}/tasks", team.rep, {"due_at": "2020-01-01"}),
    ]
    assert [status for status, _ in refusals] == [400, 404, 404, 400, 400, 400, 400]
    assert (await miniapp.lead(lead.id)).version == lead.version


async def test_quick_actions_note_call_and_follow_up(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    lead = await new_lead(session, team.rep, "Busy", "100")
    path = f"leads/{lead.id}"
    status, body = await miniapp.call("POST", path + "/notes", team.rep, {"text": "Wants a demo"})
    assert (status, body["lead"]["latest"][0]["text"]) == (200, "Wants a demo")
    status, body = await miniapp.call("POST", path + "/contacts", team.rep, {"kind": "call"})
    assert (status, body["lead"]["latest"][0]["kind"]) == (200, "дзвінок")
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    kyiv = due.astimezone(timezone(timedelta(hours=3))).isoformat()
    status, body = await miniapp.call("POST", path + "/tasks", team.rep, {"due_at": kyiv})
    assert status == 200
    assert body["lead"]["next_task"] == {"title": "Зв’язатися: Busy", "due_at": due.isoformat()}
    async with miniapp.sessions() as check:
        assert await check.scalar(select(Task.assignee_id).where(Task.lead_id == lead.id)) == (
            team.rep.id
        )


async def test_open_in_chat_sends_the_card_to_the_viewer_only(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    mine = await new_lead(session, team.rep, "Mine", "100")
    theirs = await new_lead(session, team.other_rep, "Theirs", "100")
    before = await outbox_kinds(miniapp.sessions)
    assert (await miniapp.call("POST", f"leads/{mine.id}/to-chat", team.rep))[0] == 200
    assert (await miniapp.call("POST", f"leads/{theirs.id}/to-chat", team.rep))[0] == 403
    assert (await outbox_kinds(miniapp.sessions))[len(before) :] == [(team.rep.id, "lead_card")]


async def test_a_long_column_pages_in_order_to_the_end(
    miniapp: MiniApp, team: Team, session: AsyncSession
) -> None:
    for number in range(65):
        session.add(
            Lead(
                title=f"Lead {number}",
                stage_id=(await stage_ids(session))["new"],
                responsible_id=team.rep.id,
                search_text=f"lead {number}",
            )
        )
    await session.commit()
    _, board = await miniapp.call("GET", "board", team.rep)
    column = board["columns"][0]
    seen = [card["id"] for card in column["cards"]]
    cursor = column["next"]
    while cursor:
        _, page = await miniapp.call(
            "GET", f"stages/{column['stage']['id']}/cards", team.rep, params={"after": cursor}
        )
        seen += [card["id"] for card in page["cards"]]
        cursor = page["next"]
    assert column["count"] == 65
    assert len(seen) == len(set(seen)) == 65


async def test_the_page_and_its_assets_are_served_and_the_api_described(miniapp: MiniApp) -> None:
    client = miniapp.client
    page = await client.get("/miniapp/")
    assert page.status == 200
    html = await page.text()
    assert "static/vendor/Sortable.min.js" in html and "http" not in html.replace(
        "https://t.me", ""
    )
    for asset in ("board.js", "board.css", "telegram.js", "vendor/Sortable.min.js"):
        assert (await client.get("/miniapp/static/" + asset)).status == 200
    document = await (await client.get("/miniapp/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert "/miniapp/api/leads/{lead_id}/move" in document["paths"]
