"""The migrations build the schema the models describe, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.db import create_engine, create_session_factory
from crm.migrate import alembic_config, upgrade_to_head
from crm.models import Base, Customer, CustomerContact, Lead, Stage
from tests.conftest import BACKENDS, sqlite_url
from tests.crm.test_duplicate_keys import held


@pytest.fixture(params=BACKENDS)
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = create_engine(sqlite_url(tmp_path / "empty.sqlite3"))
        yield engine
        await engine.dispose()
        return
    server_url = request.getfixturevalue("postgres_url")
    name = f"crm_migrations_{uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(server_url).set(database=name).render_as_string(False))
    yield engine
    await engine.dispose()
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE "{name}"'))
    await admin.dispose()


# SQLite's trigram index over leads.search_text: an FTS5 table and its shadow tables, made
# by migration 0005 and kept in step by triggers, outside the models.
SEARCH_INDEX_TABLES = "leads_fts"


def modelled_on(dialect: str) -> Callable[..., bool]:
    """Leave out SQLite's search tables and what the models make on another dialect only."""

    def include(item: object, name: str | None, kind: str, *_: object) -> bool:
        if kind == "table" and (name or "").startswith(SEARCH_INDEX_TABLES):
            return False
        only_on = getattr(item, "_ddl_if", None)
        return only_on is None or only_on.dialect in (None, dialect)

    return include


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_object": modelled_on(connection.dialect.name)},
    )
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_head_on_an_empty_database_matches_the_models(
    empty_engine: AsyncEngine,
) -> None:
    await upgrade_to_head(empty_engine)

    async with empty_engine.connect() as connection:
        stages = (
            await connection.execute(text("SELECT name, kind FROM stages ORDER BY position"))
        ).all()
        found = await connection.run_sync(differences)

    assert [tuple(row) for row in stages] == [
        ("New", "open"),
        ("Qualified", "open"),
        ("Proposal", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]
    assert found == []


def downgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_the_rule_events_lease_columns_come_back_on_downgrade_and_go_again(
    empty_engine: AsyncEngine,
) -> None:
    await upgrade_to_head(empty_engine)
    async with empty_engine.begin() as connection:
        await connection.run_sync(downgrade_to, "0013")
        await connection.execute(
            text("UPDATE rule_events SET claimed_by = 'old', claimed_until = NULL")
        )
    await upgrade_to_head(empty_engine)

    async with empty_engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_the_counts_of_held_phones_e_mails_and_names_start_from_the_rows_there(
    empty_engine: AsyncEngine,
) -> None:
    await upgrade_to_head(empty_engine)
    async with empty_engine.begin() as connection:
        await connection.run_sync(downgrade_to, "0017")
    sessions = create_session_factory(empty_engine)
    phone, email = "+380671234567", "olena@example.com"
    async with sessions() as session:
        stage_id = await session.scalar(select(Stage.id).order_by(Stage.position).limit(1))
        assert stage_id is not None
        kept = Customer(name="Olena Petrenko")
        kept.contacts = [CustomerContact(kind=CustomerContact.PHONE, value=phone)]
        session.add(kept)
        await session.flush()
        session.add_all(
            [
                Lead(title="A", stage_id=stage_id, phone=phone, custom_fields={}),
                Lead(title="B", stage_id=stage_id, phone=phone, email=email, custom_fields={}),
                Customer(name="petrenko olena"),
                Customer(name="Olena Petrenko", merged_into_id=kept.id),
            ]
        )
        await session.commit()

    await upgrade_to_head(empty_engine)

    async with sessions() as session:
        assert await held(session) == {
            ("lead:phone", phone): 2,
            ("lead:email", email): 1,
            ("customer:phone", phone): 1,
            ("customer:name", "olena petrenko"): 2,
        }
