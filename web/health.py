"""``/healthz`` (the process answers), ``/readyz`` (the database answers and is at the newest
migration) and ``/metrics`` (Prometheus' text format)."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm.migrate import schema_is_current
from crm.models import utcnow
from crm.outbox import outbox_health
from web.context import context_of
from web.metrics import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with context_of(request).session_factory() as session:
            await session.execute(text("SELECT 1"))
            current = await schema_is_current(session)
    except (SQLAlchemyError, OSError) as error:
        log.warning("not ready: the database is unreachable (%s)", type(error).__name__)
        return web.json_response({"status": "database-unreachable"}, status=503)
    if not current:
        return web.json_response({"status": "migrations-pending"}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    context = context_of(request)
    try:
        async with context.session_factory() as session:
            health = await outbox_health(session)
    except (SQLAlchemyError, OSError) as error:
        log.warning("metrics without the outbox: database unreachable (%s)", type(error).__name__)
        context.metrics.database_up.set(0)
    else:
        context.metrics.observe_outbox(health, utcnow())
    return web.Response(
        body=context.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
