"""``POST /intake/forms/{key}``: a web form's submission, JSON or form-encoded.

Refused, in this order and with nothing stored: a body over the limit (413), a key sending
too fast (429 with ``Retry-After``), an unknown key (404), neither the form's secret in
``X-Form-Secret`` nor its signature in ``?sig=`` (401), a body that is no form (400, 415), bad
contact details (400 naming the field). Anything taken in is answered 200 after the commit,
the same way whether it made a lead, joined one, was a replay or a spam bot's.
"""

from __future__ import annotations

from aiohttp import web

from crm.models import IntakeKind
from crm.services.forms import submit_form
from crm.services.intake import channel_accepts, channel_by_key
from web.bodies import form_fields, read_body, refuse_declared_oversize
from web.context import context_of
from web.errors import Rejection
from web.requests import mark

SECRET_HEADER = "X-Form-Secret"
SIGNATURE_PARAMETER = "sig"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RECEIVED = {"status": "received"}


async def receive_form(request: web.Request) -> web.Response:
    mark(request, channel="form")
    context = context_of(request)
    key = request.match_info["key"]
    refuse_declared_oversize(request, context.settings.body_limit)
    wait = context.limiter.wait_needed(f"form:{key}")
    if wait:
        raise Rejection(429, "rate-limited", retry_after=wait)
    body = await read_body(request, context.settings.body_limit)
    async with context.unit_of_work() as session:
        channel = await channel_by_key(session, kind=IntakeKind.WEB_FORM, key=key)
        if channel is None:
            raise Rejection(404, "unknown-key")
        if not channel_accepts(
            channel,
            secret=request.headers.get(SECRET_HEADER),
            signature=request.query.get(SIGNATURE_PARAMETER),
        ):
            raise Rejection(401, "unauthorized")
        intake = await submit_form(
            session,
            channel=channel,
            fields=form_fields(body, request.content_type),
            submission_key=request.headers.get(IDEMPOTENCY_HEADER),
            phone_region=context.settings.phone_region,
            currency=context.settings.currency,
        )
        await context.commit(session)
    mark(request, outcome=intake.result.value)
    return web.json_response(RECEIVED)
