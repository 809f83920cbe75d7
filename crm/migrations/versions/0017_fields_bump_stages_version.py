"""custom field definitions bump the stages' version counter too: which fields a stage
requires is part of the pipeline, so the stage cache keeps the definitions with the stages

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same upsert as 0012's triggers on pipelines and stages.
BUMP = (
    "INSERT INTO cache_versions (name, version) VALUES ('stages', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1"
)
CHANGES = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(
                f"CREATE TRIGGER field_definitions_{change.lower()}_bumps_version "
                f"AFTER {change} ON field_definitions BEGIN {BUMP}; END"
            )
    else:
        # 0012's function, which bumps the stages' counter.
        op.execute(
            "CREATE TRIGGER field_definitions_bump_version AFTER INSERT OR UPDATE OR DELETE "
            "ON field_definitions FOR EACH STATEMENT EXECUTE FUNCTION bump_stages_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for change in CHANGES:
            op.execute(f"DROP TRIGGER field_definitions_{change.lower()}_bumps_version")
    else:
        op.execute("DROP TRIGGER field_definitions_bump_version ON field_definitions")
