"""Meta's Graph API as the CRM calls it: sending a WhatsApp text to a customer
(``POST /{version}/{phone_number_id}/messages``) and reading a Lead Ads lead by its id
(``GET /{version}/{leadgen_id}``), each with a bearer token.

Meta answers a refusal with ``{"error": {"code": ..., "message": ...}}``; a refusal worth
trying again (throttling, Meta's own trouble, no answer at all) says so in
:attr:`GraphApiError.retryable`, any other is final (a closed 24-hour window, a bad token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from crm.services.lead_ads import LeadAdsLead

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
TIMEOUT = aiohttp.ClientTimeout(total=20)
# Meta's codes for "too many calls, slow down": worth the same call later.
THROTTLED = frozenset({4, 17, 32, 613, 80007, 130429, 131048, 131056})
LEAD_FIELDS = "id,created_time,form_id,ad_id,field_data"
ERROR_TEXT_MAX = 300


class GraphApiError(Exception):
    """Meta refused the call or could not be reached (``status`` 0)."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"Graph API {status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message[:ERROR_TEXT_MAX]

    @property
    def retryable(self) -> bool:
        return (
            self.status == 0 or self.status == 429 or self.status >= 500 or (self.code in THROTTLED)
        )


@dataclass(frozen=True, slots=True)
class GraphApi:
    http: aiohttp.ClientSession
    access_token: str
    base_url: str = DEFAULT_BASE_URL
    version: str = DEFAULT_VERSION

    async def send_whatsapp_text(self, *, phone_number_id: str, to: str, text: str) -> str:
        """Send ``text`` to the WhatsApp number ``to``; the id Meta gave the message."""
        answer = await self._call(
            "POST",
            f"{phone_number_id}/messages",
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": {"preview_url": False, "body": text},
            },
        )
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise GraphApiError(502, None, "no message id in the answer") from None

    async def leadgen_lead(self, leadgen_id: str) -> LeadAdsLead:
        answer = await self._call("GET", leadgen_id, params={"fields": LEAD_FIELDS})
        answers: dict[str, list[str]] = {}
        for field in answer.get("field_data") or []:
            if isinstance(field, dict) and isinstance(field.get("name"), str):
                values = field.get("values") or []
                answers[field["name"]] = [str(value) for value in values if value is not None]
        form_id = answer.get("form_id")
        return LeadAdsLead(leadgen_id, None if form_id is None else str(form_id), answers)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url.rstrip('/')}/{self.version}/{path}"
        headers = {"Authorization": f"Bearer {self.access_token}"}
        try:
            async with self.http.request(
                method, url, json=json, params=params, headers=headers, timeout=TIMEOUT
            ) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise GraphApiError(0, None, repr(error)) from None
        if status >= 400 or not isinstance(body, dict) or "error" in body:
            refusal = body.get("error") if isinstance(body, dict) else None
            details = refusal if isinstance(refusal, dict) else {}
            code = details.get("code")
            raise GraphApiError(
                status if status >= 400 else 502,
                code if isinstance(code, int) else None,
                str(details.get("message", "no answer")),
            )
        return body


@dataclass(frozen=True, slots=True)
class WhatsAppCloudApi:
    """The WhatsApp messenger over the Graph API, from one business phone number."""

    graph: GraphApi
    phone_number_id: str

    async def send_text(self, *, to: str, text: str) -> str:
        return await self.graph.send_whatsapp_text(
            phone_number_id=self.phone_number_id, to=to, text=text
        )
