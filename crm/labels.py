"""Which words stand for what the CRM stores and refuses, decided once for the chat and the
Mini App alike: a default stage's or pipeline's code, a refusal's kind and a follow-up's title
become locale keys here, and their words live in ``locales/``."""

from __future__ import annotations

from typing import Any, Protocol

from crm.errors import (
    Conflict,
    CrmError,
    DuplicateLead,
    Forbidden,
    NotFound,
    NotSaved,
    ValidationFailed,
)
from crm.models import Lead, Pipeline, Stage

ELLIPSIS = "…"
# Room for "Follow up: " within the task title's 200 characters, in either language.
LEAD_TITLE_IN_FOLLOW_UP = 150
REFUSAL_KEYS: dict[type[CrmError], str] = {
    Forbidden: "not-allowed",
    NotFound: "not-found",
    Conflict: "error-conflict",
    DuplicateLead: "error-duplicate",
    NotSaved: "error-not-saved",
}
INVALID_INPUT_KEY = "error-invalid-input"
UNEXPECTED_KEY = "error-unexpected"


class Words(Protocol):
    """The Fluent translations: an update's ``I18nContext``, or the core with a locale given."""

    def get(self, key: str, locale: str | None = None, /, **kwargs: Any) -> str: ...


def shorten(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters, before it is escaped."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def stage_name(stage: Stage, words: Words, locale: str | None = None) -> str:
    """A default stage in the reader's language; a stage an admin named, as they typed it."""
    return _named("stage", stage.code, stage.name, words, locale)


def pipeline_name(pipeline: Pipeline, words: Words, locale: str | None = None) -> str:
    return _named("pipeline", pipeline.code, pipeline.name, words, locale)


def _named(kind: str, code: str | None, name: str, words: Words, locale: str | None) -> str:
    return name if code is None else words.get(f"{kind}-default-{code}", locale)


def follow_up_title(lead: Lead, words: Words, locale: str | None = None) -> str:
    """A task's title when the person gave none: "Follow up: <lead>"."""
    title = shorten(lead.title, LEAD_TITLE_IN_FOLLOW_UP)
    return words.get("task-default-title", locale, lead=title)


def refusal_key(error: CrmError) -> str:
    """The words for refusing with ``error``. A validation's are its own code's, which a new
    code may not have yet: then ``INVALID_INPUT_KEY`` says it in general."""
    if isinstance(error, ValidationFailed):
        return f"error-{error.code}"
    kinds = type(error).__mro__
    return next((REFUSAL_KEYS[kind] for kind in kinds if kind in REFUSAL_KEYS), UNEXPECTED_KEY)


def refusal_details(error: CrmError) -> dict[str, Any]:
    """What a refusal's words may name: a limit, the host someone typed."""
    return dict(error.details) if isinstance(error, ValidationFailed) else {}
