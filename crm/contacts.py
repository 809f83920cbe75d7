"""Normalising the ways people write phone numbers and e-mail addresses."""

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from crm.errors import ValidationFailed

DEFAULT_PHONE_REGION = "UA"


def normalize_phone(raw: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """Return the number in E.164 (``+380671234567``) or raise ``phone-invalid``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed("phone-invalid", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("phone-invalid", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def reversed_digits(text: str) -> str:
    """The digits of ``text`` backwards: ``+380671234567`` -> ``765432176083``."""
    return "".join(ch for ch in reversed(text) if ch.isdigit())


def normalize_email(raw: str) -> str:
    """Return the address with its domain normalised and lower-cased, or raise ``email-invalid``."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("email-invalid", field="email") from None
    return checked.normalized.lower()
