"""What every request handler of the web app shares: the database, the outbox to wake after
a commit, the intake settings, the metrics and the rate limiter."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import CrmError
from crm.notifications import commit_with_notifications
from crm.services.lead_ads import LeadAdsLead
from web.bodies import BODY_LIMIT
from web.errors import Rejection
from web.metrics import Metrics
from web.rate_limit import RateLimiter

# How soon a sender may try again when the database could not take the request.
RETRY_AFTER_OUTAGE_SECONDS = 5


class Wakeable(Protocol):
    """The outbox sender: told that new messages may have been committed."""

    def wake(self) -> None: ...


class LeadAdsReader(Protocol):
    """Where a Lead Ads lead's answers are read by its id (the Graph API, or a fake)."""

    async def leadgen_lead(self, leadgen_id: str) -> LeadAdsLead: ...


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    phone_region: str = "UA"
    currency: str = "UAH"
    per_minute: int = 60
    body_limit: int = BODY_LIMIT
    whatsapp_verify_token: str | None = None
    whatsapp_app_secret: str | None = None
    facebook_verify_token: str | None = None
    facebook_app_secret: str | None = None


@dataclass(slots=True)
class WebContext:
    session_factory: async_sessionmaker[AsyncSession]
    outbox: Wakeable
    settings: IntakeSettings = field(default_factory=IntakeSettings)
    metrics: Metrics = field(default_factory=Metrics)
    # Set while the server runs when Facebook Lead Ads is set up.
    lead_ads: LeadAdsReader | None = None
    # The rate limiter's clock; tests pass one they move by hand.
    clock: Callable[[], float] = time.monotonic
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.per_minute, clock=self.clock)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One session for the request. A CRM error about the input is a 400; a database
        that cannot answer is a 503 with ``Retry-After``: nothing of the request is kept."""
        try:
            async with self.session_factory() as session:
                yield session
        except CrmError as error:
            raise Rejection.of(error) from None
        except (SQLAlchemyError, OSError) as error:
            raise Rejection(503, "not-saved", retry_after=RETRY_AFTER_OUTAGE_SECONDS) from error

    async def commit(self, session: AsyncSession) -> None:
        """Commit with what it tells people written to the outbox, then wake the sender."""
        await commit_with_notifications(session)
        self.outbox.wake()


CONTEXT = web.AppKey("context", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
