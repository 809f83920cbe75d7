"""The aiohttp application: health, metrics and the intake endpoints. ``bot`` adds the
Telegram webhook route to it and runs it (``crm-bot serve``)."""

from __future__ import annotations

from aiohttp import web

from web import facebook
from web.chat import allow_browsers, receive_chat_message
from web.context import CONTEXT, WebContext
from web.form_writer import FORM_WRITER, FormWriter
from web.forms import receive_form
from web.health import healthz, metrics, readyz
from web.miniapp import add_miniapp
from web.miniapp.settings import MiniAppSettings
from web.requests import log_and_count
from web.whatsapp import receive_delivery, verify_subscription
from web.woocommerce import receive_order


def create_web_app(context: WebContext, miniapp: MiniAppSettings | None = None) -> web.Application:
    # aiohttp's own cap on what a handler may read whole; intake reads the body itself.
    app = web.Application(middlewares=[log_and_count], client_max_size=context.settings.body_limit)
    app[CONTEXT] = context
    app[FORM_WRITER] = FormWriter(context)
    app.on_cleanup.append(_stop_form_writer)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/intake/forms/{key}", receive_form)
    app.router.add_post("/intake/woocommerce/{key}", receive_order)
    app.router.add_post("/intake/chat/{key}", receive_chat_message)
    app.router.add_route("OPTIONS", "/intake/chat/{key}", allow_browsers)
    app.router.add_get("/intake/whatsapp", verify_subscription)
    app.router.add_post("/intake/whatsapp", receive_delivery)
    app.router.add_get("/intake/facebook", facebook.verify_subscription)
    app.router.add_post("/intake/facebook", facebook.receive_leads)
    if miniapp is not None:
        add_miniapp(app, miniapp)
    return app


async def _stop_form_writer(app: web.Application) -> None:
    await app[FORM_WRITER].close()
