"""a version counter of the outgoing webhooks, bumped by triggers on every change to them, so
a process knows at once when the webhooks it keeps in memory no longer hold

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 08:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An upsert, so the counter comes back also after its row was removed (a test's TRUNCATE).
BUMP = (
    "INSERT INTO cache_versions (name, version) VALUES ('webhooks', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1"
)
POSTGRES_FUNCTION = (
    "CREATE FUNCTION bump_webhooks_version() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
)
CHANGES = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('webhooks', 1)")
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(
                f"CREATE TRIGGER webhooks_{change.lower()}_bumps_version "
                f"AFTER {change} ON webhooks BEGIN {BUMP}; END"
            )
    else:
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER webhooks_bump_version AFTER INSERT OR UPDATE OR DELETE "
            "ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION bump_webhooks_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(f"DROP TRIGGER webhooks_{change.lower()}_bumps_version")
    else:
        op.execute("DROP TRIGGER webhooks_bump_version ON webhooks")
        op.execute("DROP FUNCTION bump_webhooks_version()")
    op.execute("DELETE FROM cache_versions WHERE name = 'webhooks'")
