"""getFile: where a bot downloads a file a user sent, as Telegram allows (20 MB at most)."""

from __future__ import annotations

from emulator.errors import bad_request
from emulator.methods.registry import ApiCall, MethodHandler

DOWNLOAD_LIMIT = 20 * 1024 * 1024


def file_path(file_id: str) -> str:
    return f"documents/{file_id}"


async def get_file(call: ApiCall) -> object:
    file_id = call.params.get_str("file_id")
    stored = call.bot.files.get(file_id or "")
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if (stored.file_size or 0) > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    ids = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    return {**ids, "file_size": stored.file_size, "file_path": file_path(stored.file_id)}


METHODS: dict[str, MethodHandler] = {"getFile": get_file}
