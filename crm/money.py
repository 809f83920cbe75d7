"""Money as Decimal in code and as integer minor units (cents, kopiykas) in the database, and
amounts as people type them: ``12 000,50 грн``, ``$1,200``, ``12k``, ``₴12000``.

Integer minor units keep sums exact on SQLite, which has no decimal type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from price_parser import Price

from crm.errors import ValidationFailed

SUPPORTED_CURRENCIES = frozenset({"UAH", "USD", "EUR", "PLN", "GBP", "CZK", "CHF", "CAD"})
MINOR_UNITS_PER_UNIT = 100
# The most one deal or order may be worth. The board and the 360 card sum minor units in the
# database, in SQLite's 64-bit integers (PostgreSQL's sum of bigint is numeric): a million
# leads at this value still sum to less than 2**63.
MAX_AMOUNT = Decimal("10000000000.00")

# Words and symbols people write for a currency, case-folded; a code (``UAH``) stands for itself.
CURRENCY_WORDS = {
    **{code.casefold(): code for code in SUPPORTED_CURRENCIES},
    **dict.fromkeys(("₴", "грн", "грн.", "гривня", "гривні", "гривень", "hrn", "hryvnia"), "UAH"),
    **dict.fromkeys(("$", "us$", "долар", "долари", "доларів", "дол.", "dollar", "dollars"), "USD"),
    **dict.fromkeys(("€", "євро", "euro", "euros"), "EUR"),
    **dict.fromkeys(("zł", "злотих"), "PLN"),
    **dict.fromkeys(("£",), "GBP"),
    **dict.fromkeys(("kč",), "CZK"),
}
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
THOUSANDS = frozenset({"k", "к", "тис", "тис.", "тисяч"})
# An amount as typed, its parts apart by at most one space: a currency before it, the number
# (digits grouped by spaces in threes, or with , and . in any of the ways price-parser reads),
# "k" for thousands, a currency after it. Which words are currencies is checked afterwards.
_TYPED_AMOUNT = re.compile(
    r"^(?:(?P<before>[^\d\s]+) ?)?"
    r"(?P<number>[1-9]\d{0,2}(?: \d{3})+(?:[.,]\d{1,2})?|(?:0|[1-9]\d*)(?:[.,]\d+)*)"
    r"(?: ?(?P<thousands>k|к|тис\.?|тисяч)(?![^\W\d_]))?"
    r"(?: ?(?P<after>[^\d\s]+))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TypedAmount:
    value: Decimal
    currency: str | None
    """The currency's code, if one was typed."""
    formatted: bool
    """Grouped in thousands, with a decimal part or a "k": written as money, not as a count."""


def typed_amount(text: str) -> TypedAmount | None:
    """The amount ``text`` is, all of it, or None. Not checked against the limits: see
    :func:`parse_amount`."""
    match = _TYPED_AMOUNT.match(" ".join(text.split()))
    if match is None:
        return None
    before, after = match["before"], match["after"]
    currencies = {currency_code(word) for word in (before, after) if word is not None}
    if None in currencies or len(currencies) > 1:
        return None
    number = match["number"]
    value = Price.fromstring(number.replace(" ", "")).amount
    if value is None:
        return None
    if match["thousands"]:
        value *= 1000
    return TypedAmount(
        value=value,
        currency=currencies.pop() if currencies else None,
        formatted=bool(match["thousands"]) or not number.isdigit(),
    )


def currency_code(word: str) -> str | None:
    """``грн`` -> ``UAH``, ``$`` -> ``USD``, ``EUR`` -> ``EUR``; None if it names no currency.

    Any three capitals count as a code, so that ``12000 RUB`` is refused as a currency rather
    than read as a name.
    """
    known = CURRENCY_WORDS.get(word.casefold())
    if known is not None:
        return known
    return word if CURRENCY_CODE.match(word) else None


def parse_amount(raw: str | int | Decimal, *, field: str = "value") -> Decimal:
    """Turn user input like ``12000``, ``12 000,50`` or ``Decimal('1.5')`` into a Decimal."""
    if isinstance(raw, float):
        raise ValidationFailed("amount-not-decimal", field=field)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed("amount-invalid", field=field) from None
    if not amount.is_finite():
        raise ValidationFailed("amount-invalid", field=field)
    if amount < 0:
        raise ValidationFailed("amount-negative", field=field)
    if amount > MAX_AMOUNT:
        raise ValidationFailed("amount-too-large", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("amount-too-precise", field=field)
    return amount


def to_minor_units(amount: Decimal) -> int:
    return int(amount * MINOR_UNITS_PER_UNIT)


def from_minor_units(minor: int) -> Decimal:
    return (Decimal(minor) / MINOR_UNITS_PER_UNIT).quantize(Decimal("0.01"))


def parse_currency(raw: str, *, field: str = "currency") -> str:
    code = raw.strip().upper()
    if code not in SUPPORTED_CURRENCIES:
        raise ValidationFailed("currency-unsupported", field=field)
    return code
