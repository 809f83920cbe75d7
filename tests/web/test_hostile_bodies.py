"""Whatever a sender posts (wrong types, huge strings, nested junk, invalid UTF-8, wrong
content types), no intake endpoint answers 500, and a refused request stores nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import IntakeChannel, IntakeKind
from crm.services.intake import open_channel
from crm.services.lead_ads import LeadAdsLead
from tests.web.conftest import Team, Web
from web.context import IntakeSettings

APP_SECRET = "hostile-test-app-secret"
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/xml",
    "",
]
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# JSON values of every shape, strings of any Unicode (surrogate halves and NUL included).
texts = st.text(st.characters(codec=None), max_size=50) | st.sampled_from(
    ["\x00", "\ud800", "x" * 5000, "+380" + "9" * 300, "<script>", "%FF"]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)
junk_objects = st.dictionaries(texts, json_values, max_size=8)
# At least one field that is no text: an object, or a list holding one.
nested_junk = st.tuples(
    junk_objects,
    st.sampled_from(["name", "phone", "your-name", "message", "x"]),
    st.dictionaries(texts, json_values, min_size=1, max_size=3)
    | st.lists(st.dictionaries(texts, json_values, min_size=1), min_size=1, max_size=3),
).map(lambda parts: {**parts[0], parts[1]: parts[2]})
not_objects = st.lists(json_values, max_size=5) | st.integers() | texts | st.none()
not_utf8 = st.tuples(st.binary(max_size=200), st.binary(max_size=200)).map(
    lambda halves: halves[0] + b"\xff\xfe\xc3" + halves[1]
)
too_long_names = st.integers(min_value=201, max_value=20_000).map(
    lambda length: {"name": "Я" * length, "phone": "+380671234567"}
)


def as_json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


@pytest.fixture
def intake_settings() -> IntakeSettings:
    return IntakeSettings(
        per_minute=1_000_000,
        whatsapp_verify_token="token",
        whatsapp_app_secret=APP_SECRET,
        facebook_verify_token="token",
        facebook_app_secret=APP_SECRET,
    )


@pytest.fixture
async def form(session: AsyncSession, team: Team) -> IntakeChannel:
    form = await open_channel(
        session, actor=team.admin, kind=IntakeKind.WEB_FORM, name="Site", responsible_id=None
    )
    await session.commit()
    return form


@pytest.fixture
async def shop(session: AsyncSession, team: Team) -> IntakeChannel:
    shop = await open_channel(
        session, actor=team.admin, kind=IntakeKind.WOOCOMMERCE, name="Shop", responsible_id=None
    )
    await session.commit()
    return shop


async def post_form(web_app: Web, form: IntakeChannel, body: bytes, content_type: str) -> int:
    response = await web_app.client.post(
        f"/intake/forms/{form.key}",
        data=body,
        headers={"X-Form-Secret": form.secret, "Content-Type": content_type},
    )
    return response.status


async def assert_refused_and_nothing_stored(web_app: Web, status: int) -> None:
    assert 400 <= status < 500, status
    assert set((await web_app.stored_rows()).values()) == {0}


@PROPERTY
@given(body=nested_junk | not_objects)
async def test_json_that_is_no_flat_object_is_refused(
    web_app: Web, form: IntakeChannel, body: Any
) -> None:
    status = await post_form(web_app, form, as_json(body), "application/json")

    await assert_refused_and_nothing_stored(web_app, status)


@PROPERTY
@given(body=not_utf8, content_type=st.sampled_from(CONTENT_TYPES[:2]))
async def test_bytes_that_are_not_utf8_are_refused(
    web_app: Web, form: IntakeChannel, body: bytes, content_type: str
) -> None:
    status = await post_form(web_app, form, body, content_type)

    await assert_refused_and_nothing_stored(web_app, status)


@PROPERTY
@given(body=st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES[2:]))
async def test_other_content_types_are_refused(
    web_app: Web, form: IntakeChannel, body: bytes, content_type: str
) -> None:
    status = await post_form(web_app, form, body, content_type)

    await assert_refused_and_nothing_stored(web_app, status)


@PROPERTY
@given(body=too_long_names)
async def test_huge_strings_are_refused(web_app: Web, form: IntakeChannel, body: Any) -> None:
    status = await post_form(web_app, form, as_json(body), "application/json")

    await assert_refused_and_nothing_stored(web_app, status)


@PROPERTY
@given(
    body=junk_objects.map(as_json) | st.binary(max_size=300),
    content_type=st.sampled_from(CONTENT_TYPES),
)
async def test_no_form_body_is_a_server_error(
    web_app: Web, form: IntakeChannel, body: bytes, content_type: str
) -> None:
    before = await web_app.stored_rows()

    status = await post_form(web_app, form, body, content_type)

    assert status < 500, status
    if status >= 300:
        assert await web_app.stored_rows() == before


@PROPERTY
@given(
    body=json_values.map(as_json) | st.binary(max_size=300),
    content_type=st.sampled_from(CONTENT_TYPES),
    topic=st.sampled_from(["order.created", "order.updated", "product.created", ""]),
)
async def test_no_signed_shop_delivery_is_a_server_error(
    web_app: Web, shop: IntakeChannel, body: bytes, content_type: str, topic: str
) -> None:
    before = await web_app.stored_rows()
    signature = base64.b64encode(hmac.new(shop.secret.encode(), body, hashlib.sha256).digest())

    response = await web_app.client.post(
        f"/intake/woocommerce/{shop.key}",
        data=body,
        headers={
            "Content-Type": content_type,
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Signature": signature.decode(),
        },
    )

    assert response.status < 500, response.status
    if response.status >= 300:
        assert await web_app.stored_rows() == before


@PROPERTY
@given(body=json_values.map(as_json) | st.binary(max_size=300) | nested_junk.map(as_json))
async def test_no_signed_whatsapp_delivery_is_a_server_error(
    web_app: Web, team: Team, body: bytes
) -> None:
    before = await web_app.stored_rows()
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = await web_app.client.post(
        "/intake/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
    )

    assert response.status < 500, response.status
    if response.status >= 300:
        assert await web_app.stored_rows() == before


@PROPERTY
@given(
    key=texts.filter(lambda key: "/" not in key and "?" not in key and "#" not in key),
    headers=st.dictionaries(
        st.sampled_from(["X-Form-Secret", "Idempotency-Key", "X-WC-Webhook-Signature"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
    ),
)
async def test_no_key_or_header_is_a_server_error(
    web_app: Web, form: IntakeChannel, key: str, headers: dict[str, str]
) -> None:
    for path in (f"/intake/forms/{key}", f"/intake/woocommerce/{key}"):
        response = await web_app.client.post(path, json={"name": "Olena"}, headers=headers)
        assert response.status < 500, (path, response.status)
    assert set((await web_app.stored_rows()).values()) == {0}


@dataclass
class JunkLeadAds:
    """Meta answering each lead with whatever the test gives it."""

    answers: dict[str, list[str]]

    async def leadgen_lead(self, leadgen_id: str) -> LeadAdsLead:
        return LeadAdsLead(leadgen_id, None, self.answers)


leadgen_ids = st.integers(min_value=0, max_value=10**20).map(str) | json_values
lead_ads_deliveries = st.tuples(leadgen_ids, json_values).map(
    lambda parts: {
        "object": "page",
        "entry": [
            {
                "changes": [
                    {"field": "leadgen", "value": {"leadgen_id": parts[0], "form_id": parts[1]}}
                ]
            }
        ],
    }
)


@PROPERTY
@given(
    body=json_values.map(as_json) | st.binary(max_size=300) | lead_ads_deliveries.map(as_json),
    answers=st.dictionaries(texts, st.lists(texts, max_size=3), max_size=6),
)
async def test_no_signed_lead_ads_delivery_is_a_server_error(
    web_app: Web, team: Team, body: bytes, answers: dict[str, list[str]]
) -> None:
    web_app.context.lead_ads = JunkLeadAds(answers)
    before = await web_app.stored_rows()
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = await web_app.client.post(
        "/intake/facebook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
    )

    assert response.status < 500, response.status
    if response.status >= 300:
        assert await web_app.stored_rows() == before
