"""The Telegram Mini App: the pipeline as a Kanban board (``/miniapp/``), its JSON API
(``/miniapp/api/``) and the OpenAPI document describing it (``/miniapp/openapi.json``).
Every asset is served from this package: nothing is fetched from a CDN."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web.miniapp import api
from web.miniapp.settings import MINIAPP, MiniAppSettings

STATIC = Path(__file__).resolve().parent / "static"
PAGE = STATIC / "index.html"
OPENAPI = Path(__file__).resolve().parent / "openapi.json"


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-cache"})


async def openapi(request: web.Request) -> web.FileResponse:
    return web.FileResponse(OPENAPI, headers={"Content-Type": "application/json"})


def add_miniapp(app: web.Application, settings: MiniAppSettings) -> None:
    app[MINIAPP] = settings
    app.router.add_get("/miniapp/", page)
    app.router.add_get("/miniapp/openapi.json", openapi)
    app.router.add_static("/miniapp/static/", STATIC)
    app.router.add_get("/miniapp/api/me", api.me)
    app.router.add_get("/miniapp/api/board", api.board)
    app.router.add_get("/miniapp/api/stages/{stage_id}/cards", api.column_page)
    app.router.add_get("/miniapp/api/leads/{lead_id}", api.lead_details)
    app.router.add_post("/miniapp/api/leads/{lead_id}/move", api.move)
    app.router.add_post("/miniapp/api/leads/{lead_id}/notes", api.add_note)
    app.router.add_post("/miniapp/api/leads/{lead_id}/contacts", api.log_contact)
    app.router.add_post("/miniapp/api/leads/{lead_id}/tasks", api.add_task)
    app.router.add_post("/miniapp/api/leads/{lead_id}/to-chat", api.open_in_chat)
