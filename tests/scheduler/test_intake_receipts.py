"""Intake receipts (what makes a provider's redelivery change nothing) are kept as long as
configured and then forgotten by a scheduler round, oldest first, without waking the sender."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import IntakeReceipt
from crm.services import intake
from crm.services.intake import claim_receipt
from scheduler import Rounds
from tests.scheduler.conftest import Clock, Sender

KEEP = timedelta(days=30)


async def receipt_ages(
    session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> list[int]:
    async with session_factory() as session:
        received = await session.scalars(
            select(IntakeReceipt.received_at).order_by(IntakeReceipt.id)
        )
        return [(clock.now - moment).days for moment in received]


async def test_receipts_older_than_configured_are_forgotten_and_newer_ones_still_stop_replays(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    sender: Sender,
) -> None:
    session.add_all(
        IntakeReceipt(
            scope="form:1", external_id=f"sub-{age}", received_at=clock.now - timedelta(days=age)
        )
        for age in (45, 31, 29, 1)
    )
    await session.commit()
    rounds = Rounds(session_factory, sender, clock=clock, keep_receipts=KEEP)

    forgotten = await rounds.intake_receipts()

    assert forgotten == 2
    assert await receipt_ages(session_factory, clock) == [29, 1]
    assert sender.wakes == 0, "forgetting receipts sends nothing"
    async with session_factory() as fresh:
        assert await claim_receipt(fresh, scope="form:1", external_id="sub-29") is None
        assert await claim_receipt(fresh, scope="form:1", external_id="sub-45") is not None
        await fresh.rollback()


async def test_a_round_forgets_a_bounded_batch_and_the_next_round_the_rest(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    sender: Sender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.add_all(
        IntakeReceipt(
            scope="form:1", external_id=f"old-{n}", received_at=clock.now - timedelta(days=40)
        )
        for n in range(7)
    )
    await session.commit()
    rounds = Rounds(session_factory, sender, clock=clock, keep_receipts=KEEP)
    monkeypatch.setattr(intake, "RECEIPTS_PER_ROUND", 5)

    first, second = await rounds.intake_receipts(), await rounds.intake_receipts()

    assert (first, second) == (5, 2)
    assert await receipt_ages(session_factory, clock) == []
