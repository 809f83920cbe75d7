"""Property tests: however people type phones, e-mails and amounts, we store one form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.contacts import normalize_email, normalize_phone, reversed_digits
from crm.errors import ValidationFailed
from crm.money import MAX_AMOUNT, from_minor_units, parse_amount, to_minor_units

UA_MOBILE_CODES = ["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]
separators = st.sampled_from(["", " ", "-", "  ", "."])


@st.composite
def ukrainian_mobile(draw: st.DrawFn) -> tuple[str, str]:
    """(how someone typed it, its E.164 form)"""
    code = draw(st.sampled_from(UA_MOBILE_CODES))
    subscriber = draw(st.text("0123456789", min_size=7, max_size=7))
    prefix = draw(st.sampled_from(["+380", "380", "0", "+38 0", "(0"]))
    sep = draw(separators)
    parts = [
        code + (")" if prefix == "(0" else ""),
        subscriber[:3],
        subscriber[3:5],
        subscriber[5:],
    ]
    typed = prefix + sep.join(parts)
    return typed, f"+380{code}{subscriber}"


@given(ukrainian_mobile())
def test_every_way_of_typing_a_ukrainian_mobile_gives_one_e164(sample: tuple[str, str]) -> None:
    typed, expected = sample
    assert normalize_phone(typed) == expected
    assert normalize_phone(expected) == expected


@given(ukrainian_mobile())
def test_reversed_digits_is_the_phone_read_backwards(sample: tuple[str, str]) -> None:
    _, e164 = sample
    assert reversed_digits(e164) == e164[1:][::-1]


@given(st.text(max_size=30).filter(lambda s: sum(c.isdigit() for c in s) < 7))
def test_text_with_too_few_digits_is_never_a_phone(text: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        normalize_phone(text)
    assert failure.value.code == "phone-invalid"


def test_a_foreign_number_keeps_its_country() -> None:
    assert normalize_phone("+48 601 234 567") == "+48601234567"
    assert normalize_phone("601 234 567", region="PL") == "+48601234567"


@given(
    st.from_regex(r"[a-z][a-z0-9._]{0,20}[a-z0-9]", fullmatch=True).filter(lambda s: ".." not in s),
    st.sampled_from(["example.com", "ukr.net", "Gmail.COM", "i.ua"]),
)
def test_an_email_is_stored_lower_case_and_stable(local: str, domain: str) -> None:
    typed = f"  {local.upper()}@{domain} "
    normalized = normalize_email(typed)
    assert normalized == f"{local}@{domain.lower()}"
    assert normalize_email(normalized) == normalized


@pytest.mark.parametrize("typed", ["", "plain", "a@", "@b.com", "a b@c.com", "a@b@c.com"])
def test_what_is_not_an_email_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        normalize_email(typed)
    assert failure.value.code == "email-invalid"


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False))
def test_money_survives_the_trip_through_minor_units(amount: Decimal) -> None:
    assert from_minor_units(to_minor_units(parse_amount(str(amount)))) == amount


@given(st.lists(st.decimals(min_value=0, max_value=Decimal("1e9"), places=2), max_size=50))
def test_sums_in_minor_units_are_exact(amounts: list[Decimal]) -> None:
    assert from_minor_units(sum(to_minor_units(a) for a in amounts)) == sum(amounts, Decimal(0))


@given(
    st.integers(min_value=0, max_value=int(MAX_AMOUNT) - 1), st.sampled_from([" ", "\u00a0", ""])
)
def test_thousand_separators_and_a_decimal_comma_are_understood(units: int, sep: str) -> None:
    grouped = f"{units:,}".replace(",", sep)
    assert parse_amount(f"{grouped},50") == Decimal(units) + Decimal("0.50")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("-1", "amount-negative"),
        ("1.001", "amount-too-precise"),
        ("NaN", "amount-invalid"),
        ("Infinity", "amount-invalid"),
        ("1e30", "amount-too-large"),
        ("10 000 000 000,01", "amount-too-large"),
        ("twelve", "amount-invalid"),
    ],
)
def test_amounts_that_are_not_money_are_refused(typed: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        parse_amount(typed)
    assert failure.value.code == code


def test_a_million_deals_at_the_largest_value_sum_within_sqlites_integers() -> None:
    assert parse_amount("10 000 000 000") == MAX_AMOUNT
    assert 1_000_000 * to_minor_units(MAX_AMOUNT) < 2**63


def test_a_float_is_never_taken_for_money() -> None:
    with pytest.raises(ValidationFailed):
        parse_amount(0.1)  # type: ignore[arg-type]
