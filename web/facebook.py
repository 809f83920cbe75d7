"""``/intake/facebook``: the Facebook Lead Ads (``leadgen``) webhook.

``GET`` is Meta's subscription check and ``POST`` deliveries are signed, as
:mod:`web.meta_webhooks` describes. A delivery names new leads only by id: each is read from
the Graph API before any transaction opens, then taken in once. A leadgen id taken in before
is not read again and changes nothing. When Meta cannot be read, nothing is kept and Meta is
told to deliver again later (503 with ``Retry-After``). Without the verify token, the app
secret and an access token set, the endpoint is not there (404).
"""

from __future__ import annotations

import logging
from typing import Literal

from aiohttp import web
from pydantic import Field, field_validator

from crm.services.lead_ads import LeadAdsLead, take_in_lead_ad, was_taken_in
from web.context import RETRY_AFTER_OUTAGE_SECONDS, LeadAdsReader, WebContext, context_of
from web.errors import Rejection
from web.graph_api import GraphApiError
from web.meta_webhooks import Lenient, answer_subscription, parsed, signed_body
from web.requests import mark

log = logging.getLogger(__name__)
RECEIVED = {"status": "received"}
MAX_ID_DIGITS = 32


class _Leadgen(Lenient):
    # Meta's reference shows the ids as numbers; real deliveries send strings of digits.
    leadgen_id: str = Field(pattern=rf"^\d{{1,{MAX_ID_DIGITS}}}$")
    form_id: str | None = Field(default=None, pattern=rf"^\d{{1,{MAX_ID_DIGITS}}}$")

    @field_validator("leadgen_id", "form_id", mode="before")
    @classmethod
    def digits_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Change(Lenient):
    field: str
    value: dict[str, object]


class _Entry(Lenient):
    changes: list[_Change] = Field(default_factory=list)


class _Delivery(Lenient):
    object: Literal["page"]
    entry: list[_Entry]


def _configured(request: web.Request) -> tuple[WebContext, LeadAdsReader]:
    context = context_of(request)
    settings = context.settings
    if not (settings.facebook_verify_token and settings.facebook_app_secret and context.lead_ads):
        raise Rejection(404, "not-configured")
    return context, context.lead_ads


async def verify_subscription(request: web.Request) -> web.Response:
    mark(request, channel="facebook")
    context, _ = _configured(request)
    assert context.settings.facebook_verify_token is not None
    return answer_subscription(request, context.settings.facebook_verify_token)


def new_leads(delivery: _Delivery) -> list[_Leadgen]:
    """The leads a delivery announces; changes of other fields are left alone."""
    leads = []
    for entry in delivery.entry:
        for change in entry.changes:
            if change.field == "leadgen":
                leads.append(parsed(_Leadgen, change.value))
    return leads


async def receive_leads(request: web.Request) -> web.Response:
    mark(request, channel="facebook")
    context, reader = _configured(request)
    settings = context.settings
    assert settings.facebook_app_secret is not None
    body = await signed_body(
        request, app_secret=settings.facebook_app_secret, limit=settings.body_limit
    )
    announced = new_leads(parsed(_Delivery, body))
    outcomes = [await _take_in(context, reader, lead) for lead in announced]
    mark(request, outcome="+".join(sorted(set(outcomes))) or "ignored")
    return web.json_response(RECEIVED)


async def _take_in(context: WebContext, reader: LeadAdsReader, announced: _Leadgen) -> str:
    async with context.unit_of_work() as session:
        if await was_taken_in(session, announced.leadgen_id):
            return "duplicate"
    lead = await _read(reader, announced)
    async with context.unit_of_work() as session:
        intake = await take_in_lead_ad(
            session,
            lead=lead,
            phone_region=context.settings.phone_region,
            currency=context.settings.currency,
        )
        await context.commit(session)
    return intake.result.value


async def _read(reader: LeadAdsReader, announced: _Leadgen) -> LeadAdsLead:
    try:
        lead = await reader.leadgen_lead(announced.leadgen_id)
    except GraphApiError as error:
        log.warning("Lead Ads lead %s could not be read: %s", announced.leadgen_id, error)
        raise Rejection(503, "lead-not-readable", retry_after=RETRY_AFTER_OUTAGE_SECONDS) from None
    answers = {
        _storable(name): [_storable(value) for value in values]
        for name, values in lead.answers.items()
    }
    return LeadAdsLead(announced.leadgen_id, lead.form_id or announced.form_id, answers)


def _storable(text: str) -> str:
    """What Meta's people typed, as text a database holds: without NUL characters and with
    halves of surrogate pairs replaced. Refusing it would only make Meta deliver it again."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
