"""a version counter of the automation rules, bumped by triggers on every change to them, so
a rule runner knows at once when the rules it keeps in memory no longer hold

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An upsert, so the counter comes back also after its row was removed (a test's TRUNCATE).
BUMP = (
    "INSERT INTO cache_versions (name, version) VALUES ('rules', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1"
)
POSTGRES_FUNCTION = (
    "CREATE FUNCTION bump_rules_version() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
)
CHANGES = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('rules', 1)")
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(
                f"CREATE TRIGGER rules_{change.lower()}_bumps_version "
                f"AFTER {change} ON rules BEGIN {BUMP}; END"
            )
    else:
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER rules_bump_version AFTER INSERT OR UPDATE OR DELETE "
            "ON rules FOR EACH STATEMENT EXECUTE FUNCTION bump_rules_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(f"DROP TRIGGER rules_{change.lower()}_bumps_version")
    else:
        op.execute("DROP TRIGGER rules_bump_version ON rules")
        op.execute("DROP FUNCTION bump_rules_version()")
    op.execute("DELETE FROM cache_versions WHERE name = 'rules'")
