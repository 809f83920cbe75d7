"""Every request: one log line (method, path without its query, status, outcome, time; never
a secret or a body), counted in the metrics by channel and outcome, and answered in JSON
whatever happens, a refusal with its reason."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from web.context import context_of
from web.errors import Rejection

log = logging.getLogger("web.requests")
# Set by a handler: the channel a request came in by, and what became of it.
CHANNEL = web.RequestKey("channel", str)
OUTCOME = web.RequestKey("outcome", str)


def mark(request: web.Request, *, channel: str | None = None, outcome: str | None = None) -> None:
    if channel is not None:
        request[CHANNEL] = channel
    if outcome is not None:
        request[OUTCOME] = outcome


@web.middleware
async def log_and_count(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except Rejection as rejection:
        mark(request, outcome=rejection.code)
        response = rejection.response()
    except web.HTTPException as refused:
        # aiohttp's own: no such route (404) or method (405).
        mark(request, outcome=refused.reason.lower().replace(" ", "-"))
        # Its own headers worth keeping (Allow on a 405), with our body instead of its text.
        kept = {
            name: value
            for name, value in refused.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        response = web.json_response(
            {"error": request[OUTCOME]}, status=refused.status, headers=kept
        )
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        mark(request, outcome="internal-error")
        response = web.json_response({"error": "internal-error"}, status=500)
    elapsed_ms = (time.perf_counter() - started) * 1000
    channel = request.get(CHANNEL)
    outcome = request.get(OUTCOME, "ok")
    if channel is not None:
        context_of(request).metrics.intake_requests.labels(channel, outcome).inc()
    log.info(
        "%s %s %s %s %.1fms", request.method, request.path, response.status, outcome, elapsed_ms
    )
    return response
