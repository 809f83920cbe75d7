"""Money as Decimal in code and as integer minor units (cents, kopiykas) in the database.

Integer minor units keep sums exact on SQLite, which has no decimal type.
"""

from decimal import Decimal, InvalidOperation

from crm.errors import ValidationFailed

SUPPORTED_CURRENCIES = frozenset({"UAH", "USD", "EUR", "PLN", "GBP", "CZK", "CHF", "CAD"})
MINOR_UNITS_PER_UNIT = 100
# The largest value a BigInteger column holds in minor units, as whole units.
MAX_AMOUNT = Decimal(2**63 - 1) / MINOR_UNITS_PER_UNIT


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
