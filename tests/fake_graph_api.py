"""A local stand-in for Meta's Graph API (its servers cannot be reached from here): the two
calls the CRM makes, answered as Meta documents them, on a real socket.

- ``POST /{version}/{phone_number_id}/messages`` sends a WhatsApp text and answers its
  ``wamid``; a refusal queued with :meth:`FakeGraphApi.refuse_next` is answered instead.
- ``GET /{version}/{leadgen_id}`` answers a Lead Ads lead added with :meth:`add_lead`.

A call without the right bearer token is refused as Meta refuses it (401, code 190).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

VERSION = "v23.0"


@dataclass(frozen=True)
class SentText:
    phone_number_id: str
    to: str
    text: str
    wamid: str


@dataclass
class FakeGraphApi:
    token: str
    sent: list[SentText] = field(default_factory=list)
    lead_reads: list[str] = field(default_factory=list)
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusals: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    base_url: str = ""

    def refuse_next(self, status: int, code: int, message: str) -> None:
        self.refusals.append(
            (status, {"error": {"message": message, "type": "OAuthException", "code": code}})
        )

    def add_lead(self, leadgen_id: str, form_id: str, answers: dict[str, list[str]]) -> None:
        self.leads[leadgen_id] = {
            "id": leadgen_id,
            "created_time": "2026-12-01T08:49:14+0000",
            "form_id": form_id,
            "ad_id": "23842800000000001",
            "field_data": [{"name": name, "values": values} for name, values in answers.items()],
        }

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{phone_number_id}}/messages", self._send)
        app.router.add_get(f"/{VERSION}/{{object_id}}", self._read)
        return app

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {"error": {"message": "Invalid OAuth access token.", "code": 190}}, status=401
            )
        if self.refusals:
            status, body = self.refusals.pop(0)
            return web.json_response(body, status=status)
        return None

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = await request.json()
        wamid = f"wamid.FAKE{len(self.sent) + 1:06d}"
        self.sent.append(
            SentText(request.match_info["phone_number_id"], body["to"], body["text"]["body"], wamid)
        )
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
        )

    async def _read(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        object_id = request.match_info["object_id"]
        self.lead_reads.append(object_id)
        lead = self.leads.get(object_id)
        if lead is None:
            return web.json_response(
                {"error": {"message": "Unsupported get request.", "code": 100}}, status=400
            )
        return web.json_response(lead)


@asynccontextmanager
async def running_graph_api(token: str) -> AsyncIterator[FakeGraphApi]:
    fake = FakeGraphApi(token)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
