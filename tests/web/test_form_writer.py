"""Form submissions arriving together are written together, and each still gets its own
answer: its own lead, its replay taken in once, its refusal kept to itself, and a failed
shared transaction written again one by one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crm.models import IntakeChannel, IntakeReceipt, Lead
from crm.services.forms import Submission, submit_form, submit_forms
from crm.services.intake import Intake, IntakeResult, receipt_scope
from tests.web.conftest import Team, Web
from tests.web.test_forms import leads, new_form
from web import form_writer
from web.errors import Rejection
from web.form_writer import FORM_WRITER, FormSubmission

pytestmark = pytest.mark.usefixtures("team")
JSON = "application/json"


def submission(
    form: IntakeChannel, fields: dict[str, str], key: str | None = None
) -> FormSubmission:
    return FormSubmission(
        channel_key=form.key,
        secret=form.secret,
        signature=None,
        body=json.dumps(fields).encode(),
        content_type=JSON,
        submission_key=key,
    )


def person(number: int) -> dict[str, str]:
    return {"name": f"Visitor {number}", "phone": f"+38067123{number:04d}", "message": "Hi"}


async def submitted_together(web: Web, submissions: list[FormSubmission]) -> list[Any]:
    """Each submission's answer (an Intake, or what refused it), all of them handed to the
    writer before it takes its next turn: one batch."""
    writer = web.client.app[FORM_WRITER]
    return await asyncio.gather(
        *(writer.submit(one) for one in submissions), return_exceptions=True
    )


async def receipts(web: Web) -> list[IntakeReceipt]:
    async with web.sessions() as session:
        return list(await session.scalars(select(IntakeReceipt).order_by(IntakeReceipt.id)))


@contextmanager
def commits_counted(engine: AsyncEngine) -> Iterator[list[None]]:
    commits: list[None] = []

    def count(_connection: Any) -> None:
        commits.append(None)

    event.listen(engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine.sync_engine, "commit", count)


async def test_submissions_arriving_together_share_one_commit_and_each_get_their_own_lead(
    web_app: Web, session: AsyncSession, team: Team, engine: AsyncEngine
) -> None:
    form = await new_form(session, team.admin, responsible=None)

    with commits_counted(engine) as commits:
        answers = await submitted_together(
            web_app, [submission(form, person(n), key=f"key-{n}") for n in range(12)]
        )

    assert len(commits) == 1

    stored = await leads(web_app)
    assert [answer.result for answer in answers] == [IntakeResult.CREATED] * 12
    by_id = {lead.id: lead for lead in stored}
    assert [by_id[answer.lead_id].contact_name for answer in answers] == [
        f"Visitor {n}" for n in range(12)
    ]
    owners = [lead.responsible_id for lead in stored]
    assert (owners.count(team.rep.id), owners.count(team.other_rep.id)) == (6, 6)
    assert {(receipt.external_id, receipt.lead_id) for receipt in await receipts(web_app)} == {
        (f"key-{n}", answer.lead_id) for n, answer in enumerate(answers)
    }


async def test_a_replay_in_the_same_batch_is_taken_in_once(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    first, other = submission(form, person(1), key="once"), submission(form, person(2))

    answers = await submitted_together(web_app, [first, other, first, first])

    assert [answer.result for answer in answers] == [
        IntakeResult.CREATED,
        IntakeResult.CREATED,
        IntakeResult.DUPLICATE,
        IntakeResult.DUPLICATE,
    ]
    assert [lead.contact_name for lead in await leads(web_app)] == ["Visitor 1", "Visitor 2"]
    assert len(await receipts(web_app)) == 1


async def test_the_same_person_twice_in_a_batch_makes_one_lead_with_both_messages(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    again = {**person(1), "message": "Also: delivery?"}

    answers = await submitted_together(
        web_app, [submission(form, person(1)), submission(form, again)]
    )

    assert [answer.result for answer in answers] == [IntakeResult.CREATED, IntakeResult.JOINED]
    (lead,) = await leads(web_app)
    assert {answer.lead_id for answer in answers} == {lead.id}


async def test_a_bad_submission_is_refused_alone_and_its_batch_is_taken_in(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)
    bad_phone = {**person(2), "phone": "12"}
    # Checked only as the lead is written: the batch is rolled back and written one by one.
    long_name = {**person(3), "name": "Я" * 201}

    answers = await submitted_together(
        web_app,
        [
            submission(form, person(1), key="a"),
            submission(form, bad_phone, key="b"),
            submission(form, long_name, key="c"),
            submission(form, person(4), key="d"),
        ],
    )

    good, refused_phone, refused_name, other = answers
    assert isinstance(good, Intake) and isinstance(other, Intake)
    assert isinstance(refused_phone, Rejection) and refused_phone.status == 400
    assert refused_phone.field == "phone"
    assert isinstance(refused_name, Rejection) and refused_name.status == 400
    assert [lead.contact_name for lead in await leads(web_app)] == ["Visitor 1", "Visitor 4"]
    assert [receipt.external_id for receipt in await receipts(web_app)] == ["a", "d"]


@contextmanager
def first_lead_insert_fails(engine: AsyncEngine) -> Iterator[None]:
    """The database refuses the first INSERT of leads it is sent, as a dropped connection
    or a deadlock would."""
    failed: list[str] = []

    def refuse(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not failed and statement.lstrip().upper().startswith("INSERT INTO LEADS"):
            failed.append(statement)
            raise OperationalError(statement, None, Exception("connection lost"))

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", refuse)
    assert failed


async def test_a_batch_the_database_fails_is_written_again_one_by_one(
    web_app: Web, session: AsyncSession, team: Team, engine: AsyncEngine
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    with first_lead_insert_fails(engine):
        answers = await submitted_together(
            web_app, [submission(form, person(n), key=f"key-{n}") for n in range(5)]
        )

    assert [answer.result for answer in answers] == [IntakeResult.CREATED] * 5
    stored = await leads(web_app)
    assert len(stored) == 5
    assert {lead.contact_name for lead in stored} == {f"Visitor {n}" for n in range(5)}
    assert {receipt.external_id for receipt in await receipts(web_app)} == {
        f"key-{n}" for n in range(5)
    }
    assert {answer.lead_id for answer in answers} == {lead.id for lead in stored}


async def test_what_a_batch_commits_is_there_for_the_next_one(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    await submitted_together(web_app, [submission(form, person(1), key="k")])
    answers = await submitted_together(
        web_app, [submission(form, person(1), key="k"), submission(form, person(1))]
    )

    assert [answer.result for answer in answers] == [IntakeResult.DUPLICATE, IntakeResult.JOINED]
    assert len(await leads(web_app)) == 1
    async with web_app.sessions() as fresh:
        assert await fresh.scalar(select(Lead.contact_name)) == "Visitor 1"


async def someone_waits_for_a_lock(engine: AsyncEngine) -> None:
    """Returns once a session of the database waits for a lock another one holds."""
    waiting = text(
        "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid)"
        " WHERE NOT granted AND datname = current_database()"
    )
    async with engine.connect() as connection:
        while not await connection.scalar(waiting):
            await connection.rollback()
            await asyncio.sleep(0.01)


@asynccontextmanager
async def a_turn_held_up(
    web: Web, engine: AsyncEngine, form: IntakeChannel
) -> AsyncIterator[asyncio.Future[Intake]]:
    """While the block runs, a turn is being written that waits for a receipt another
    transaction wrote and has not committed (rolled back when the block ends); the block gets
    that submission's answer to come."""
    async with web.sessions() as other_transaction:
        other_transaction.add(IntakeReceipt(scope=receipt_scope(form), external_id="k"))
        await other_transaction.flush()
        writer = web.client.app[FORM_WRITER]
        held = asyncio.ensure_future(writer.submit(submission(form, person(1), key="k")))
        await asyncio.wait_for(someone_waits_for_a_lock(engine), timeout=10)
        try:
            yield held
        finally:
            await other_transaction.rollback()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_key_another_process_is_taking_in_waits_for_the_next_turn_alone(
    web_app: Web, session: AsyncSession, team: Team, engine: AsyncEngine
) -> None:
    """Its batch commits the other submissions rather than waiting for that process's
    commit; the next turn answers the key as the replay it is."""
    form = await new_form(session, team.admin, responsible=team.rep)
    writer = web_app.client.app[FORM_WRITER]

    async with web_app.sessions() as other_process:
        first = await submit_form(other_process, channel=form, fields=person(1), submission_key="k")
        replay = asyncio.ensure_future(writer.submit(submission(form, person(1), key="k")))
        other = asyncio.ensure_future(writer.submit(submission(form, person(2), key="o")))
        blocked = asyncio.ensure_future(someone_waits_for_a_lock(engine))
        await asyncio.wait([other, blocked], return_when=asyncio.FIRST_COMPLETED)
        try:
            assert not blocked.done()
            assert other.result().result == IntakeResult.CREATED
            assert [lead.contact_name for lead in await leads(web_app)] == ["Visitor 2"]
            assert not replay.done()
        finally:
            blocked.cancel()
            await other_process.commit()

    assert (await replay).result == IntakeResult.DUPLICATE
    assert first.result == IntakeResult.CREATED
    stored = await leads(web_app)
    assert sorted(lead.contact_name for lead in stored) == ["Visitor 1", "Visitor 2"]
    assert {(receipt.external_id, receipt.lead_id) for receipt in await receipts(web_app)} == {
        ("k", first.lead_id),
        ("o", other.result().lead_id),
    }


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_batches_holding_one_key_commit_without_waiting_for_each_other(
    web_app: Web, session: AsyncSession, team: Team, engine: AsyncEngine
) -> None:
    form = await new_form(session, team.admin, responsible=team.rep)

    def batch(*numbers: int) -> list[Submission]:
        return [Submission(form, person(n), f"key-{n}") for n in numbers]

    async with web_app.sessions() as first, web_app.sessions() as second:
        firsts = await submit_forms(first, batch(1, 2), defer_held=True)
        seconds = asyncio.ensure_future(submit_forms(second, batch(1, 3), defer_held=True))
        blocked = asyncio.ensure_future(someone_waits_for_a_lock(engine))
        await asyncio.wait([seconds, blocked], return_when=asyncio.FIRST_COMPLETED)
        try:
            assert not blocked.done()
            held, third = seconds.result()
            assert held is None and third is not None
            await second.commit()
            assert [lead.contact_name for lead in await leads(web_app)] == ["Visitor 3"]
        finally:
            blocked.cancel()
            await first.commit()
        [again] = await submit_forms(second, batch(1), defer_held=True)
        await second.commit()

    assert [intake and intake.result for intake in firsts] == [IntakeResult.CREATED] * 2
    assert again is not None and again.result == IntakeResult.DUPLICATE
    stored = await leads(web_app)
    assert sorted(lead.contact_name for lead in stored) == [f"Visitor {n}" for n in (1, 2, 3)]
    assert len(await receipts(web_app)) == 3


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_turn_waiting_for_the_database_does_not_hold_up_the_next_submission(
    web_app: Web, session: AsyncSession, team: Team, engine: AsyncEngine
) -> None:
    """On PostgreSQL a second turn is written while the first waits: here for a receipt
    another transaction wrote and has not committed yet."""
    form = await new_form(session, team.admin, responsible=team.rep)
    writer = web_app.client.app[FORM_WRITER]

    async with a_turn_held_up(web_app, engine, form) as waiting:
        later = await asyncio.wait_for(
            writer.submit(submission(form, person(2), key="o")), timeout=10
        )
        assert later.result == IntakeResult.CREATED
        assert [lead.contact_name for lead in await leads(web_app)] == ["Visitor 2"]
        assert not waiting.done()

    assert (await waiting).result == IntakeResult.CREATED
    assert sorted(lead.contact_name for lead in await leads(web_app)) == [
        "Visitor 1",
        "Visitor 2",
    ]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_submissions_arriving_during_a_turn_share_the_next_one_unless_many_wait(
    web_app: Web,
    session: AsyncSession,
    team: Team,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a turn is written, a few submissions wait for it to end and then share a turn;
    as many as ``SECOND_TURN_BACKLOG`` start one of their own at once. (The turn written here
    waits for a receipt another transaction holds, longer than any turn takes: the writer is
    told it is not slow, so only the backlog counts.)"""
    monkeypatch.setattr(form_writer, "SECOND_TURN_AFTER_S", 3600)
    form = await new_form(session, team.admin, responsible=team.rep)
    writer = web_app.client.app[FORM_WRITER]

    async with a_turn_held_up(web_app, engine, form) as held:
        with commits_counted(engine) as commits:
            few = [
                asyncio.ensure_future(writer.submit(submission(form, person(n)))) for n in (2, 3)
            ]
            # Ten times as long as a turn of two takes here, had one started for them.
            await asyncio.sleep(0.3)
            assert not any(one.done() for one in few) and commits == []
            many = [
                asyncio.ensure_future(writer.submit(submission(form, person(n))))
                for n in range(10, 10 + form_writer.SECOND_TURN_BACKLOG - len(few))
            ]
            await asyncio.wait_for(asyncio.gather(*few, *many), timeout=10)
        assert len(commits) == 1  # the few and the many in one turn of their own
        assert not held.done()

    assert (await held).result == IntakeResult.CREATED
    assert len(await leads(web_app)) == 1 + form_writer.SECOND_TURN_BACKLOG
