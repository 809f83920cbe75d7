"""Bot API call parameters, read alike from a query string, a JSON body or a form.

Form fields (what aiogram sends) are all strings, with nested objects such as reply_markup as
JSON text; a JSON body carries native values. The accessors accept both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from emulator.errors import BotApiError, bad_request, request_too_large

_INTEGER = re.compile(r"^-?\d{1,20}$")
_TRUE = frozenset({"true", "1", "yes"})


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes = field(repr=False)
    content_type: str


class Params:
    def __init__(
        self, values: Mapping[str, object], files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self._values = dict(values)
        self._files = dict(files or {})

    def get_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value):
            return int(value)
        raise bad_request(f'field "{name}" must be of type Integer')

    def require_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def get_bool(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.lower() in _TRUE
        return bool(value)

    def get_json(self, name: str) -> object:
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self) -> int | str:
        """The chat_id parameter: a number, or an @username."""
        value = self.get_str("chat_id")
        if not value:
            raise bad_request("chat_id is empty")
        if _INTEGER.match(value):
            return int(value)
        if value.startswith("@"):
            return value
        raise bad_request("chat not found")

    def input_file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file, possibly referenced as attach://<part>, or a file_id or URL."""
        if name in self._files:
            return self._files[name]
        value = self.get_str(name)
        if value is None or not value.startswith("attach://"):
            return value
        attached = self._files.get(value.removeprefix("attach://"))
        if attached is None:
            raise bad_request(f"there is no file attached as {value}")
        return attached


async def read_params(request: web.Request) -> Params:
    """The parameters of a Bot API request, whatever form the client sent them in."""
    values: dict[str, object] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.can_read_body:
        try:
            await _read_body(request, values, files)
        except web.HTTPRequestEntityTooLarge:
            raise request_too_large() from None
    return Params(values, files)


async def _read_body(
    request: web.Request, values: dict[str, object], files: dict[str, UploadedFile]
) -> None:
    if request.content_type == "application/json":
        values.update(await _json_body(request))
        return
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
        else:
            values[key] = value


async def _json_body(request: web.Request) -> dict[str, object]:
    try:
        body = await request.json()
    except ValueError:
        raise _unparsable_body() from None
    if not isinstance(body, dict):
        raise _unparsable_body()
    return body


def _unparsable_body() -> BotApiError:
    return bad_request("can't parse request JSON object")
