"""The HTML parse mode on its own: plain text, entities in UTF-16 units, Telegram's errors."""

from __future__ import annotations

import pytest

from emulator.html_entities import EntityParseError, checked_link, parse_html, utf16_length


def test_tags_become_entities_over_the_visible_text() -> None:
    parsed = parse_html("<b>Deal</b> <i>won</i>: <code>#42</code>")

    assert parsed.text == "Deal won: #42"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 3},
        {"type": "code", "offset": 10, "length": 3},
    ]


def test_offsets_count_utf16_code_units() -> None:
    parsed = parse_html("😀 <b>Привіт</b>")

    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 6}]
    assert utf16_length("😀") == 2


def test_character_references_are_decoded() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#65;&#x42;").text == '<>&"AB'


def test_nested_tags_on_the_same_span_come_in_telegrams_order() -> None:
    parsed = parse_html("<i><b>x</b></i>")

    assert [entity["type"] for entity in parsed.entities] == ["bold", "italic"]


def test_pre_with_a_language_code_block() -> None:
    parsed = parse_html('<pre><code class="language-python">print(1)</code></pre>')

    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_links_mentions_spoilers_and_quotes() -> None:
    markup = (
        '<a href="https://crm.example/deals/7">deal</a> '
        '<a href="tg://user?id=42">Ann</a> '
        '<span class="tg-spoiler">s</span> '
        "<blockquote expandable>q</blockquote>"
    )

    entities = parse_html(markup).entities

    assert entities[0] == {
        "type": "text_link",
        "offset": 0,
        "length": 4,
        "url": "https://crm.example/deals/7",
    }
    assert entities[1]["type"] == "text_mention"
    assert entities[1]["user"]["id"] == 42
    assert [entity["type"] for entity in entities[2:]] == ["spoiler", "expandable_blockquote"]


def test_link_urls_are_normalised_or_dropped() -> None:
    assert checked_link("example.com") == "http://example.com/"
    assert checked_link("javascript:alert(1)") is None
    assert parse_html('<a href="javascript:alert(1)">x</a>').entities == []


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Привіт <br>", 'Unsupported start tag "br" at byte offset 13'),
        ("<b>open", "Can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y', "Unclosed start tag at byte offset 0"),
        ('<span class="big">a</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("AT&T", "Character '&' must be escaped as &amp; at byte offset 2"),
        ("&nbsp;", "Character '&' must be escaped as &amp; at byte offset 0"),
    ],
)
def test_malformed_markup_is_refused_like_telegram_does(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as refused:
        parse_html(markup)

    assert str(refused.value).startswith(error)
