"""The triggers that keep ``duplicate_keys`` counting who holds each phone, e-mail and name.

Each insert, change or removal of a lead's phone or e-mail, a customer's contact, or a live
customer's name key adds one to the count of the value it now holds and takes one from the
value it held (a count reaching 0 goes). Counts commute, so the triggers need to know
nothing of other rows: they stay right for statements changing many rows, for concurrent
transactions (PostgreSQL's upsert waits for the other's row) and for any write path, bulk
imports and intake included. The same statements count existing rows in one pass (the
migration, a bulk load that had the triggers off).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Holding:
    """Rows of ``table`` holding a key: ``kind`` and ``value`` are SQL over a row named
    ``{row}`` (``value`` NULL when the row holds none); an update of ``columns`` may change
    them."""

    name: str
    table: str
    kind: str
    value: str
    columns: tuple[str, ...]


LEAD_HOLDINGS = (
    Holding("lead_phones", "leads", "'lead:phone'", "{row}.phone", ("phone",)),
    Holding("lead_emails", "leads", "'lead:email'", "{row}.email", ("email",)),
)
HOLDINGS = (
    *LEAD_HOLDINGS,
    Holding(
        "customer_contacts",
        "customer_contacts",
        "'customer:' || {row}.kind",
        "{row}.value",
        ("kind", "value"),
    ),
    # A merged-away customer keeps its name but is nobody's duplicate any more.
    Holding(
        "customer_names",
        "customers",
        "'customer:name'",
        "CASE WHEN {row}.merged_into_id IS NULL AND {row}.name_key <> '' THEN {row}.name_key END",
        ("name_key", "merged_into_id"),
    ),
)


def _joins(holding: Holding, row: str) -> str:
    kind, value = holding.kind.format(row=row), holding.value.format(row=row)
    return (
        f"INSERT INTO duplicate_keys (kind, value, holders) SELECT {kind}, {value}, 1 "
        f"WHERE {value} IS NOT NULL "
        "ON CONFLICT (kind, value) DO UPDATE SET holders = duplicate_keys.holders + 1;"
    )


def _leaves(holding: Holding, row: str) -> str:
    match = f"kind = {holding.kind.format(row=row)} AND value = {holding.value.format(row=row)}"
    return (
        f"UPDATE duplicate_keys SET holders = holders - 1 WHERE {match}; "
        f"DELETE FROM duplicate_keys WHERE {match} AND holders = 0;"
    )


def _changed(holding: Holding, differ: str) -> str:
    parts = [holding.value] + ([holding.kind] if "{row}" in holding.kind else [])
    return " OR ".join(
        f"{part.format(row='old')} {differ} {part.format(row='new')}" for part in parts
    )


def sqlite_triggers(holding: Holding) -> dict[str, str]:
    """SQLite's triggers for ``holding``, by name."""
    on = f"ON {holding.table}"
    return {
        f"{holding.name}_insert": f"AFTER INSERT {on} BEGIN {_joins(holding, 'new')} END",
        f"{holding.name}_delete": f"AFTER DELETE {on} BEGIN {_leaves(holding, 'old')} END",
        f"{holding.name}_update": (
            f"AFTER UPDATE OF {', '.join(holding.columns)} {on} "
            f"WHEN {_changed(holding, 'IS NOT')} "
            f"BEGIN {_leaves(holding, 'old')} {_joins(holding, 'new')} END"
        ),
    }


def postgres_trigger(holding: Holding) -> str:
    """The name of PostgreSQL's one trigger (and its function) for ``holding``."""
    return f"{holding.name}_count_keys"


def create_triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name} {body}"
            for holding in HOLDINGS
            for name, body in sqlite_triggers(holding).items()
        ]
    statements = []
    for holding in HOLDINGS:
        name = postgres_trigger(holding)
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {_joins(holding, 'new')} "
            f"ELSIF TG_OP = 'DELETE' THEN {_leaves(holding, 'old')} "
            # In parentheses: PL/pgSQL ends the condition at the first THEN, even a CASE's.
            f"ELSIF ({_changed(holding, 'IS DISTINCT FROM')}) THEN "
            f"{_leaves(holding, 'old')} {_joins(holding, 'new')} "
            "END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER INSERT OR DELETE "
            f"OR UPDATE OF {', '.join(holding.columns)} ON {holding.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def drop_triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER {name}" for holding in HOLDINGS for name in sqlite_triggers(holding)]
    return [
        statement
        for holding in HOLDINGS
        for statement in (
            f"DROP TRIGGER {postgres_trigger(holding)} ON {holding.table}",
            f"DROP FUNCTION {postgres_trigger(holding)}()",
        )
    ]


def count_holders(holding: Holding, *, after_id: int = 0) -> str:
    """One statement adding the keys held by the rows of ``holding`` with ids past
    ``after_id`` to the counts, as the triggers would have one row at a time."""
    kind, value = holding.kind.format(row="t"), holding.value.format(row="t")
    return (
        f"INSERT INTO duplicate_keys (kind, value, holders) "
        f"SELECT {kind}, {value}, count(*) FROM {holding.table} t "
        f"WHERE {value} IS NOT NULL AND t.id > {int(after_id)} GROUP BY 1, 2 "
        "ON CONFLICT (kind, value) DO UPDATE "
        "SET holders = duplicate_keys.holders + excluded.holders"
    )
