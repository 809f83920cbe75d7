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
from web.bodies import form_fields
from web.context import context_of
from web.keyed import accepted_channel, limited_body
from web.requests import mark

SECRET_HEADER = "X-Form-Secret"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RECEIVED = {"status": "received"}


async def receive_form(request: web.Request) -> web.Response:
    mark(request, channel="form")
    context = context_of(request)
    body = await limited_body(request, channel="form")
    async with context.unit_of_work() as session:
        channel = await accepted_channel(
            session, request, kind=IntakeKind.WEB_FORM, secret_header=SECRET_HEADER
        )
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
