"""Reading a lead typed in one line: ``Studio 54 +380 (67) 123-45-67 12 000 грн``.

The phone is a run of words that phonenumbers validates in the team's region (its
``PhoneNumberMatcher`` takes ``+380 (67) 123-45-67 12 000`` for one number, too long to be valid,
and finds nothing, so each run is checked on its own), the e-mail a word with an ``@``, the
amount a run of words :func:`crm.money.typed_amount` reads; the name is every other word, in
order, so numbers inside names stay there. When the words can be read in more than one sensible
way (two amounts, a bare number beside the name, a number that is a phone or an amount), the
reading says so and carries the other ways, for the person to choose.

Not handled: a name word that is itself a currency or "k" right beside a number (``Trade Euro
12000`` reads as 12 000 EUR).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from pydantic import BaseModel, ConfigDict

from crm.errors import ValidationFailed
from crm.money import MAX_AMOUNT, TypedAmount, typed_amount

# A name, a phone, an e-mail and an amount fit with room to spare; a longer line is not a
# quick add, and reading it would take long.
QUICK_ADD_MAX_LENGTH = 500
# The most readings offered; a line that reads more ways is better typed again.
READINGS_KEPT = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PART = re.compile(r"^\+?[\d().\-]*\d[\d().\-]*$")
PHONE_DIGITS = range(7, 16)
# The most words a phone (``+380 (67) 123 45 67``) or an amount (``₴ 1 200 000,50 тис``) spans.
PHONE_WORDS = 6
AMOUNT_WORDS = 8
# Punctuation around words that separates the parts of a message rather than belonging to them.
SEPARATORS = ",;"
NAME_EDGES = " ,;-–—|/"


class QuickLead(BaseModel):
    """One way of reading the message; ``phone`` in E.164, ``currency`` the amount's or the
    team's default."""

    model_config = ConfigDict(frozen=True)

    name: str | None
    phone: str | None
    email: str | None
    amount: Decimal | None
    currency: str

    def draft_fields(self) -> dict[str, object]:
        """The fields of a :class:`crm.schemas.LeadDraft`."""
        fields: dict[str, object] = {"currency": self.currency}
        if self.name:
            fields["contact_name"] = self.name
        if self.phone:
            fields["phone"] = self.phone
        if self.email:
            fields["email"] = self.email
        if self.amount is not None:
            fields["value"] = str(self.amount)
        return fields


@dataclass(frozen=True, slots=True)
class QuickAddReading:
    """The likeliest reading first; any others mean the message is ambiguous."""

    readings: tuple[QuickLead, ...]

    @property
    def likeliest(self) -> QuickLead:
        return self.readings[0]

    @property
    def is_ambiguous(self) -> bool:
        return len(self.readings) > 1


@dataclass(frozen=True, slots=True)
class _Span:
    """Words ``start`` to ``end`` (inclusive) of the message."""

    start: int
    end: int

    @property
    def words(self) -> range:
        return range(self.start, self.end + 1)

    def overlaps(self, other: _Span) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True, slots=True)
class _Phone:
    span: _Span
    e164: str
    written_as_phone: bool


@dataclass(frozen=True, slots=True)
class _Amount:
    span: _Span
    amount: TypedAmount


@dataclass(frozen=True, slots=True)
class _Choice:
    phone: _Phone | None
    email: int | None
    amount: _Amount | None


def read_quick_lead(text: str, *, region: str, default_currency: str) -> QuickAddReading:
    """The sensible readings of ``text``, the likeliest first, at most ``READINGS_KEPT``."""
    if len(text) > QUICK_ADD_MAX_LENGTH:
        raise ValidationFailed("quick-add-too-long", field="text")
    message = _Message(text.split(), region)
    readings = [message.reading(choice, default_currency) for choice in message.choices()]
    return QuickAddReading(tuple(dict.fromkeys(readings))[:READINGS_KEPT])


class _Message:
    def __init__(self, words: list[str], region: str) -> None:
        self.words = words
        self.cores = [word.strip(SEPARATORS) for word in words]
        self.emails = [i for i, core in enumerate(self.cores) if EMAIL.match(core)]
        self.phones = self._phones(region)
        self.amounts = self._amounts()

    def choices(self) -> list[_Choice]:
        """The likeliest choice first, then the others worth offering."""
        phone_options = self._phone_options()
        email_options: list[int | None] = list(self.emails) or [None]
        choices = [
            _Choice(phone, email_options[0], amount)
            for phone in phone_options
            for amount in self._amount_options(phone, email_options[0])
        ]
        choices += [
            _Choice(choices[0].phone, email, choices[0].amount) for email in email_options[1:]
        ]
        choices += self._phone_as_amount(choices[0])
        return choices

    def reading(self, choice: _Choice, default_currency: str) -> QuickLead:
        taken: set[int] = set()
        if choice.phone is not None:
            taken.update(choice.phone.span.words)
        if choice.email is not None:
            taken.add(choice.email)
        if choice.amount is not None:
            taken.update(choice.amount.span.words)
        name = " ".join(word for i, word in enumerate(self.words) if i not in taken)
        amount = choice.amount.amount if choice.amount else None
        return QuickLead(
            name=name.strip(NAME_EDGES) or None,
            phone=choice.phone.e164 if choice.phone else None,
            email=self.cores[choice.email] if choice.email is not None else None,
            amount=amount.value if amount else None,
            currency=(amount.currency if amount else None) or default_currency,
        )

    # Phones

    def _phones(self, region: str) -> list[_Phone]:
        """Every run of words that is a valid phone number."""
        found = []
        for span in self._spans(PHONE_WORDS):
            cores = self.cores[span.start : span.end + 1]
            if not all(PHONE_PART.match(core) for core in cores) or "+" in "".join(cores[1:]):
                continue
            text = " ".join(cores)
            phone = _phone_number(text, region)
            if phone is not None:
                found.append(_Phone(span, phone, _written_as_phone(text, region)))
        return found

    def _phone_options(self) -> list[_Phone | None]:
        """The first phone (written as one if any is), then the other ways worth offering:
        ``38 0671234567`` with or without the 38, another phone, and no phone at all when
        the digits are not written as a phone (``5000 12000`` is a valid number in Ukraine)."""
        candidates = [p for p in self.phones if p.written_as_phone] or self.phones
        whole = [p for p in candidates if not any(_within(p.span, q.span) for q in candidates)]
        if not whole:
            return [None]
        first = whole[0]
        overlapping = [
            p
            for p in self.phones
            if p != first and self._differ_by_bare_numbers(p.span, first.span)
        ]
        others = [p for p in whole[1:] if not p.span.overlaps(first.span)]
        unsure: list[_Phone | None] = [] if first.written_as_phone else [None]
        return [first, *overlapping, *others, *unsure]

    def _differ_by_bare_numbers(self, span: _Span, other: _Span) -> bool:
        if not span.overlaps(other):
            return False
        differing = set(span.words) ^ set(other.words)
        return all(self.cores[i].isdigit() and typed_amount(self.cores[i]) for i in differing)

    def _phone_as_amount(self, likeliest: _Choice) -> list[_Choice]:
        """Digits read as the phone that read as an amount too (``671234567``) are offered as
        the amount, unless another amount has its currency."""
        phone = likeliest.phone
        if phone is None or phone.written_as_phone:
            return []
        if likeliest.amount is not None and likeliest.amount.amount.currency is not None:
            return []
        as_amount = [a for a in self.amounts if a.span == phone.span]
        return [_Choice(None, likeliest.email, amount) for amount in as_amount]

    # Amounts

    def _amounts(self) -> list[_Amount]:
        """Every run of words that is an amount."""
        found = []
        for span in self._spans(AMOUNT_WORDS):
            amount = typed_amount(" ".join(self.cores[span.start : span.end + 1]))
            if amount is not None:
                found.append(_Amount(span, amount))
        return found

    def _amount_options(self, phone: _Phone | None, email: int | None) -> list[_Amount | None]:
        """The likeliest amount (or none) with the phone and e-mail taken, then the others."""
        taken = set(self.emails) | set(phone.span.words if phone else ())
        free = [a for a in self.amounts if taken.isdisjoint(a.span.words)]
        whole = [a for a in free if not any(_within(a.span, b.span) for b in free)]
        runs = _Runs(len(self.words), taken, free)
        with_currency = [a for a in whole if a.amount.currency is not None]
        alone = [a for a in whole if a.amount.currency is None and runs.alone(a)]
        options: list[_Amount | None]
        if with_currency:
            options = [with_currency[-1], *with_currency[:-1], *alone]
        elif alone:
            options = [alone[-1], *alone[:-1]]
        else:
            # Among name words: written as money, likelier the amount; bare, a name part; a
            # bare number with name words on both sides (``Kyiv 54 Studio``) is the name.
            beside_name = [a for a in whole if a.amount.formatted or runs.at_edge(a)]
            formatted = [a for a in beside_name if a.amount.formatted]
            likeliest = formatted[-1] if formatted else None
            options = [likeliest, *(a for a in beside_name if a is not likeliest)]
            if likeliest is not None:
                options.append(None)
        return options + [a for option in options if option for a in runs.shorter(option)]

    def _spans(self, longest: int) -> list[_Span]:
        count = len(self.words)
        return [
            _Span(start, end)
            for start in range(count)
            for end in range(start, min(start + longest, count))
        ]


class _Runs:
    """The runs of words between the phone, the e-mail and the ends of the message, and
    where an amount sits in its run among words that can only be the name."""

    def __init__(self, count: int, taken: set[int], amounts: Sequence[_Amount]) -> None:
        self.amounts = amounts
        self.run_of: dict[int, range] = {}
        start: int | None = None
        for i in range(count + 1):
            if i < count and i not in taken:
                start = i if start is None else start
            elif start is not None:
                self.run_of.update(dict.fromkeys(range(start, i), range(start, i)))
                start = None
        in_amounts = {i for a in amounts for i in a.span.words}
        self.name_words = {i for i in self.run_of if i not in in_amounts}

    def alone(self, amount: _Amount) -> bool:
        """No name word in its run: ``Olena +380671234567 12000``."""
        return self.name_words.isdisjoint(self.run_of[amount.span.start])

    def at_edge(self, amount: _Amount) -> bool:
        """First or last in its run: ``Studio 54`` then the phone."""
        run = self.run_of[amount.span.start]
        return amount.span.start == run.start or amount.span.end == run.stop - 1

    def shorter(self, amount: _Amount) -> list[_Amount | None]:
        """Its shorter readings that leave name words to its words in the run: ``Studio 54
        100 UAH`` is 54 100 UAH, or Studio 54 and 100 UAH; ``1 100 Olena`` may be 1 and
        "100 Olena"."""
        run = self.run_of[amount.span.start]
        span = amount.span
        words_before, words_after = span.start > run.start, span.end < run.stop - 1
        return [
            a
            for a in self.amounts
            if _within(a.span, span)
            and (
                (words_before and a.span.end == span.end)
                or (words_after and a.span.start == span.start)
            )
        ]


def _within(inner: _Span, outer: _Span) -> bool:
    return inner != outer and outer.start <= inner.start and inner.end <= outer.end


def _written_as_phone(text: str, region: str) -> bool:
    """With a +, brackets or dashes, the trunk or international prefix (``067``, ``0038``),
    or too long for an amount; ``671234567`` or ``67 123 45 67`` could be something else."""
    if text[0] in "+(" or "-" in text:
        return True
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefixes = (metadata.national_prefix, metadata.international_prefix) if metadata else ()
    if any(prefix and text.startswith(prefix) for prefix in prefixes):
        return True
    if " " in text:
        return False
    amount = typed_amount(text)
    return amount is None or amount.value > MAX_AMOUNT


def _phone_number(text: str, region: str) -> str | None:
    if sum(ch.isdigit() for ch in text) not in PHONE_DIGITS:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
