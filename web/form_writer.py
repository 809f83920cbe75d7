"""Web-form submissions written together (group commit).

A submission arriving while others are being written waits for the next turn, which takes
every submission waiting (``BATCH_MAX`` at most) in one session, one transaction and one
commit, instead of a session, a turn at the database and a commit each. Each request is
still answered only once its own submission is committed.

What the submissions hold is checked before they share a transaction: an unknown key (404),
a wrong secret (401), a body that is no form (400, 415) and bad contact details (400) are
answered on their own and never reach it. Should the shared transaction fail anyway (the
database, a check only the writing makes), it is rolled back and each of its submissions is
written again alone, as if it had come alone: one bad submission fails nobody else's.

A submission whose key another process is taking in at this moment (a replay sent to both
at once, PostgreSQL) is left for the next turn, which answers it as the replay it is: its
turn never waits for that other process's commit.

On PostgreSQL a second turn may be written while one is: once enough submissions wait to be
worth a turn's fixed cost (about ten statements), or when the turn being written has taken
long enough to be waiting for the database (a lock another transaction holds). Started for
every submission that arrived meanwhile, second turns of one or two leads spent the CPU the
process lacked at 500 requests a second. SQLite writes one transaction at a time however
many ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import CrmError
from crm.models import IntakeChannel, IntakeKind
from crm.services.forms import Submission, check_submission, submit_forms
from crm.services.intake import Intake, channel_accepts, channel_by_key
from web.bodies import form_fields
from web.context import WebContext
from web.errors import Rejection

# Enough for a burst to share a transaction, few enough that a turn stays short.
BATCH_MAX = 64
# Turns written at once, by database; one where it is not named. Two on PostgreSQL took a
# process from about 480 to 620 web-form leads a second (bench --intake, alternated runs).
WRITERS = {"postgresql": 2}
# While a turn is being written, another starts once this many submissions wait...
SECOND_TURN_BACKLOG = 16
# ...or once the turn being written has taken this long (a turn takes 10-50 ms under load).
SECOND_TURN_AFTER_S = 0.2


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """A request to ``POST /intake/forms/{key}``, as read from the wire."""

    channel_key: str
    secret: str | None
    signature: str | None
    body: bytes
    content_type: str
    submission_key: str | None


@dataclass(frozen=True, slots=True)
class _Waiting:
    submission: FormSubmission
    answer: asyncio.Future[Intake]


@dataclass(frozen=True, slots=True)
class _Checked:
    waiting: _Waiting
    submission: Submission


class FormWriter:
    """Takes the web app's form submissions in, in turns of all those waiting."""

    def __init__(self, context: WebContext) -> None:
        self._context = context
        self._waiting: deque[_Waiting] = deque()
        # What a writer waiting for its turn looks at again: a submission, a turn's end.
        self._changed = asyncio.Event()
        self._turns_started: list[float] = []
        self._writers: list[asyncio.Task[None]] = []

    async def submit(self, submission: FormSubmission) -> Intake:
        """What the submission became, once it is committed; a :class:`Rejection` if it is
        refused."""
        answer: asyncio.Future[Intake] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(submission, answer))
        self._changed.set()
        if not self._writers:
            self._writers = [
                asyncio.create_task(self._write_in_turns()) for _ in range(self._writer_count())
            ]
        return await answer

    async def close(self) -> None:
        for writer in self._writers:
            writer.cancel()
        for writer in self._writers:
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    def _writer_count(self) -> int:
        bind = self._context.session_factory.kw["bind"]
        return WRITERS.get(bind.dialect.name, 1)

    async def _write_in_turns(self) -> None:
        while True:
            batch = await self._next_batch()
            started = time.monotonic()
            self._turns_started.append(started)
            try:
                await self._write(batch)
            except Exception:
                # Rolled back: whatever went wrong, each one not yet answered is written
                # alone, as if it had come alone.
                for waiting in batch:
                    if not waiting.answer.done():
                        await self._write_alone(waiting)
            finally:
                self._turns_started.remove(started)
                self._changed.set()

    async def _next_batch(self) -> list[_Waiting]:
        """The submissions of this writer's next turn, once it may start one."""
        while (wait_s := self._wait_before_a_turn()) != 0:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait_s)
        return [self._waiting.popleft() for _ in range(min(BATCH_MAX, len(self._waiting)))]

    def _wait_before_a_turn(self) -> float | None:
        """0 when a turn may start now; else how long until it may, at most (None: until a
        submission comes)."""
        if not self._waiting:
            return None
        if not self._turns_started or len(self._waiting) >= SECOND_TURN_BACKLOG:
            return 0
        return max(0.0, SECOND_TURN_AFTER_S - (time.monotonic() - min(self._turns_started)))

    async def _write_alone(self, waiting: _Waiting) -> None:
        try:
            await self._write([waiting])
        except Exception as error:
            _refuse(waiting, error)

    async def _write(self, batch: list[_Waiting]) -> None:
        """Write the batch in one transaction, then answer each of it."""
        async with self._context.unit_of_work() as session:
            checked = await self._checked(session, batch)
            intakes = await self._submit(session, checked)
            await self._context.commit(session)
        for one, intake in zip(checked, intakes, strict=True):
            if intake is None:
                # Its key is being taken in by another process: the next turn finds it
                # taken in (a replay) without this one having waited for that commit.
                self._waiting.append(one.waiting)
            else:
                _answer(one.waiting, intake)

    async def _checked(self, session: AsyncSession, batch: list[_Waiting]) -> list[_Checked]:
        """Those of ``batch`` whose channel, secret, body and contact check out; the others
        are answered with their refusal."""
        channels: dict[str, IntakeChannel | None] = {}
        checked = []
        for waiting in batch:
            submission = waiting.submission
            key = submission.channel_key
            if key not in channels:
                channels[key] = await channel_by_key(session, kind=IntakeKind.WEB_FORM, key=key)
            try:
                channel = _accepted(channels[key], submission)
                fields = form_fields(submission.body, submission.content_type)
                check_submission(
                    channel,
                    fields,
                    submission_key=submission.submission_key,
                    phone_region=self._context.settings.phone_region,
                )
            except Rejection as rejection:
                _refuse(waiting, rejection)
            except CrmError as error:
                _refuse(waiting, Rejection.of(error))
            else:
                checked.append(
                    _Checked(waiting, Submission(channel, fields, submission.submission_key))
                )
        return checked

    async def _submit(self, session: AsyncSession, checked: list[_Checked]) -> list[Intake | None]:
        settings = self._context.settings
        return await submit_forms(
            session,
            [one.submission for one in checked],
            phone_region=settings.phone_region,
            currency=settings.currency,
            defer_held=True,
        )


def _accepted(channel: IntakeChannel | None, submission: FormSubmission) -> IntakeChannel:
    """The channel, if the submission holds its secret or signature (404, 401)."""
    if channel is None:
        raise Rejection(404, "unknown-key")
    if not channel_accepts(channel, secret=submission.secret, signature=submission.signature):
        raise Rejection(401, "unauthorized")
    return channel


def _answer(waiting: _Waiting, intake: Intake) -> None:
    # A request given up on (its client gone) has no one left to answer.
    if not waiting.answer.done():
        waiting.answer.set_result(intake)


def _refuse(waiting: _Waiting, error: Exception) -> None:
    if not waiting.answer.done():
        waiting.answer.set_exception(error)


FORM_WRITER = web.AppKey("form_writer", FormWriter)
