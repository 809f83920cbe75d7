"""A web form's submissions become leads for the right person, once, and nothing else does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import notifications
from crm.models import (
    Activity,
    ActivityKind,
    FieldPreset,
    IntakeChannel,
    IntakeKind,
    Lead,
    LeadSource,
    Staff,
)
from crm.services.intake import address_signature, open_channel
from tests.web.conftest import Team, Web, outbox_kinds
from web.context import IntakeSettings

pytestmark = pytest.mark.usefixtures("team")


async def new_form(
    session: AsyncSession,
    admin: Staff,
    *,
    responsible: Staff | None,
    preset: FieldPreset = FieldPreset.GENERIC,
    name: str = "Contact us",
) -> IntakeChannel:
    form = await open_channel(
        session,
        actor=admin,
        kind=IntakeKind.WEB_FORM,
        name=name,
        responsible_id=responsible.id if responsible else None,
        preset=preset,
    )
    await session.commit()
    return form


def form_url(form: IntakeChannel) -> str:
    return f"/intake/forms/{form.key}"


def secret_of(form: IntakeChannel) -> dict[str, str]:
    return {"X-Form-Secret": form.secret}


async def leads(web: Web) -> list[Lead]:
    async with web.sessions() as session:
        return list(await session.scalars(select(Lead).order_by(Lead.id)))


async def messages_of(web: Web, lead_id: int) -> list[str | None]:
    async with web.sessions() as session:
        rows = await session.scalars(
            select(Activity.text)
            .where(Activity.lead_id == lead_id, Activity.kind == ActivityKind.MESSAGE)
            .order_by(Activity.id)
        )
        return list(rows)


async def test_a_json_submission_makes_a_lead_for_the_forms_person_and_tells_the_team(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    response = await web_app.client.post(
        form_url(form),
        json={
            "name": "Олена Петренко",
            "phone": "067 123 45 67",
            "email": "Olena@Example.COM",
            "message": "Хочу дізнатися ціну на 20 місць",
        },
        headers=secret_of(form),
    )

    assert response.status == 200
    assert await response.json() == {"status": "received"}
    (lead,) = await leads(web_app)
    assert (lead.title, lead.phone, lead.email) == (
        "Олена Петренко",
        "+380671234567",
        "olena@example.com",
    )
    assert (lead.source, lead.source_detail) == (LeadSource.WEB_FORM, "Contact us")
    assert lead.responsible_id == team.rep.id
    assert await messages_of(web_app, lead.id) == ["Хочу дізнатися ціну на 20 місць"]
    assert await outbox_kinds(web_app.sessions) == [
        (team.admin.id, notifications.LEAD_CREATED),
        (team.manager.id, notifications.LEAD_CREATED),
        (team.rep.id, notifications.LEAD_ASSIGNED),
    ]
    assert web_app.outbox.wakes == 1


async def test_a_plain_html_form_posts_form_encoded_to_its_signed_url(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    response = await web_app.client.post(
        form_url(form),
        params={"sig": address_signature(form)},
        data={"name": "Ivan", "email": "ivan@example.com", "homepage": ""},
    )

    assert response.status == 200
    (lead,) = await leads(web_app)
    assert (lead.title, lead.email) == ("Ivan", "ivan@example.com")


async def test_contact_form_7_fields_map_and_the_other_fields_follow_the_message(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(
        session, team.admin, responsible=team.rep, preset=FieldPreset.CONTACT_FORM_7
    )

    # The flat JSON of the "CF7 to Webhook" plugin; checkboxes arrive as arrays.
    response = await web_app.client.post(
        form_url(form),
        json={
            "your-name": "Mykola Bondar",
            "your-email": "mykola@example.com",
            "your-tel": "+380 50 765 43 21",
            "your-subject": "Opt",
            "your-message": "Call me after 5",
            "services": ["Delivery", "Installation"],
            "acceptance-terms": "1",
        },
        headers=secret_of(form),
    )

    assert response.status == 200
    (lead,) = await leads(web_app)
    assert (lead.title, lead.phone, lead.email) == (
        "Mykola Bondar",
        "+380507654321",
        "mykola@example.com",
    )
    assert await messages_of(web_app, lead.id) == [
        "Call me after 5\nyour-subject: Opt\nservices: Delivery, Installation\nacceptance-terms: 1"
    ]


async def test_a_known_persons_new_submission_joins_their_open_lead_and_tells_its_owner(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    first = {"name": "Olena", "phone": "+380671234567", "message": "Price?"}
    await web_app.client.post(form_url(form), json=first, headers=secret_of(form))
    told_before = len(await outbox_kinds(web_app.sessions))

    response = await web_app.client.post(
        form_url(form),
        json={"name": "Olena P.", "phone": "0671234567", "message": "Any news?"},
        headers=secret_of(form),
    )

    assert response.status == 200
    (lead,) = await leads(web_app)
    assert await messages_of(web_app, lead.id) == ["Price?", "Any news?"]
    assert (await outbox_kinds(web_app.sessions))[told_before:] == [
        (team.rep.id, notifications.LEAD_RETURNED)
    ]


async def test_without_a_chosen_person_leads_go_round_the_active_reps(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=None)

    for number in range(3):
        response = await web_app.client.post(
            form_url(form),
            json={"name": f"Visitor {number}", "email": f"visitor{number}@example.com"},
            headers=secret_of(form),
        )
        assert response.status == 200

    first, second, third = [lead.responsible_id for lead in await leads(web_app)]
    assert {first, second} == {team.rep.id, team.other_rep.id}
    assert third == first


async def test_leads_arriving_at_once_still_go_round_the_reps_evenly(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=None)

    async def submit(number: int) -> int:
        response = await web_app.client.post(
            form_url(form),
            json={"name": f"Visitor {number}", "email": f"visitor{number}@example.com"},
            headers=secret_of(form),
        )
        return response.status

    statuses = await asyncio.gather(*(submit(number) for number in range(6)))

    assert statuses == [200] * 6
    owners = [lead.responsible_id for lead in await leads(web_app)]
    assert sorted(owners) == sorted([team.rep.id, team.other_rep.id] * 3)


async def test_many_people_submitting_at_once_are_all_taken_in(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    """On SQLite too, where one writer at a time gets in: none is refused as "not saved"."""
    form = await new_form(session, team.admin, responsible=None)

    async def submit(number: int) -> int:
        response = await web_app.client.post(
            form_url(form),
            json={"name": f"Visitor {number}", "phone": f"+38067{number:07d}"},
            headers={**secret_of(form), "Idempotency-Key": f"visit-{number}"},
        )
        return response.status

    statuses = await asyncio.gather(*(submit(number) for number in range(40)))

    assert statuses == [200] * 40
    assert len(await leads(web_app)) == 40


async def test_a_form_whose_person_left_gives_its_leads_to_the_reps_in_turn(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.other_rep)
    leaver = await session.get(Staff, team.other_rep.id)
    assert leaver is not None
    leaver.is_active = False
    await session.commit()

    response = await web_app.client.post(
        form_url(form), json={"name": "Ivan", "phone": "+380931112233"}, headers=secret_of(form)
    )

    assert response.status == 200
    assert [lead.responsible_id for lead in await leads(web_app)] == [team.rep.id]


async def test_a_submission_sent_again_with_its_key_is_taken_in_once(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    headers = {**secret_of(form), "Idempotency-Key": "4f1c2a9e-submission"}
    body = {"name": "Olena", "phone": "+380671234567", "message": "Price?"}

    answers = [
        await web_app.client.post(form_url(form), json=body, headers=headers) for _ in range(3)
    ]

    assert [answer.status for answer in answers] == [200, 200, 200]
    (lead,) = await leads(web_app)
    assert await messages_of(web_app, lead.id) == ["Price?"]
    assert (await web_app.stored_rows())["intake_receipts"] == 1


async def test_the_same_submission_sent_at_once_many_times_is_taken_in_once(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    headers = {**secret_of(form), "Idempotency-Key": "sent-by-an-impatient-client"}
    body = {"name": "Olena", "phone": "+380671234567", "message": "Price?"}

    answers = await asyncio.gather(
        *(web_app.client.post(form_url(form), json=body, headers=headers) for _ in range(8))
    )

    assert [answer.status for answer in answers] == [200] * 8
    assert len(await leads(web_app)) == 1
    assert (await web_app.stored_rows())["intake_receipts"] == 1


async def test_a_key_in_a_hidden_field_works_as_the_header_does(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    body = {"name": "Olena", "phone": "+380671234567", "submission_key": "k-1"}

    for _ in range(2):
        await web_app.client.post(
            form_url(form), params={"sig": address_signature(form)}, data=body
        )

    assert len(await leads(web_app)) == 1
    assert await messages_of(web_app, (await leads(web_app))[0].id) == []


async def test_a_filled_honeypot_is_answered_like_anyone_and_stores_nothing(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    response = await web_app.client.post(
        form_url(form),
        json={"name": "Cheap pills", "email": "bot@spam.example", "homepage": "http://spam"},
        headers=secret_of(form),
    )

    assert response.status == 200
    assert await response.json() == {"status": "received"}
    assert set((await web_app.stored_rows()).values()) == {0}


@pytest.mark.parametrize(
    "headers, params",
    [
        ({}, {}),
        ({"X-Form-Secret": "wrong"}, {}),
        ({}, {"sig": "0" * 64}),
        ({}, {"sig": ""}),
    ],
    ids=["none", "wrong-secret", "wrong-signature", "empty-signature"],
)
async def test_without_the_forms_secret_or_signature_nothing_is_stored(
    web_app: Web,
    session: AsyncSession,
    team: Team,
    headers: dict[str, str],
    params: dict[str, str],
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    response = await web_app.client.post(
        form_url(form), json={"name": "Olena"}, headers=headers, params=params
    )

    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_one_forms_secret_opens_no_other_form(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    other = await new_form(session, team.admin, responsible=team.rep, name="Other site")

    by_secret = await web_app.client.post(
        form_url(other), json={"name": "Olena"}, headers=secret_of(form)
    )
    by_signature = await web_app.client.post(
        form_url(other), json={"name": "Olena"}, params={"sig": address_signature(form)}
    )

    assert (by_secret.status, by_signature.status) == (401, 401)


async def test_an_unknown_or_revoked_key_is_not_found(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    revoked = await session.get(IntakeChannel, form.id)
    assert revoked is not None
    revoked.revoked_at = revoked.created_at
    await session.commit()

    for key in (form.key, "no-such-form", "%00", "x" * 300):
        response = await web_app.client.post(
            f"/intake/forms/{key}", json={"name": "Olena"}, headers=secret_of(form)
        )
        assert response.status == 404, key
        assert await response.json() == {"error": "unknown-key"}


@pytest.mark.parametrize(
    "body, content_type, status, error",
    [
        (b"{not json", "application/json", 400, {"error": "body-not-json"}),
        (b"[1, 2]", "application/json", 400, {"error": "body-not-json-object"}),
        (b"\xff\xfe{}", "application/json", 400, {"error": "body-not-json"}),
        (
            b'{"name": {"first": "Olena"}}',
            "application/json",
            400,
            {"error": "field-not-text", "field": "name"},
        ),
        (
            b'{"name": "Olena", "phone": "12"}',
            "application/json",
            400,
            {"error": "phone-invalid", "field": "phone"},
        ),
        (
            b'{"name": "Olena", "email": "not an address"}',
            "application/json",
            400,
            {"error": "email-invalid", "field": "email"},
        ),
        (b'{"message": "no name, no contact"}', "application/json", 400, None),
        (b"name=Ol%FFena", "application/x-www-form-urlencoded", 400, {"error": "body-not-form"}),
        (
            b"name=Ol%00ena",
            "application/x-www-form-urlencoded",
            400,
            {"error": "text-has-nul", "field": "name"},
        ),
        (b"<xml/>", "application/xml", 415, None),
    ],
    ids=[
        "broken-json",
        "json-array",
        "not-utf8",
        "nested-object",
        "bad-phone",
        "bad-email",
        "no-contact",
        "bad-percent-encoding",
        "nul",
        "xml",
    ],
)
async def test_a_malformed_submission_is_told_what_is_wrong_and_stores_nothing(
    web_app: Web,
    session: AsyncSession,
    team: Team,
    body: bytes,
    content_type: str,
    status: int,
    error: dict[str, str] | None,
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    response = await web_app.client.post(
        form_url(form), data=body, headers={**secret_of(form), "Content-Type": content_type}
    )

    assert response.status == status
    answer = await response.json()
    if error is not None:
        assert answer == error
    else:
        assert set(answer) >= {"error"}
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_a_body_over_the_limit_is_refused_by_its_length_or_as_it_streams(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    huge = b'{"name": "' + b"x" * (256 * 1024) + b'"}'

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(huge), 1000):
            yield huge[start : start + 1000]

    declared = await web_app.client.post(
        form_url(form), data=huge, headers={**secret_of(form), "Content-Type": "application/json"}
    )
    chunked = await web_app.client.post(
        form_url(form),
        data=streamed(),
        headers={**secret_of(form), "Content-Type": "application/json"},
    )

    assert (declared.status, chunked.status) == (413, 413)
    assert await declared.json() == {"error": "body-too-large", "details": {"max_bytes": 262144}}
    assert set((await web_app.stored_rows()).values()) == {0}


class TestRateLimit:
    @pytest.fixture
    def intake_settings(self) -> IntakeSettings:
        return IntakeSettings(per_minute=2)

    async def test_a_key_sending_too_fast_is_told_when_to_come_back(
        self, web_app: Web, session: AsyncSession, team: Team
    ) -> None:
        form = await new_form(session, team.admin, responsible=team.rep)

        async def post(number: int) -> ClientResponse:
            return await web_app.client.post(
                form_url(form),
                json={"name": f"Visitor {number}", "email": f"v{number}@example.com"},
                headers=secret_of(form),
            )

        allowed = [await post(number) for number in range(2)]
        refused = await post(2)
        web_app.clock.now += 30
        after_waiting = await post(3)

        assert [response.status for response in allowed] == [200, 200]
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "30"
        assert await refused.json() == {"error": "rate-limited"}
        assert after_waiting.status == 200
        assert [lead.title for lead in await leads(web_app)] == [
            "Visitor 0",
            "Visitor 1",
            "Visitor 3",
        ]
