"""Facebook Lead Ads: Meta's subscription check, signed ``leadgen`` deliveries whose leads are
read from the Graph API (a local fake of it) and taken in once, deduplicated like any other."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientResponse
from sqlalchemy import select

from crm.models import Activity, Lead, LeadSource
from tests.fake_graph_api import FakeGraphApi, running_graph_api
from tests.web.conftest import Web
from web.context import IntakeSettings
from web.graph_api import GraphApi

VERIFY_TOKEN = "lead-ads-verify-token"
APP_SECRET = "fedcba9876543210fedcba9876543210"
ACCESS_TOKEN = "EAAB-fake-page-token"
LEADGEN_ID = "1234567890123456"
FORM_ID = "987654321098765"
ANSWERS = {
    "full_name": ["Олена Петренко"],
    "phone_number": ["+380 67 123 45 67"],
    "email": ["Olena@Example.com"],
    "preferred_time": ["Ранок"],
    "services": ["Доставка", "Монтаж"],
}


@pytest.fixture
def intake_settings() -> IntakeSettings:
    return IntakeSettings(
        per_minute=1000, facebook_verify_token=VERIFY_TOKEN, facebook_app_secret=APP_SECRET
    )


@pytest.fixture
async def graph(web_app: Web) -> AsyncIterator[FakeGraphApi]:
    """Meta's Graph API with one lead in it, read by the app as the server reads it."""
    async with running_graph_api(ACCESS_TOKEN) as fake, aiohttp.ClientSession() as http:
        fake.add_lead(LEADGEN_ID, FORM_ID, ANSWERS)
        web_app.context.lead_ads = GraphApi(http, ACCESS_TOKEN, base_url=fake.base_url)
        yield fake


def leadgen_delivery(leadgen_id: Any = LEADGEN_ID, form_id: Any = FORM_ID) -> dict[str, Any]:
    """A delivery as Meta's Lead Ads webhook reference shows it."""
    return {
        "object": "page",
        "entry": [
            {
                "id": "153125381133",
                "time": 1764979200,
                "changes": [
                    {
                        "field": "leadgen",
                        "value": {
                            "ad_id": "23842800000000001",
                            "form_id": form_id,
                            "leadgen_id": leadgen_id,
                            "created_time": 1764979200,
                            "page_id": "153125381133",
                            "adgroup_id": "23842800000000001",
                        },
                    }
                ],
            }
        ],
    }


async def post(
    web_app: Web, payload: dict[str, Any] | bytes, *, secret: str = APP_SECRET
) -> ClientResponse:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return await web_app.client.post(
        "/intake/facebook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


async def leads(web_app: Web) -> list[Lead]:
    async with web_app.sessions() as session:
        return list(await session.scalars(select(Lead).order_by(Lead.id)))


async def test_meta_subscribes_with_our_verify_token(web_app: Web, graph: FakeGraphApi) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    subscribed = await web_app.client.get("/intake/facebook", params=params)
    wrong = await web_app.client.get(
        "/intake/facebook", params={**params, "hub.verify_token": "guess"}
    )

    assert (subscribed.status, await subscribed.text()) == (200, "42")
    assert wrong.status == 401


async def test_a_lead_is_read_from_meta_and_taken_in_once(
    web_app: Web, graph: FakeGraphApi
) -> None:
    first = await post(web_app, leadgen_delivery())
    replay = await post(web_app, leadgen_delivery())

    assert (first.status, replay.status) == (200, 200)
    (lead,) = await leads(web_app)
    assert (lead.contact_name, lead.phone, lead.email, lead.source, lead.source_detail) == (
        "Олена Петренко",
        "+380671234567",
        "olena@example.com",
        LeadSource.FACEBOOK,
        f"Lead Ads form {FORM_ID}",
    )
    async with web_app.sessions() as session:
        messages = list(
            await session.scalars(select(Activity.text).where(Activity.lead_id == lead.id))
        )
    assert "preferred_time: Ранок\nservices: Доставка, Монтаж" in messages
    assert graph.lead_reads == [LEADGEN_ID], "a replay is not read from Meta again"


async def test_ids_as_numbers_as_in_metas_reference_are_read_too(
    web_app: Web, graph: FakeGraphApi
) -> None:
    response = await post(web_app, leadgen_delivery(int(LEADGEN_ID), int(FORM_ID)))

    assert response.status == 200
    assert [lead.source for lead in await leads(web_app)] == [LeadSource.FACEBOOK]


async def test_a_known_persons_new_lead_joins_their_open_lead(
    web_app: Web, graph: FakeGraphApi
) -> None:
    graph.add_lead(
        "2000000000000001", FORM_ID, {"full_name": ["Olena"], "email": ["olena@example.com"]}
    )

    await post(web_app, leadgen_delivery())
    joined = await post(web_app, leadgen_delivery("2000000000000001"))

    assert joined.status == 200
    assert len(await leads(web_app)) == 1


async def test_html_in_a_name_is_kept_as_plain_text(web_app: Web, graph: FakeGraphApi) -> None:
    graph.add_lead("3000000000000001", FORM_ID, {"full_name": ["<b>Boss</b> <script>x</script>"]})

    await post(web_app, leadgen_delivery("3000000000000001"))

    (lead,) = await leads(web_app)
    assert lead.contact_name == "<b>Boss</b> <script>x</script>"


async def test_a_forged_or_oversized_delivery_is_refused_and_nothing_is_read_or_kept(
    web_app: Web, graph: FakeGraphApi
) -> None:
    forged = await post(web_app, leadgen_delivery(), secret="not-the-app-secret")
    unsigned = await web_app.client.post("/intake/facebook", json=leadgen_delivery())
    huge = await post(web_app, b'{"object": "page", "entry": [' + b" " * 300_000 + b"]}")

    assert (forged.status, unsigned.status, huge.status) == (401, 401, 413)
    assert (await forged.json(), await huge.json())[0] == {"error": "unauthorized"}
    assert graph.lead_reads == []
    assert await web_app.stored_rows() == dict.fromkeys(await web_app.stored_rows(), 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"object": "instagram", "entry": []}, "object", id="other-object"),
        pytest.param(leadgen_delivery("12; DROP TABLE leads"), "leadgen_id", id="id-not-digits"),
        pytest.param(leadgen_delivery({"nested": "junk"}), "leadgen_id", id="id-an-object"),
        pytest.param({"object": "page"}, "entry", id="no-entry"),
    ],
)
async def test_a_malformed_delivery_is_a_400_naming_the_field(
    web_app: Web, graph: FakeGraphApi, payload: dict[str, Any], field: str
) -> None:
    response = await post(web_app, payload)

    assert response.status == 400
    assert (await response.json())["field"].startswith(field)
    assert await leads(web_app) == []


async def test_when_meta_cannot_be_read_nothing_is_kept_and_meta_delivers_again(
    web_app: Web, graph: FakeGraphApi
) -> None:
    graph.refuse_next(500, 2, "An unexpected error has occurred.")

    refused = await post(web_app, leadgen_delivery())
    again = await post(web_app, leadgen_delivery())

    assert (refused.status, refused.headers["Retry-After"]) == (503, "5")
    assert await refused.json() == {"error": "lead-not-readable"}
    assert again.status == 200
    assert len(await leads(web_app)) == 1


async def test_without_settings_the_endpoint_is_not_there(web_app: Web) -> None:
    response = await post(web_app, leadgen_delivery())

    assert response.status == 404
