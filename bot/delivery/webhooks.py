"""The sender of outgoing webhooks: claims the oldest waiting delivery of each webhook,
signs it as the Standard Webhooks specification says and posts it, then settles it
(:mod:`crm.webhooks`): a 2xx is delivered for good, anything else is retried with backoff.

Requests go only where :mod:`crm.webhook_targets` allows: every address a name resolves to is
checked and the connection is made to the checked address; redirects are not followed, at
most 64 KB of an answer is read, and a request gives up after 10 seconds."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook as Signer

from bot.delivery.loop import IDLE_POLL_SECONDS, SendingLoop
from bot.delivery.sender import worker_name
from crm import outbox, webhooks
from crm.models import Webhook, WebhookDelivery, utcnow
from crm.webhook_targets import (
    IpAddress,
    Target,
    TargetPolicy,
    TargetRefused,
    check_addresses,
    parse_target,
    resolve,
)

log = logging.getLogger(__name__)
BATCH = 50  # webhooks a round sends to, side by side
RUN = 50  # deliveries of a webhook a round posts one after another
TIMEOUT = aiohttp.ClientTimeout(total=10)
# A run goes on only while its lease outlasts another request and its settling.
LEASE_LEFT_FOR_A_REQUEST = timedelta(seconds=15)
ANSWER_READ_MAX = 64 * 1024
ERROR_ANSWER_SHOWN = 200
USER_AGENT = "telegram-crm-webhooks/1"


class RefusedAddress(OSError):
    """Raised inside the connector, which reports OSErrors as connection failures."""


class CheckedResolver(AbstractResolver):
    """Resolves a name and hands the connector only addresses the policy allows for
    ``scheme``, so what was checked is what is connected to."""

    def __init__(self, policy: TargetPolicy, scheme: str) -> None:
        self.policy = policy
        self.scheme = scheme

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await resolve(host, port)
        try:
            check_addresses(
                Target(url="", scheme=self.scheme, host=host, port=port), addresses, self.policy
            )
        except TargetRefused as refused:
            raise RefusedAddress(_refusal(refused)) from refused
        return [_result(host, address, port) for address in addresses]

    async def close(self) -> None:
        return None


def _result(host: str, address: IpAddress, port: int) -> ResolveResult:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return ResolveResult(
        hostname=host, host=str(address), port=port, family=family, proto=0, flags=0
    )


def _refusal(refused: TargetRefused) -> str:
    details = " ".join(str(value) for value in refused.details.values())
    return f"refused: {refused.code} {details}".strip()


def _literal_address(host: str) -> IpAddress | None:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    return None


class SuccessSettler:
    """Settles the deliveries receivers took, in the background: those that come while a
    transaction runs wait for the next one, so several webhooks' successes share a commit.
    Each :meth:`settle` gives a future that says, once committed, whether it was."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, worker: str) -> None:
        self.session_factory = session_factory
        self.worker = worker
        self._waiting: list[tuple[webhooks.LoggedAttempt, bool, asyncio.Future[bool]]] = []
        self._settling: asyncio.Task[None] | None = None

    def settle(
        self, attempt: webhooks.LoggedAttempt, *, reset_failures: bool
    ) -> asyncio.Future[bool]:
        """``reset_failures``: the webhook's last attempt before this one had failed."""
        settled = asyncio.get_running_loop().create_future()
        self._waiting.append((attempt, reset_failures, settled))
        if self._settling is None or self._settling.done():
            self._settling = asyncio.create_task(self._settle_waiting())
        return settled

    async def _settle_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            committed = await self._commit(
                [attempt for attempt, _, _ in batch],
                reset={attempt.webhook_id for attempt, reset, _ in batch if reset},
            )
            for _, _, settled in batch:
                if not settled.done():  # its run may have been cancelled meanwhile
                    settled.set_result(committed)

    async def _commit(self, attempts: list[webhooks.LoggedAttempt], *, reset: set[int]) -> bool:
        try:
            async with self.session_factory() as session:
                await webhooks.settle_delivered(
                    session, attempts, worker=self.worker, failures_reset=reset
                )
                await session.commit()
        except Exception:  # whatever it was, the runs waiting for it must hear
            log.exception("%d webhook deliveries sent could not be settled", len(attempts))
            return False
        return True


class WebhookSender(SendingLoop):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        policy: TargetPolicy,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        lease: timedelta = outbox.LEASE,
        retries: outbox.RetryPolicy = webhooks.WEBHOOK_RETRIES,
        poll_seconds: float = IDLE_POLL_SECONDS,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds)
        self.session_factory = session_factory
        self.policy = policy
        self.clock = clock
        self.worker = worker or worker_name()
        self.lease = lease
        self.retries = retries
        self._http: dict[str, aiohttp.ClientSession] = {}
        self._successes = SuccessSettler(session_factory, worker=self.worker)

    async def release_claims(self) -> None:
        await self.close()
        async with self.session_factory() as session:
            await webhooks.release_claims(session, worker=self.worker)
            await session.commit()

    async def close(self) -> None:
        for http in self._http.values():
            await http.close()
        self._http.clear()

    async def send_due(self) -> int:
        """Find the webhooks whose oldest delivery is due (claiming it) and send a run of
        each one's deliveries, the webhooks side by side; how many webhooks had one."""
        async with self.session_factory() as session:
            claimed = await webhooks.claim_next(
                session, worker=self.worker, now=self.clock(), limit=BATCH, lease=self.lease
            )
            hooks = await _webhooks_of(session, claimed)
            await session.commit()
        runs = [self._send_run(hooks[delivery.webhook_id]) for delivery in claimed]
        for outcome in await asyncio.gather(*runs, return_exceptions=True):
            if isinstance(outcome, BaseException):  # once every run has stopped
                raise outcome
        return len(claimed)

    async def _send_run(self, hook: Webhook) -> None:
        """Claim up to ``RUN`` of the webhook's oldest deliveries and post them in turn."""
        async with self.session_factory() as session:
            run = await webhooks.claim_run(
                session,
                webhook_id=hook.id,
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=RUN,
            )
            await session.commit()
        unposted = await self._post_in_turn(run, hook)
        if unposted:
            async with self.session_factory() as session:
                await webhooks.release_deliveries(
                    session, [delivery.id for delivery in unposted], worker=self.worker
                )
                await session.commit()

    async def _post_in_turn(
        self, run: list[WebhookDelivery], hook: Webhook
    ) -> list[WebhookDelivery]:
        """Post the run's deliveries one after another, the next once the last was answered,
        so one request at most is in flight and they arrive in order. A success is settled
        in the background while the next is posted, the next but one waiting for that: a
        crash can make only the last success go out again, under its same event id. A
        failure is settled (and the rest handed back) before the run stops. What is left
        unposted when the sender stops or the lease would not outlast another request."""
        settling: asyncio.Future[bool] | None = None
        after_failures = hook.consecutive_failures > 0
        unposted: list[WebhookDelivery] = []
        for turn, delivery in enumerate(run):
            if turn > 0 and not self._may_post_another(delivery):
                unposted = run[turn:]
                break
            result = await self.attempt(delivery, hook)
            if settling is not None and not await settling:
                return []  # no database to settle in: the claims lapse with their lease
            settling = None
            if not result.delivered:
                await self._settle_failure(
                    delivery, result, hook, after_failures=after_failures, rest=run[turn + 1 :]
                )
                return []
            attempt = webhooks.LoggedAttempt.of(delivery, result, at=self.clock())
            settling = self._successes.settle(attempt, reset_failures=after_failures)
            after_failures = False
        if settling is not None and not await settling:
            return []
        return unposted

    def _may_post_another(self, delivery: WebhookDelivery) -> bool:
        lease_end = delivery.claimed_until
        return (
            not self.stopping
            and lease_end is not None
            and self.clock() + LEASE_LEFT_FOR_A_REQUEST <= lease_end
        )

    async def _settle_failure(
        self,
        delivery: WebhookDelivery,
        result: webhooks.AttemptResult,
        hook: Webhook,
        *,
        after_failures: bool,
        rest: list[WebhookDelivery],
    ) -> None:
        log.warning(
            "webhook %s delivery %s failed: %s",
            hook.id,
            delivery.id,
            result.error or result.status_code,
        )
        async with self.session_factory() as session:
            await webhooks.settle_attempt(
                session,
                delivery,
                result,
                worker=self.worker,
                now=self.clock(),
                retries=self.retries,
                after_failures=after_failures,
            )
            await webhooks.release_deliveries(
                session, [each.id for each in rest], worker=self.worker
            )
            await session.commit()

    async def attempt(self, delivery: WebhookDelivery, hook: Webhook) -> webhooks.AttemptResult:
        """One signed POST of the delivery's body: what came back and how long it took."""
        started = time.perf_counter()

        def result(status_code: int | None, error: str | None) -> webhooks.AttemptResult:
            latency_ms = round((time.perf_counter() - started) * 1000)
            return webhooks.AttemptResult(status_code, latency_ms, error)

        try:
            target = parse_target(hook.url)
            literal = _literal_address(target.host)
            if literal is not None:
                check_addresses(target, [literal], self.policy)
            status, answer = await self._post(target, delivery, hook.secret)
        except TargetRefused as refused:
            return result(None, _refusal(refused))
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return result(None, repr(error))
        except Exception as error:  # a bug in one delivery must not stop the sender
            log.exception("webhook %s delivery %s could not be sent", hook.id, delivery.id)
            return result(None, repr(error))
        failure = None if 200 <= status < 300 else f"HTTP {status}: {answer[:ERROR_ANSWER_SHOWN]}"
        return result(status, failure)

    async def _post(
        self, target: Target, delivery: WebhookDelivery, secret: str
    ) -> tuple[int, str]:
        body = delivery.body.encode()
        now = self.clock()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Signer(secret).sign(delivery.event_id, now, body),
        }
        async with self._client(target.scheme).post(
            target.url, data=body, headers=headers, allow_redirects=False
        ) as response:
            answer = await _read_at_most(response, ANSWER_READ_MAX)
            return response.status, answer.decode(errors="replace")

    def _client(self, scheme: str) -> aiohttp.ClientSession:
        """One client per scheme: plain http goes through a resolver that lets only
        private addresses (and only when allowed) through."""
        if scheme not in self._http:
            connector = aiohttp.TCPConnector(resolver=CheckedResolver(self.policy, scheme))
            self._http[scheme] = aiohttp.ClientSession(
                connector=connector, timeout=TIMEOUT, trust_env=False
            )
        return self._http[scheme]


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The answer's first ``limit`` bytes; the rest is not read, and the connection that
    still holds it is closed instead of reused."""
    answer = bytearray()
    while len(answer) < limit:
        chunk = await response.content.read(limit - len(answer))
        if not chunk:
            return bytes(answer)
        answer += chunk
    if not response.content.at_eof():
        response.close()
    return bytes(answer)


async def _webhooks_of(
    session: AsyncSession, deliveries: list[WebhookDelivery]
) -> dict[int, Webhook]:
    ids = {delivery.webhook_id for delivery in deliveries}
    if not ids:
        return {}
    rows = await session.scalars(select(Webhook).where(Webhook.id.in_(ids)))
    return {hook.id: hook for hook in rows}
