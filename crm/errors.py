"""Typed failures of the CRM services.

Each error carries a stable ``code`` (and a ``field`` where one input is at fault) so that the
bot and the web layer can translate it for the user; the message is for logs only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.models import Lead


class CrmError(Exception):
    code = "error"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message or self.code)
        self.field = field


class NotFound(CrmError):
    code = "not-found"


class Forbidden(CrmError):
    code = "forbidden"


class ValidationFailed(CrmError):
    """Bad input: ``code`` names what is wrong, ``field`` names where, ``details`` what a
    person needs to know to put it right (a limit)."""

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        message: str = "",
        details: Mapping[str, int | str] | None = None,
    ) -> None:
        self.code = code
        self.details = dict(details or {})
        super().__init__(message or code, field=field)


class Conflict(CrmError):
    """Someone else changed the row between our read and our write."""

    code = "conflict"


class StaleLead(Conflict):
    """The user acted on a card that shows an older version of the lead."""

    code = "stale-lead"

    def __init__(self, lead_id: int) -> None:
        super().__init__(f"lead {lead_id} changed since it was shown")
        self.lead_id = lead_id


class DuplicateLead(CrmError):
    """Leads or customers with the same phone or email already exist."""

    code = "duplicate-lead"

    def __init__(self, existing: Sequence[Lead]) -> None:
        super().__init__(f"{len(existing)} lead(s) with the same contact exist")
        self.existing = list(existing)


class NotSaved(CrmError):
    """The change could not be committed (the database refused or was unreachable): nothing
    of it was kept, and the person is asked to try again."""

    code = "not-saved"
