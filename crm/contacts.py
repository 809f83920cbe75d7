"""Normalising the ways people write phone numbers and e-mail addresses."""

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from crm.errors import ValidationFailed

DEFAULT_PHONE_REGION = "UA"
# Normalising is pure and costs a fraction of a millisecond (phonenumbers, email_validator);
# a web form's contact is normalised when it is checked and again as it is taken in.
NORMALISED_KEPT = 4096


@lru_cache(maxsize=NORMALISED_KEPT)
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


def name_key(name: str) -> str:
    """What two spellings of one person's name share: its words case-folded, without
    punctuation, in alphabetical order ("Olena  Petrenko" and "petrenko, olena" match)."""
    words = "".join(ch if ch.isalnum() else " " for ch in name.casefold()).split()
    return " ".join(sorted(words))[:200]


@lru_cache(maxsize=NORMALISED_KEPT)
def normalize_email(raw: str) -> str:
    """Return the address with its domain normalised and lower-cased, or raise ``email-invalid``."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("email-invalid", field="email") from None
    return checked.normalized.lower()


@dataclass(frozen=True, slots=True)
class ContactInText:
    """A phone number and/or an e-mail address found in free text, normalised, and the words
    around them."""

    phone: str | None
    email: str | None
    other_words: list[str]


def find_contact(text: str, *, region: str = DEFAULT_PHONE_REGION) -> ContactInText | None:
    """The first valid phone number and e-mail address written anywhere in ``text``, however
    spaced (``+380 67 123 45 67``); None if it holds neither."""
    found = next(iter(phonenumbers.PhoneNumberMatcher(text, region)), None)
    phone = None
    if found is not None:
        phone = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
        text = f"{text[: found.start]} {text[found.end :]}"
    email = None
    other_words = []
    for word in text.split():
        address = None if email else _email_in(word)
        if address:
            email = address
        else:
            other_words.append(word)
    if phone is None and email is None:
        return None
    return ContactInText(phone=phone, email=email, other_words=other_words)


def _email_in(word: str) -> str | None:
    if "@" not in word:
        return None
    try:
        return normalize_email(word.strip("<>()[],;:"))
    except ValidationFailed:
        return None
