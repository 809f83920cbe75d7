"""``POST /intake/forms/{key}``: a web form's submission, JSON or form-encoded.

Refused, in this order and with nothing stored: a body over the limit (413), a key sending
too fast (429 with ``Retry-After``), an unknown key (404), neither the form's secret in
``X-Form-Secret`` nor its signature in ``?sig=`` (401), a body that is no form (400, 415), bad
contact details (400 naming the field). Anything taken in is answered 200 after the commit,
the same way whether it made a lead, joined one, was a replay or a spam bot's. Submissions
arriving together are written together (``web.form_writer``).
"""

from __future__ import annotations

from aiohttp import web

from web.form_writer import FORM_WRITER, FormSubmission
from web.keyed import SIGNATURE_PARAMETER, limited_body
from web.requests import mark

SECRET_HEADER = "X-Form-Secret"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RECEIVED = {"status": "received"}


async def receive_form(request: web.Request) -> web.Response:
    mark(request, channel="form")
    body = await limited_body(request, channel="form")
    intake = await request.app[FORM_WRITER].submit(
        FormSubmission(
            channel_key=request.match_info["key"],
            secret=request.headers.get(SECRET_HEADER),
            signature=request.query.get(SIGNATURE_PARAMETER),
            body=body,
            content_type=request.content_type,
            submission_key=request.headers.get(IDEMPOTENCY_HEADER),
        )
    )
    mark(request, outcome=intake.result.value)
    return web.json_response(RECEIVED)
