"""What every keyed intake endpoint (a web form, the website chat) does before reading what
was sent: refuse a body over the limit and a key sending too fast, then find the key's open
channel and check the caller's secret or signature."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import IntakeChannel, IntakeKind
from crm.services.intake import channel_accepts, channel_by_key
from web.bodies import read_body, refuse_declared_oversize
from web.context import context_of
from web.errors import Rejection

SIGNATURE_PARAMETER = "sig"


async def limited_body(request: web.Request, *, channel: str) -> bytes:
    """The body, once its size and the key's pace are within limits (413, 429)."""
    context = context_of(request)
    refuse_declared_oversize(request, context.settings.body_limit)
    wait = context.limiter.wait_needed(f"{channel}:{request.match_info['key']}")
    if wait:
        raise Rejection(429, "rate-limited", retry_after=wait)
    return await read_body(request, context.settings.body_limit)


async def accepted_channel(
    session: AsyncSession, request: web.Request, *, kind: IntakeKind, secret_header: str
) -> IntakeChannel:
    """The key's open channel, if the caller holds its secret or signature (404, 401)."""
    channel = await channel_by_key(session, kind=kind, key=request.match_info["key"])
    if channel is None:
        raise Rejection(404, "unknown-key")
    if not channel_accepts(
        channel,
        secret=request.headers.get(secret_header),
        signature=request.query.get(SIGNATURE_PARAMETER),
    ):
        raise Rejection(401, "unauthorized")
    return channel
