"""Reading what a sender posted: never more than the limit, and only bodies that make sense.

A body over the limit is refused by its declared length before a byte is read, or as soon
as the bytes read pass the limit. A form arrives as JSON or form-encoded; either becomes flat
text fields, an array (Contact Form 7's checkboxes) becoming its items joined by commas.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from web.errors import Rejection

BODY_LIMIT = 256 * 1024
CHUNK = 64 * 1024
JSON = "application/json"
FORM_ENCODED = "application/x-www-form-urlencoded"
MAX_FIELDS = 200


def refuse_declared_oversize(request: web.Request, limit: int = BODY_LIMIT) -> None:
    if request.content_length is not None and request.content_length > limit:
        raise Rejection(413, "body-too-large", details={"max_bytes": limit})


async def read_body(request: web.Request, limit: int = BODY_LIMIT) -> bytes:
    """The raw body (signatures are over its exact bytes), at most ``limit`` bytes."""
    refuse_declared_oversize(request, limit)
    chunks = []
    size = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise Rejection(413, "body-too-large", details={"max_bytes": limit})
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        # Not JSON, not UTF-8, nested too deep, or a number too long to read.
        raise Rejection(400, "body-not-json") from None
    if not isinstance(data, dict):
        raise Rejection(400, "body-not-json-object")
    return data


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a JSON object or a form-encoded body, as text."""
    if content_type == JSON:
        fields = {name: _field_text(name, value) for name, value in json_object(body).items()}
    elif content_type == FORM_ENCODED:
        fields = _form_encoded(body)
    else:
        raise Rejection(
            415, "content-type-unsupported", details={"accepted": f"{JSON}, {FORM_ENCODED}"}
        )
    for name, value in fields.items():
        storable_text(name, field=name)
        storable_text(value, field=name)
    return fields


def storable_text(text: str, *, field: str | None = None) -> str:
    """Text a database can hold: no NUL characters (PostgreSQL refuses them) and no halves
    of surrogate pairs (they are not Unicode)."""
    if "\x00" in text:
        raise Rejection(400, "text-has-nul", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Rejection(400, "text-not-unicode", field=field) from None
    return text


def form_encoded_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:  # not UTF-8, or too many fields
        raise Rejection(400, "body-not-form") from None


def _form_encoded(body: bytes) -> dict[str, str]:
    collected: dict[str, list[str]] = {}
    for name, value in form_encoded_pairs(body):
        # PHP's ``options[]`` for a list of checkboxes.
        collected.setdefault(name.removesuffix("[]"), []).append(value)
    return {name: ", ".join(values) for name, values in collected.items()}


def _field_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(item if isinstance(item, str) else json.dumps(item) for item in value)
    raise Rejection(400, "field-not-text", field=name)
