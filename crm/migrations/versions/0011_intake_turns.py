"""intake turns: a sequence that numbers round-robin turns without locking a row (PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 05:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite has no sequences and lets one writer in at a time: it keeps counting per channel.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE intake_turns")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE intake_turns")
