"""Answering callback queries and inline queries."""

from __future__ import annotations

from emulator.errors import JsonObject, bad_request
from emulator.formatting import format_text
from emulator.keyboards import require_private_chat_for_web_apps, validate_inline_keyboard
from emulator.methods.registry import ApiCall, MethodHandler

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64


async def answer_callback_query(call: ApiCall) -> bool:
    params = call.params
    text = params.get_str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    record = call.bot.callbacks.get(params.get_str("callback_query_id") or "")
    if record is None or record.answer is not None:
        raise bad_request(QUERY_INVALID)
    record.answer = {
        "text": text,
        "show_alert": params.get_bool("show_alert"),
        "url": params.get_str("url"),
        "cache_time": params.get_int("cache_time") or 0,
    }
    return True


async def answer_inline_query(call: ApiCall) -> bool:
    params = call.params
    record = call.bot.inline_queries.get(params.get_str("inline_query_id") or "")
    if record is None or record.answer is not None:
        raise bad_request(QUERY_INVALID)
    results = _valid_results(params.get_json("results"))
    record.answer = {
        "results": results,
        "cache_time": params.get_int("cache_time"),
        "is_personal": params.get_bool("is_personal"),
        "next_offset": params.get_str("next_offset") or "",
        "button": params.get_json("button"),
    }
    return True


def _valid_results(results: object) -> list[JsonObject]:
    if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
        raise bad_request("can't parse results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        result_id = result.get("id")
        if (
            not isinstance(result_id, str)
            or not 1 <= len(result_id.encode()) <= MAX_RESULT_ID_BYTES
        ):
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        _validate_result_content(result)
    return results


def _validate_result_content(result: JsonObject) -> None:
    # An inline result may be sent to any chat, so it may not carry a Mini App button.
    markup = validate_inline_keyboard(result.get("reply_markup"))
    require_private_chat_for_web_apps(markup, private=False)
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))


METHODS: dict[str, MethodHandler] = {
    "answerCallbackQuery": answer_callback_query,
    "answerInlineQuery": answer_inline_query,
}
