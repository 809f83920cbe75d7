"""Waking the workers of this process whose queue a commit has just added to, rather than
leaving the work to their next poll: the rule runner (rule events) and the webhook sender
(deliveries). What a rule did then shows at once.

Whoever writes to a queue marks the session (:func:`queued`); when its outermost transaction
commits, the workers registered for that queue with the session factory's :class:`Wakeups`
(:func:`crm.db.create_session_factory`) are woken. A rollback forgets the mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_QUEUED = "crm_queued"
_WAKEUPS = "crm_wakeups"


class Queue(StrEnum):
    RULE_EVENTS = "rule_events"
    WEBHOOK_DELIVERIES = "webhook_deliveries"


class Wakeable(Protocol):
    def wake(self) -> None: ...


class Wakeups:
    """Who works each queue in this process."""

    def __init__(self) -> None:
        self._workers: dict[Queue, list[Wakeable]] = {queue: [] for queue in Queue}

    def register(self, queue: Queue, worker: Wakeable) -> None:
        self._workers[queue].append(worker)

    def wake(self, queues: Iterable[Queue]) -> None:
        for queue in queues:
            for worker in self._workers[queue]:
                worker.wake()

    def session_info(self) -> dict[str, Wakeups]:
        """What a session factory gives each of its sessions, so their commits wake these
        workers."""
        return {_WAKEUPS: self}


def queued(session: AsyncSession, queue: Queue) -> None:
    """The session's transaction has written work to ``queue``."""
    session.sync_session.info.setdefault(_QUEUED, set()).add(queue)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: nothing is committed yet
    written: set[Queue] | None = session.info.pop(_QUEUED, None)
    wakeups: Wakeups | None = session.info.get(_WAKEUPS)
    if written and wakeups is not None:
        wakeups.wake(written)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_QUEUED, None)
