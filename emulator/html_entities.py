"""Telegram's HTML parse mode: markup in, plain text plus message entities out.

Follows the Bot API server's parser (tdlib's ``parse_html``): the same tags, the same attribute
rules and the same error messages, with entity offsets and lengths in UTF-16 code units. One
deliberate difference: an "&" that starts no character reference is refused, not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit, urlunsplit

from emulator.errors import JsonObject

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_STYLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# Telegram's ordering of entities that share offset and length.
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_LINK_SCHEMES = frozenset({"http", "https"})
_OPAQUE_LINK_SCHEMES = frozenset({"tg", "ton", "tonsite"})

_SPACE_CHARS = " \t\r\n\v\f"
_SPECIAL = re.compile(r"[<&]")
_SPACES = re.compile(rf"[{_SPACE_CHARS}]*")
_TAG_NAME = re.compile(rf"[^{_SPACE_CHARS}>]*")
_ATTRIBUTE_NAME = re.compile(rf"[^{_SPACE_CHARS}=>]*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_REFERENCE = re.compile(r"&(?:#x(?P<hex>[0-9a-fA-F]*)|#(?P<dec>[0-9]*)|(?P<name>[a-zA-Z]*));?")
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_MAX_NUMERIC_REFERENCE_LENGTH = 9


class EntityParseError(ValueError):
    """Markup Telegram refuses; the message is what follows "can't parse entities: "."""


@dataclass
class FormattedText:
    text: str
    entities: list[JsonObject] = field(default_factory=list)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def parse_html(markup: str) -> FormattedText:
    """Parse Telegram HTML, raising EntityParseError where Telegram answers 400."""
    return _HtmlParser(markup).parse()


def checked_link(url: str) -> str | None:
    """The URL as Telegram stores it in a text_link or button, or None if Telegram refuses it."""
    url = url.strip()
    if not url or any(char.isspace() for char in url):
        return None
    if not _HAS_SCHEME.match(url):
        url = f"http://{url}"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _OPAQUE_LINK_SCHEMES:
        return url
    if scheme not in _LINK_SCHEMES or not parts.hostname:
        return None
    return urlunsplit(
        (scheme, parts.netloc.lower(), parts.path or "/", parts.query, parts.fragment)
    )


def mentioned_user_id(url: str) -> int | None:
    """The user id of a ``tg://user?id=N`` link, which Telegram turns into a text_mention."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "tg" or parts.netloc.lower() != "user":
        return None
    ids = parse_qs(parts.query).get("id", [])
    if len(ids) == 1 and ids[0].isdigit() and int(ids[0]) > 0:
        return int(ids[0])
    return None


def _decode_reference(match: re.Match[str]) -> str | None:
    hex_digits, decimal_digits, name = match.group("hex", "dec", "name")
    if name is not None:
        return _NAMED_REFERENCES.get(name)
    digits = hex_digits if hex_digits is not None else decimal_digits
    if not digits or len(digits) > _MAX_NUMERIC_REFERENCE_LENGTH:
        return None
    code = int(digits, 16 if hex_digits is not None else 10)
    if code == 0 or code >= 0x10FFFF:
        return None
    return chr(code)


def _tag_argument(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return None


def sorted_entities(entities: list[JsonObject]) -> list[JsonObject]:
    """Entities in Telegram's order: by offset, longer first, then by type."""
    return sorted(entities, key=_entity_order)


def _entity_order(entity: JsonObject) -> tuple[int, int, int]:
    return entity["offset"], -entity["length"], _TYPE_PRIORITY.get(entity["type"], 50)


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int
    first_part: int


class _HtmlParser:
    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.pos = 0
        self.parts: list[str] = []
        self.offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[JsonObject] = []

    def parse(self) -> FormattedText:
        while self.pos < len(self.markup):
            special = _SPECIAL.search(self.markup, self.pos)
            end = special.start() if special else len(self.markup)
            self._emit(self.markup[self.pos : end])
            self.pos = end
            if special is None:
                break
            if special.group() == "&":
                self._read_reference()
            else:
                self._read_tag()
        if self.open_tags:
            name = self.open_tags[-1].name
            raise EntityParseError(f"Can't find end tag corresponding to start tag {name}")
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return FormattedText("".join(self.parts), sorted_entities(self.entities))

    def _emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.offset += utf16_length(text)

    def _byte_offset(self, index: int) -> int:
        return len(self.markup[:index].encode("utf-8", errors="surrogatepass"))

    def _error(self, message: str, index: int) -> EntityParseError:
        return EntityParseError(f"{message} at byte offset {self._byte_offset(index)}")

    def _read_reference(self) -> None:
        match = _REFERENCE.match(self.markup, self.pos)
        assert match is not None  # the pattern matches any "&"
        char = _decode_reference(match)
        if char is None:
            # Telegram keeps such an "&" as typed, but text that reaches it unescaped would break
            # the message as soon as it holds a "<"; refusing it shows the bug with benign data.
            raise self._error("Character '&' must be escaped as &amp;", self.pos)
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        self._emit(char)
        self.pos = match.end()

    def _read_tag(self) -> None:
        if self.markup.startswith("</", self.pos):
            self._close_tag(self.pos)
        else:
            self._open_tag(self.pos)

    def _open_tag(self, begin: int) -> None:
        name_match = _TAG_NAME.match(self.markup, begin + 1)
        assert name_match is not None
        if name_match.end() >= len(self.markup):
            raise self._error("Unclosed start tag", begin)
        name = name_match.group().lower()
        if name not in SUPPORTED_TAGS:
            raise self._error(f'Unsupported start tag "{name}"', begin)
        argument, tag_end = self._read_attributes(name, begin, name_match.end())
        if name == "span" and argument != "spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"', begin)
        self.open_tags.append(_OpenTag(name, argument, self.offset, len(self.parts)))
        self.pos = tag_end + 1

    def _read_attributes(self, tag: str, begin: int, position: int) -> tuple[str, int]:
        """Read attributes up to the closing ">"; return the tag's argument and where ">" is."""
        argument = ""
        while True:
            position = self._skip_spaces(position)
            if position >= len(self.markup):
                raise self._error("Unclosed start tag", begin)
            if self.markup[position] == ">":
                return argument, position
            name_match = _ATTRIBUTE_NAME.match(self.markup, position)
            assert name_match is not None
            attribute = name_match.group()
            if not attribute:
                raise self._error(f'Empty attribute name in the tag "{tag}"', begin)
            position = self._skip_spaces(name_match.end())
            has_value = self.markup.startswith("=", position)
            if tag == "blockquote" and attribute == "expandable" and not has_value:
                argument = "expandable"
                continue
            if not has_value:
                message = f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                raise self._error(message, begin)
            position = self._skip_spaces(position + 1)
            if position >= len(self.markup):
                raise self._error(f'Unclosed start tag "{tag}"', begin)
            value, position = self._read_attribute_value(begin, position)
            if position >= len(self.markup):
                raise self._error("Unclosed start tag", begin)
            argument = _tag_argument(tag, attribute, value) or argument

    def _read_attribute_value(self, begin: int, position: int) -> tuple[str, int]:
        quote = self.markup[position]
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.markup, position)
            assert token is not None
            end = token.end()
            if end < len(self.markup) and self.markup[end] not in _SPACE_CHARS + ">":
                raise self._error("Unexpected end of name token", position)
            return token.group().lower(), end
        closing = self.markup.find(quote, position + 1)
        if closing == -1:
            raise self._error("Unclosed start tag", begin)
        raw_value = self.markup[position + 1 : closing]
        value = _REFERENCE.sub(lambda match: _decode_reference(match) or match.group(), raw_value)
        return value, closing + 1

    def _skip_spaces(self, position: int) -> int:
        match = _SPACES.match(self.markup, position)
        assert match is not None
        return match.end()

    def _close_tag(self, begin: int) -> None:
        if not self.open_tags:
            raise self._error("Unexpected end tag", begin)
        name_match = _TAG_NAME.match(self.markup, begin + 2)
        assert name_match is not None
        tag_end = self._skip_spaces(name_match.end())
        if not self.markup.startswith(">", tag_end):
            raise self._error("Unclosed end tag", begin)
        end_name = name_match.group().lower()
        tag = self.open_tags.pop()
        if end_name and end_name != tag.name:
            found = f'expected "</{tag.name}>", found "</{end_name}>"'
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, {found}"
            )
        if self.offset > tag.offset:
            self._add_entity(tag)
        self.pos = tag_end + 1

    def _add_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.offset, self.offset - tag.offset
        if tag.name in _STYLE_TYPES:
            self.entities.append(
                {"type": _STYLE_TYPES[tag.name], "offset": offset, "length": length}
            )
        elif tag.name == "tg-emoji":
            self._add_custom_emoji(tag.argument, offset, length)
        elif tag.name == "a":
            self._add_link(tag, offset, length)
        elif tag.name == "pre":
            self._add_pre(offset, length)
        elif tag.name == "code":
            self._add_code(tag.argument, offset, length)
        else:
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self.entities.append({"type": kind, "offset": offset, "length": length})

    def _add_custom_emoji(self, emoji_id: str, offset: int, length: int) -> None:
        if not emoji_id.isdigit() or int(emoji_id) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        self.entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": emoji_id,
            }
        )

    def _add_link(self, tag: _OpenTag, offset: int, length: int) -> None:
        url = tag.argument or "".join(self.parts[tag.first_part :])
        span: JsonObject = {"offset": offset, "length": length}
        user_id = mentioned_user_id(url)
        if user_id is not None:
            user = {"id": user_id, "is_bot": False, "first_name": ""}
            self.entities.append({"type": "text_mention", **span, "user": user})
        elif (link := checked_link(url)) is not None:
            self.entities.append({"type": "text_link", **span, "url": link})

    def _same_span_as_last(self, kind: str, offset: int, length: int) -> JsonObject | None:
        if not self.entities:
            return None
        last = self.entities[-1]
        same_span = last["offset"] == offset and last["length"] == length
        return last if same_span and last["type"] == kind else None

    def _add_pre(self, offset: int, length: int) -> None:
        inner_code = self._same_span_as_last("code", offset, length)
        if inner_code is not None:
            inner_code["type"] = "pre"
        else:
            self.entities.append({"type": "pre", "offset": offset, "length": length})

    def _add_code(self, language: str, offset: int, length: int) -> None:
        outer_pre = self._same_span_as_last("pre", offset, length)
        if outer_pre is not None and language:
            outer_pre["language"] = language
            return
        code: JsonObject = {"type": "code", "offset": offset, "length": length}
        if language:
            code["language"] = language
        self.entities.append(code)
