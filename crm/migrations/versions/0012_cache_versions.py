"""a version counter of pipelines and stages, bumped by triggers on every change, so each
process knows at once when its cache of them no longer holds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CACHED_TABLES = ("pipelines", "stages")
# An upsert, so the counter comes back also after its row was removed (a test's TRUNCATE).
BUMP = (
    "INSERT INTO cache_versions (name, version) VALUES ('stages', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1"
)
POSTGRES_FUNCTION = (
    "CREATE FUNCTION bump_stages_version() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
)


def upgrade() -> None:
    op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('stages', 1)")
    if op.get_bind().dialect.name == "sqlite":
        for table in CACHED_TABLES:
            for change in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_{change.lower()}_bumps_version "
                    f"AFTER {change} ON {table} BEGIN {BUMP}; END"
                )
    else:
        op.execute(POSTGRES_FUNCTION)
        for table in CACHED_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_bump_version AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_stages_version()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in CACHED_TABLES:
            for change in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{change}_bumps_version")
    else:
        for table in CACHED_TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_version ON {table}")
        op.execute("DROP FUNCTION bump_stages_version()")
    op.drop_table("cache_versions")
