"""Message text and caption rules: parse the markup, trim it and count it as Telegram does."""

from __future__ import annotations

from emulator.errors import JsonObject, bad_request
from emulator.html_entities import (
    EntityParseError,
    FormattedText,
    parse_html,
    sorted_entities,
    utf16_length,
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
    }
)
_ENTITY_ARGUMENTS = {"text_link": "url", "text_mention": "user", "custom_emoji": "custom_emoji_id"}


def format_text(raw: str | None, parse_mode: str | None, entities: object) -> FormattedText:
    """A message text as Telegram stores it; raise the error Telegram gives for a bad one."""
    formatted = _trimmed(_parse(raw or "", parse_mode, entities))
    if not formatted.text:
        raise bad_request("message text is empty")
    if utf16_length(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted


def format_caption(raw: str | None, parse_mode: str | None, entities: object) -> FormattedText:
    """A media caption as Telegram stores it; an empty one means no caption."""
    formatted = _trimmed(_parse(raw or "", parse_mode, entities))
    if utf16_length(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return formatted


def _parse(raw: str, parse_mode: str | None, entities: object) -> FormattedText:
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(raw)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    if mode in ("markdown", "markdownv2"):
        raise bad_request(
            f"parse_mode {parse_mode} is not supported by the emulator; use HTML or entities"
        )
    if mode not in ("", "none"):
        raise bad_request("unsupported parse_mode")
    return FormattedText(raw, sorted_entities(_explicit_entities(entities)))


def _explicit_entities(value: object) -> list[JsonObject]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(_is_entity(item) for item in value):
        raise bad_request("can't parse entities JSON object")
    return [dict(item) for item in value]


def _is_entity(item: object) -> bool:
    if not isinstance(item, dict) or item.get("type") not in _ENTITY_TYPES:
        return False
    offset, length = item.get("offset"), item.get("length")
    if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 1:
        return False
    argument = _ENTITY_ARGUMENTS.get(item["type"])
    return argument is None or bool(item.get(argument))


def _trimmed(formatted: FormattedText) -> FormattedText:
    """Drop leading and trailing whitespace, as Telegram does, and clip entities to match."""
    without_leading = formatted.text.lstrip()
    cut = utf16_length(formatted.text) - utf16_length(without_leading)
    text = without_leading.rstrip()
    end = utf16_length(text)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - cut, 0)
        stop = min(entity["offset"] + entity["length"] - cut, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(text, entities)
