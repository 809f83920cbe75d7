"""indexes for searching and listing leads at a million rows: a trigram index over
leads.search_text (SQLite FTS5 kept in step by triggers, PostgreSQL pg_trgm GIN) and the
latest-activity order, overall and per responsible rep

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an external-content FTS5 table over leads.search_text; rowid is the lead's id.
SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE leads_fts USING fts5("
    "search_text, content='leads', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads BEGIN "
    "INSERT INTO leads_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads BEGIN "
    "INSERT INTO leads_fts (leads_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER leads_fts_update AFTER UPDATE OF search_text ON leads "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    "INSERT INTO leads_fts (leads_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO leads_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO leads_fts (leads_fts) VALUES ('rebuild')",
]
# A later migration that rebuilds the leads table on SQLite (batch mode) drops its triggers
# with it; such a migration must make them again, and going back must not trip over them.
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS leads_fts_update",
    "DROP TRIGGER IF EXISTS leads_fts_delete",
    "DROP TRIGGER IF EXISTS leads_fts_insert",
    "DROP TABLE IF EXISTS leads_fts",
]
POSTGRES_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_leads_search_trgm ON leads USING gin (search_text gin_trgm_ops)",
]
POSTGRES_DOWNGRADE = ["DROP INDEX ix_leads_search_trgm"]


def upgrade() -> None:
    op.create_index("ix_leads_activity", "leads", ["last_activity_at", "id"])
    op.create_index(
        "ix_leads_owner_activity", "leads", ["responsible_id", "last_activity_at", "id"]
    )
    for statement in _for_dialect(SQLITE_UPGRADE, POSTGRES_UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _for_dialect(SQLITE_DOWNGRADE, POSTGRES_DOWNGRADE):
        op.execute(statement)
    op.drop_index("ix_leads_owner_activity", table_name="leads")
    op.drop_index("ix_leads_activity", table_name="leads")


def _for_dialect(sqlite: list[str], postgresql: list[str]) -> list[str]:
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgresql
