"""Bringing a list of leads or customers in from a spreadsheet.

Three steps, each its own call, so a person sees and fixes things before anything is written:
:func:`match_columns` guesses which field each column holds from its header (English or
Ukrainian words, given by the caller); :func:`check_import` reads every row and says what is
wrong where (row, column, code); :func:`apply_import` writes the rows that passed, a chunk
per transaction, and stops at the first chunk that fails, saying what was saved. A row with
an external id that was imported before updates that lead or customer instead of adding
another.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts import normalize_email, normalize_phone
from crm.errors import Conflict, CrmError, ValidationFailed
from crm.models import (
    Activity,
    ActivityKind,
    Customer,
    CustomerContact,
    FieldDefinition,
    Lead,
    LeadSource,
    Role,
    Staff,
    StageKind,
    customer_tags,
    lead_tags,
    table_of,
    utcnow,
)
from crm.money import parse_amount, parse_currency, to_minor_units
from crm.services.access import is_unscoped, require_active, require_role, seen_of
from crm.services.fields import checked_value, field_definitions
from crm.services.leads import phone_columns, search_text, set_phone
from crm.services.pipelines import default_pipeline
from crm.services.tags import normalize_tag, tags_named

MAX_COLUMNS = 50
MAX_ROWS = 100_000
EXTERNAL_ID_MAX = 64
TEXT_MAX = 200
CHUNK = 1000
# Core tables: a bulk insert without the ORM's per-row bookkeeping.
LEADS = table_of(Lead)
ACTIVITIES = table_of(Activity)
# An address this plain normalises to itself in lower case; others go through the validator.
PLAIN_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
# A cell an export defused (``'=...``) reads back as it was.
DEFUSED = ("'=", "'+", "'-", "'@")


class ImportTarget(StrEnum):
    LEADS = "leads"
    CUSTOMERS = "customers"


FIELDS: dict[ImportTarget, tuple[str, ...]] = {
    ImportTarget.LEADS: (
        "external_id",
        "title",
        "contact_name",
        "phone",
        "email",
        "source",
        "value",
        "currency",
        "tags",
    ),
    ImportTarget.CUSTOMERS: ("external_id", "name", "phones", "emails", "tags"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong in one cell: ``row`` as the spreadsheet numbers it (the header is 1)."""

    row: int
    column: str
    code: str


@dataclass(slots=True)
class ImportPlan:
    target: ImportTarget
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int


Progress = Callable[[int, int], Awaitable[None]]
# A custom lead field's code in a mapping: the prefix and its key.
CUSTOM_FIELD_PREFIX = "field."
# Opens a transaction that commits when its block ends and rolls back if the block fails.
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def custom_field_code(definition: FieldDefinition) -> str:
    return CUSTOM_FIELD_PREFIX + definition.key


async def import_fields(session: AsyncSession, target: ImportTarget) -> tuple[str, ...]:
    """The fields a column may hold: the target's own, and for leads each custom field."""
    if target is ImportTarget.CUSTOMERS:
        return FIELDS[target]
    return FIELDS[target] + tuple(custom_field_code(d) for d in await field_definitions(session))


def header_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


def match_columns(
    headers: Sequence[str],
    target: ImportTarget,
    known: Mapping[str, str],
    fields: Sequence[str] | None = None,
) -> list[str | None]:
    """The field of each column, from ``known`` header words (see :func:`header_key`) or the
    field's own code; a field is matched once, unknown columns are skipped (None). ``fields``
    are those a column may hold (:func:`import_fields`), the target's own by default."""
    fields = FIELDS[target] if fields is None else fields
    words = {header_key(code): code for code in fields} | {
        header_key(word): code for word, code in known.items() if code in fields
    }
    taken: set[str] = set()
    matched: list[str | None] = []
    for header in headers:
        code = words.get(header_key(header))
        matched.append(None if code is None or code in taken else code)
        if code is not None:
            taken.add(code)
    return matched


def check_shape(headers: Sequence[str], row_count: int) -> None:
    if not headers or row_count == 0:
        raise ValidationFailed("import-empty")
    if len(headers) > MAX_COLUMNS:
        raise ValidationFailed("import-too-many-columns", details={"limit": MAX_COLUMNS})
    if row_count > MAX_ROWS:
        raise ValidationFailed("import-too-many-rows", details={"limit": MAX_ROWS})


async def check_import(
    session: AsyncSession,
    *,
    actor: Staff,
    target: ImportTarget,
    headers: Sequence[str],
    mapping: Sequence[str | None],
    rows: Sequence[Sequence[str]],
    phone_region: str = "UA",
) -> ImportPlan:
    """Every row read and checked; nothing is written."""
    _may_import(actor, target)
    check_shape(headers, len(rows))
    if not any(mapping):
        raise ValidationFailed("import-nothing-mapped")
    plan = ImportPlan(target=target)
    custom = {custom_field_code(d): d for d in await field_definitions(session)}
    seen_ids: dict[str, int] = {}
    for index, cells in enumerate(rows, start=2):
        values = {
            code: _cell(cells, column)
            for column, code in enumerate(mapping)
            if code is not None and _cell(cells, column)
        }
        parsed, problems = _parse_row(target, values, phone_region, custom)
        external_id = parsed.get("external_id")
        if external_id is not None and seen_ids.setdefault(external_id, index) != index:
            problems.append(("external_id", "import-external-id-repeated"))
        plan.problems += [
            Problem(index, _header_of(headers, mapping, code), reason) for code, reason in problems
        ]
        if not problems:
            parsed["row"] = index
            plan.rows.append(parsed)
    plan.checked = len(rows)
    if target is ImportTarget.LEADS:
        await _check_lead_owners(session, actor, plan, headers, mapping)
    return plan


def _header_of(headers: Sequence[str], mapping: Sequence[str | None], code: str) -> str:
    """The column of a field; a field no column holds (a missing name) is told at the first
    mapped column."""
    column = mapping.index(code) if code in mapping else next(i for i, c in enumerate(mapping) if c)
    return headers[column]


def _may_import(actor: Staff, target: ImportTarget) -> None:
    """Anyone imports their own leads; customers, seen by the whole team, only managers."""
    if target is ImportTarget.CUSTOMERS:
        require_role(actor, Role.ADMIN, Role.MANAGER)
    require_active(actor)


def _cell(cells: Sequence[str], column: int) -> str:
    value = cells[column].strip() if column < len(cells) else ""
    return value[1:] if value.startswith(DEFUSED) else value


def _parse_row(
    target: ImportTarget,
    values: dict[str, str],
    phone_region: str,
    custom: Mapping[str, FieldDefinition],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for code, raw in values.items():
        try:
            if code.startswith(CUSTOM_FIELD_PREFIX):
                definition = _custom_field(custom, code, target)
                parsed.setdefault("custom_fields", {})[definition.key] = checked_value(
                    definition, raw
                )
            else:
                parsed[code] = _parse_value(code, raw, phone_region)
        except ValidationFailed as error:
            problems.append((code, error.code))
    name_field = "title" if target is ImportTarget.LEADS else "name"
    if target is ImportTarget.LEADS and not parsed.get("title"):
        parsed["title"] = parsed.get("contact_name") or parsed.get("phone") or parsed.get("email")
    if not parsed.get(name_field) and not problems:
        problems.append((name_field, "import-name-required"))
    return parsed, problems


def _custom_field(
    custom: Mapping[str, FieldDefinition], code: str, target: ImportTarget
) -> FieldDefinition:
    """The definition a column's custom field code names; deleted since it was mapped, or a
    customer import, it is unknown."""
    definition = custom.get(code)
    if definition is None or target is not ImportTarget.LEADS:
        raise ValidationFailed("custom-field-unknown", field=code)
    return definition


def _parse_value(code: str, raw: str, phone_region: str) -> Any:
    match code:
        case "phone":
            return normalize_phone(raw, region=phone_region)
        case "phones":
            return [normalize_phone(p, region=phone_region) for p in _listed(raw)]
        case "email":
            return _email(raw)
        case "emails":
            return [_email(e) for e in _listed(raw)]
        case "value":
            return to_minor_units(parse_amount(raw))
        case "currency":
            return parse_currency(raw)
        case "source":
            return _source(raw)
        case "tags":
            return sorted({normalize_tag(tag) for tag in raw.replace(",", " ").split()})
        case "external_id":
            return _limited(raw, EXTERNAL_ID_MAX)
        case _:
            return _limited(raw, TEXT_MAX)


def _email(raw: str) -> str:
    lowered = raw.strip().lower()
    return lowered if PLAIN_EMAIL.match(lowered) else normalize_email(raw)


def _listed(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


def _limited(raw: str, limit: int) -> str:
    if len(raw) > limit:
        raise ValidationFailed("text-too-long", details={"limit": limit})
    return raw


def _source(raw: str) -> LeadSource:
    try:
        return LeadSource(raw.strip().casefold())
    except ValueError:
        raise ValidationFailed("import-source-unknown") from None


async def _check_lead_owners(
    session: AsyncSession,
    actor: Staff,
    plan: ImportPlan,
    headers: Sequence[str],
    mapping: Sequence[str | None],
) -> None:
    """One may update by external id only leads one sees."""
    if is_unscoped(actor) or "external_id" not in mapping:
        return
    column = headers[mapping.index("external_id")]
    existing = await _by_external_id(session, Lead, [row.get("external_id") for row in plan.rows])
    seen = await seen_of(session, actor=actor, lead_ids=[lead.id for lead in existing.values()])
    refused = {external_id for external_id, lead in existing.items() if lead.id not in seen}
    plan.problems += [
        Problem(row["row"], column, "import-not-yours")
        for row in plan.rows
        if row.get("external_id") in refused
    ]
    plan.rows = [row for row in plan.rows if row.get("external_id") not in refused]
    plan.problems.sort(key=lambda problem: problem.row)


async def _by_external_id(
    session: AsyncSession, model: type[Lead] | type[Customer], ids: Sequence[str | None]
) -> dict[str, Any]:
    wanted = [external_id for external_id in ids if external_id]
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows: Any = await session.scalars(select(model).where(model.external_id.in_(chunk)))
        found |= {row.external_id: row for row in rows}
    return found


async def apply_import(
    transaction: Transaction,
    *,
    actor: Staff,
    plan: ImportPlan,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the plan's rows, ``CHUNK`` at a time, each chunk in a ``transaction()`` of its own;
    a row whose external id is known updates that row.

    Committing chunk by chunk lets other people's changes in between (SQLite has one writer).
    ``progress`` hears only of rows committed, so whatever a person was told is saved is. A
    chunk that fails is rolled back whole and ends the import: :class:`ImportStopped` says
    what was saved before it and the spreadsheet row it stopped at.
    """
    _may_import(actor, plan.target)
    model = Lead if plan.target is ImportTarget.LEADS else Customer
    saved = ImportResult(0, 0)
    if not plan.rows:
        return saved
    try:
        # Looked up once, before anything is written and in a transaction that writes
        # nothing: a growing table is not searched again for each chunk.
        async with transaction() as session:
            known = await _ids_by_external_id(session, model, plan.rows)
    except Exception as error:
        raise ImportStopped(saved, row=plan.rows[0]["row"], cause=error) from error
    for start in range(0, len(plan.rows), CHUNK):
        chunk = plan.rows[start : start + CHUNK]
        try:
            async with transaction() as session:
                importer = await session.merge(actor, load=False)
                existing = await _known_rows(session, model, known, chunk)
                done = await _import_chunk(session, importer, plan.target, chunk, existing)
        except Exception as error:
            raise ImportStopped(saved, row=chunk[0]["row"], cause=error) from error
        saved = ImportResult(saved.created + done.created, saved.updated + done.updated)
        if progress is not None:
            await progress(start + len(chunk), len(plan.rows))
    return saved


class ImportStopped(CrmError):
    """A chunk of the import failed and was rolled back; ``saved`` is what the chunks before
    it committed, ``row`` the spreadsheet row the failed chunk began at."""

    code = "import-stopped"

    def __init__(self, saved: ImportResult, *, row: int, cause: Exception) -> None:
        super().__init__(f"import stopped at row {row}: {cause!r}")
        self.saved = saved
        self.row = row
        self.cause = cause


async def _import_chunk(
    session: AsyncSession,
    actor: Staff,
    target: ImportTarget,
    chunk: Sequence[dict[str, Any]],
    existing: dict[str, Any],
) -> ImportResult:
    if target is ImportTarget.LEADS:
        return await _import_leads(session, actor, chunk, existing)
    return await _import_customers(session, chunk, existing)


async def _ids_by_external_id(
    session: AsyncSession, model: type[Lead] | type[Customer], rows: Sequence[dict[str, Any]]
) -> dict[str, int]:
    found = await _by_external_id(session, model, [row.get("external_id") for row in rows])
    return {external_id: row.id for external_id, row in found.items()}


async def _known_rows(
    session: AsyncSession,
    model: type[Lead] | type[Customer],
    known: dict[str, int],
    chunk: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The chunk's rows imported before, loaded in this transaction by their primary keys."""
    ids = [known[row["external_id"]] for row in chunk if row.get("external_id") in known]
    if not ids:
        return {}
    rows: Any = await session.scalars(select(model).where(model.id.in_(ids)))
    return {row.external_id: row for row in rows}


async def _tag_ids(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    tags = await tags_named(session, {tag for row in rows for tag in row.get("tags", [])})
    await session.flush()
    return {tag.name: tag.id for tag in tags}


async def _import_leads(
    session: AsyncSession, actor: Staff, rows: Sequence[dict[str, Any]], existing: dict[str, Any]
) -> ImportResult:
    pipeline = await default_pipeline(session)
    stage = next(s for s in pipeline.stages if s.kind == StageKind.OPEN)
    tag_ids = await _tag_ids(session, rows)
    now = utcnow()
    new_rows = [row for row in rows if (row.get("external_id") or "") not in existing]
    for row in rows:
        lead = existing.get(row.get("external_id") or "")
        if lead is not None:
            _update_lead(lead, row)
    ids = await _insert_leads(session, [_new_lead(row, actor, stage.id, now) for row in new_rows])
    if ids:
        await session.execute(
            insert(ACTIVITIES),
            [
                {"kind": ActivityKind.CREATED, "lead_id": lead_id, "author_id": actor.id}
                for lead_id in ids
            ],
        )
    owners = [(lead_id, row) for lead_id, row in zip(ids, new_rows, strict=True)]
    created = {id(row) for row in new_rows}
    owners += [(existing[row["external_id"]].id, row) for row in rows if id(row) not in created]
    links = [(lead_id, tag_ids[tag]) for lead_id, row in owners for tag in row.get("tags", [])]
    await _link_tags(session, lead_tags, "lead_id", links)
    await session.flush()
    return ImportResult(created=len(ids), updated=len(rows) - len(new_rows))


async def _insert_leads(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert in one bulk statement and read the new ids back in order.

    RETURNING in parameter order makes SQLite insert row by row, a hundred times slower; the
    rows are told apart instead by their creation time (one per import chunk, to the
    microsecond) and responsible, their ids increasing in the order they were inserted.
    A count that does not add up aborts the import.
    """
    if not rows:
        return []
    before = await session.scalar(select(func.coalesce(func.max(Lead.id), 0)))
    await session.execute(insert(LEADS), rows)
    ids = list(
        await session.scalars(
            select(Lead.id)
            .where(
                Lead.id > before,
                Lead.created_at == rows[0]["created_at"],
                Lead.responsible_id == rows[0]["responsible_id"],
            )
            .order_by(Lead.id)
        )
    )
    if len(ids) != len(rows):
        raise Conflict("leads were added while importing")
    return ids


def _new_lead(row: dict[str, Any], actor: Staff, stage_id: int, now: Any) -> dict[str, Any]:
    return {
        "title": row["title"],
        "contact_name": row.get("contact_name"),
        **phone_columns(row.get("phone")),
        "email": row.get("email"),
        "source": row.get("source", LeadSource.IMPORT),
        "value_minor": row.get("value"),
        "currency": row.get("currency", "UAH"),
        "external_id": row.get("external_id"),
        "responsible_id": actor.id,
        "stage_id": stage_id,
        "custom_fields": row.get("custom_fields", {}),
        "search_text": search_text(row["title"], row.get("contact_name"), row.get("email")),
        "version": 1,
        "created_at": now,
        "stage_entered_at": now,
        "last_activity_at": now,
    }


def _update_lead(lead: Lead, row: dict[str, Any]) -> None:
    for code, attribute in (
        ("title", "title"),
        ("contact_name", "contact_name"),
        ("email", "email"),
        ("source", "source"),
        ("value", "value_minor"),
        ("currency", "currency"),
    ):
        if code in row:
            setattr(lead, attribute, row[code])
    if "custom_fields" in row:
        lead.custom_fields = lead.custom_fields | row["custom_fields"]
    if "phone" in row:
        set_phone(lead, row["phone"])
    lead.search_text = search_text(lead.title, lead.contact_name, lead.email)


async def _import_customers(
    session: AsyncSession, rows: Sequence[dict[str, Any]], existing: dict[str, Any]
) -> ImportResult:
    tag_ids = await _tag_ids(session, rows)
    created = 0
    links: list[tuple[int, int]] = []
    for row in rows:
        customer = existing.get(row.get("external_id") or "")
        if customer is None:
            customer = Customer(name=row["name"], external_id=row.get("external_id"))
            customer.contacts = []
            session.add(customer)
            created += 1
        elif "name" in row:
            customer.name = row["name"]
        known = {(contact.kind, contact.value) for contact in customer.contacts}
        customer.contacts += [
            CustomerContact(kind=kind, value=value)
            for kind, values in (
                (CustomerContact.PHONE, row.get("phones", [])),
                (CustomerContact.EMAIL, row.get("emails", [])),
            )
            for value in dict.fromkeys(values)
            if (kind, value) not in known
        ]
        row["customer"] = customer
    await session.flush()
    for row in rows:
        customer_id = row.pop("customer").id
        links += [(customer_id, tag_ids[tag]) for tag in row.get("tags", [])]
    await _link_tags(session, customer_tags, "customer_id", links)
    return ImportResult(created=created, updated=len(rows) - created)


async def _link_tags(
    session: AsyncSession, table: Any, owner: str, links: Sequence[tuple[int, int]]
) -> None:
    """Tag rows not linked yet."""
    if not links:
        return
    owners = sorted({owner_id for owner_id, _ in links})
    rows = await session.execute(
        select(table.c[owner], table.c.tag_id).where(table.c[owner].in_(owners))
    )
    present = {(owner_id, tag_id) for owner_id, tag_id in rows}
    missing = sorted(set(links) - present)
    if missing:
        await session.execute(
            insert(table), [{owner: owner_id, "tag_id": tag_id} for owner_id, tag_id in missing]
        )
