"""Quick add reads what people type: whatever the message, the name, phone, e-mail and amount
typed are either read as typed or the reading says it is unsure and offers the right one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm.errors import ValidationFailed
from crm.money import CURRENCY_CODE, CURRENCY_WORDS, MAX_AMOUNT, THOUSANDS
from crm.quick_add import READINGS_KEPT, QuickLead, read_quick_lead

DEFAULT_CURRENCY = "UAH"
UA_MOBILE_CODES = ("50", "63", "66", "67", "68", "73", "91", "93", "95", "96", "97", "98", "99")
NBSP = "\u00a0"


def read(text: str) -> tuple[QuickLead, ...]:
    return read_quick_lead(text, region="UA", default_currency=DEFAULT_CURRENCY).readings


def lead(
    name: str | None,
    phone: str | None = None,
    amount: str | None = None,
    currency: str = DEFAULT_CURRENCY,
    email: str | None = None,
) -> QuickLead:
    return QuickLead(
        name=name,
        phone=phone,
        email=email,
        amount=None if amount is None else Decimal(amount),
        currency=currency,
    )


# The messages from the issue, and the ways people write the same things.
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "Studio 54 +380671234567 12000 UAH",
            lead("Studio 54", "+380671234567", "12000"),
        ),
        (
            "Roman Bondar +380 67 123 45 67 12 000 UAH",
            lead("Roman Bondar", "+380671234567", "12000"),
        ),
        (
            "Roman Bondar +380 (67) 123-45-67 12 000 грн",
            lead("Roman Bondar", "+380671234567", "12000"),
        ),
        (
            "Роман Бондар +38 (067) 123-45-67 12 000,50 ₴",
            lead("Роман Бондар", "+380671234567", "12000.50"),
        ),
        ("Olena 067 123 45 67 $1,200.50", lead("Olena", "+380671234567", "1200.50", "USD")),
        ("Olena 0671234567 12k", lead("Olena", "+380671234567", "12000")),
        ("Olena, 0671234567, 1.5k EUR", lead("Olena", "+380671234567", "1500", "EUR")),
        ("Olena +380671234567 12000", lead("Olena", "+380671234567", "12000")),
        ("Кафе24 0671234567 €500", lead("Кафе24", "+380671234567", "500", "EUR")),
        ("B2B Studio 12 тис грн", lead("B2B Studio", None, "12000")),
        (
            "Olena olena@example.com 500 євро",
            lead("Olena", None, "500", "EUR", "olena@example.com"),
        ),
        ("Olena +380671234567", lead("Olena", "+380671234567")),
        ("Olena 12000 RUB", lead("Olena", None, "12000", "RUB")),
    ],
)
def test_a_clear_message_is_read_as_meant(typed: str, meant: QuickLead) -> None:
    assert read(typed) == (meant,)


@pytest.mark.parametrize(
    ("typed", "likeliest", "also"),
    [
        # 54 100 UAH, or "Studio 54" and 100 UAH?
        ("Studio 54 100 UAH", lead("Studio", None, "54100"), lead("Studio 54", None, "100")),
        # Part of the name, or the amount?
        (
            "Studio 54 +380671234567",
            lead("Studio 54", "+380671234567"),
            lead("Studio", "+380671234567", "54"),
        ),
        ("Olena 12000", lead("Olena 12000"), lead("Olena", None, "12000")),
        # Two amounts.
        (
            "Olena 0671234567 5000 12000 UAH",
            lead("Olena 5000", "+380671234567", "12000"),
            lead("Olena 12000 UAH", "+380671234567", "5000"),
        ),
        # The phone, or an amount?
        ("Olena 671234567", lead("Olena", "+380671234567"), lead("Olena", None, "671234567")),
        # 38 as part of the phone, or of the name?
        (
            "Studio 38 0671234567",
            lead("Studio 38", "+380671234567"),
            lead("Studio", "+380671234567"),
        ),
    ],
)
def test_an_ambiguous_message_offers_its_readings(
    typed: str, likeliest: QuickLead, also: QuickLead
) -> None:
    readings = read(typed)
    assert readings[0] == likeliest
    assert also in readings


@dataclass(frozen=True)
class Typed:
    """One part of a message: the words typed and what they mean."""

    text: str
    value: object


def _is_plain_word(word: str) -> bool:
    """A name word that no reading could take for something else."""
    return (
        word.casefold() not in CURRENCY_WORDS
        and word.casefold() not in THOUSANDS
        and not CURRENCY_CODE.match(word)
    )


latin = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=10)
cyrillic = st.text(st.sampled_from("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'"), min_size=1, max_size=10)
letters = (latin | cyrillic).map(str.capitalize).filter(_is_plain_word)
# Digits inside words ("B2B", "Кафе24") and numbers of their own ("Studio 54").
with_digits = st.tuples(letters, st.integers(0, 999), letters | st.just("")).map(
    lambda parts: f"{parts[0]}{parts[1]}{parts[2]}"
)
house_number = st.integers(1, 999).map(str)
name_words = st.lists(letters | with_digits | house_number, min_size=1, max_size=4).filter(
    lambda words: any(not word.isdigit() for word in words)
)
names = name_words.map(lambda words: Typed(" ".join(words), " ".join(words)))


@st.composite
def phones(draw: st.DrawFn) -> Typed:
    code = draw(st.sampled_from(UA_MOBILE_CODES))
    rest = draw(st.text("0123456789", min_size=7, max_size=7))
    a, b, c = rest[:3], rest[3:5], rest[5:]
    written = draw(
        st.sampled_from(
            [
                f"+380{code}{rest}",
                f"+380 {code} {a} {b} {c}",
                f"+380 ({code}) {a}-{b}-{c}",
                f"+38 (0{code}) {a}-{b}-{c}",
                f"+38 0{code} {a} {b} {c}",
                f"0{code}{rest}",
                f"0{code} {a} {b} {c}",
                f"(0{code}) {a}-{b}-{c}",
                f"0{code}-{a}-{b}-{c}",
                f"380{code}{rest}",
            ]
        )
    )
    e164 = f"+380{code}{rest}"
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    return Typed(written, e164)


emails = st.tuples(latin, latin).map(lambda p: Typed(f"{p[0]}@{p[1]}.com", f"{p[0]}@{p[1]}.com"))

CURRENCIES_WRITTEN = {
    "UAH": ["UAH", "uah", "грн", "₴", "гривень"],
    "USD": ["USD", "$", "доларів"],
    "EUR": ["EUR", "€", "євро"],
    "PLN": ["PLN", "zł"],
}
SYMBOLS = frozenset({"₴", "$", "€"})


def _grouped(units: int, separator: str) -> str:
    return f"{units:,}".replace(",", separator)


@st.composite
def amounts(draw: st.DrawFn, *, with_currency: bool = False) -> Typed:
    units = draw(st.integers(1, int(MAX_AMOUNT)))
    cents = draw(st.sampled_from([0, 0, 50, 5, 99]))
    value = Decimal(units) + Decimal(cents) / 100
    fraction = f"{cents:02d}" if cents else ""
    ways = [
        str(units) + (f",{fraction}" if fraction else ""),
        _grouped(units, " ") + (f",{fraction}" if fraction else ""),
        _grouped(units, NBSP) + (f",{fraction}" if fraction else ""),
        _grouped(units, ",") + (f".{fraction}" if fraction else ""),
        str(units) + (f".{fraction}" if fraction else ""),
    ]
    if not cents and units % 1000 == 0:
        ways += [f"{units // 1000}k", f"{units // 1000} тис"]
    if not cents and units % 100 == 0 and units % 1000:
        ways.append(f"{Decimal(units) / 1000}k")
    number = draw(st.sampled_from(ways))
    currency = draw(st.sampled_from([*([] if with_currency else [None]), *CURRENCIES_WRITTEN]))
    if currency is None:
        return Typed(number, (value, DEFAULT_CURRENCY))
    word = draw(st.sampled_from(CURRENCIES_WRITTEN[currency]))
    joint = draw(st.sampled_from(["", " "])) if word in SYMBOLS else " "
    before = word in SYMBOLS and draw(st.booleans())
    written = f"{word}{joint}{number}" if before else f"{number}{joint}{word}"
    return Typed(written, (value, currency))


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, QuickLead]:
    name = draw(names)
    phone = draw(st.none() | phones())
    email = draw(st.none() | emails)
    amount = draw(st.none() | amounts())
    parts = draw(st.permutations([part for part in (name, phone, email, amount) if part]))
    separator = draw(st.sampled_from([" ", ", "]))
    value, currency = amount.value if amount else (None, DEFAULT_CURRENCY)
    meant = QuickLead(
        name=str(name.value),
        phone=str(phone.value) if phone else None,
        email=str(email.value) if email else None,
        amount=value,
        currency=str(currency),
    )
    return separator.join(part.text for part in parts), meant


@given(messages())
@example(("Studio 54 +380671234567 12000 UAH", lead("Studio 54", "+380671234567", "12000")))
@example(
    ("Roman Bondar +380 67 123 45 67 12 000 UAH", lead("Roman Bondar", "+380671234567", "12000"))
)
def test_what_was_typed_is_read_or_offered(message: tuple[str, QuickLead]) -> None:
    typed, meant = message
    reading = read_quick_lead(typed, region="UA", default_currency=DEFAULT_CURRENCY)
    if not reading.is_ambiguous:
        assert reading.likeliest == meant
    # Offered among the readings, unless the line reads so many ways that some are left out.
    assert meant in reading.readings or len(reading.readings) == READINGS_KEPT


def test_a_line_longer_than_a_quick_add_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"^quick-add-too-long$"):
        read("Olena " * 100)


@given(names, phones(), amounts(with_currency=True))
def test_name_phone_and_an_amount_with_its_currency_need_no_question(
    name: Typed, phone: Typed, amount: Typed
) -> None:
    """The order the bot suggests is read without a question, numbers in the name and all;
    only a name ending in a number right before a phone without its + is unsure
    (``Studio 38 0671234567``: 38 may be the country code)."""
    ends_in_number = str(name.value).split()[-1].isdigit()
    if ends_in_number and not phone.text.startswith("+"):
        return
    value, currency = amount.value  # type: ignore[misc]
    typed = f"{name.text} {phone.text} {amount.text}"
    assert read(typed) == (lead(str(name.value), str(phone.value), str(value), str(currency)),)
