"""Which rule is acting on a session, and how deep in a chain of rules it is.

The use cases a rule calls are the ones a person's buttons call; they leave their timeline
entries "by rule <name>" and their events one level deeper because the runner says so here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.ext.asyncio import AsyncSession

_RULE = "crm_acting_rule"
_DEPTH = "crm_rule_depth"


@contextmanager
def acting_as_rule(session: AsyncSession, *, name: str, depth: int) -> Iterator[None]:
    """Changes made inside the block are the rule ``name``'s, at ``depth`` (1 for a rule
    fired by a person's change)."""
    info = session.sync_session.info
    info[_RULE], info[_DEPTH] = name, depth
    try:
        yield
    finally:
        info.pop(_RULE, None)


def acting_rule(session: AsyncSession) -> str | None:
    name: str | None = session.sync_session.info.get(_RULE)
    return name


def change_depth(session: AsyncSession) -> int:
    """How deep in a chain of rules the session's changes are: 0 for a person's change. It
    stays set after the block, for the events taken at commit."""
    depth: int = session.sync_session.info.get(_DEPTH, 0)
    return depth
