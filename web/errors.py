"""What the server answers a request it refuses: a status and a JSON body saying why."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from crm.errors import CrmError, ValidationFailed


class Rejection(Exception):
    """Refuse the request with ``status``; ``code`` says why, in the body and the metrics."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        field: str | None = None,
        details: Mapping[str, int | str] | None = None,
        retry_after: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.field = field
        self.details = dict(details or {})
        self.retry_after = retry_after
        self.headers = dict(headers or {})

    @classmethod
    def of(cls, error: CrmError) -> Rejection:
        """A CRM error about what was sent: a 400 naming what is wrong and where."""
        details = error.details if isinstance(error, ValidationFailed) else {}
        return cls(400, error.code, field=error.field, details=details)

    def response(self) -> web.Response:
        body: dict[str, object] = {"error": self.code}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return web.json_response(body, status=self.status, headers=headers)
