"""The page's own routes: the chat page and its files, and the few things a Telegram client
would not do through the emulator (who you are, the side panel's outside world, the clock,
opening a Mini App signed for you). Every message still comes from the real bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.clock import SandboxClock
from sandbox.people import PEOPLE, DemoPerson
from sandbox.providers import Providers, Sender
from sandbox.webapp import launch_url, signed_init_data
from scheduler import Rounds
from web.errors import Rejection

STATIC = Path(str(files("sandbox") / "static"))
# How far the side panel may move the clock in one step: an hour or a day.
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


class IntakeForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=40)
    text: str = Field(min_length=1, max_length=1000)


@dataclass(frozen=True, slots=True)
class SandboxPage:
    bot_token: str
    bot_username: str
    emulator_path: str
    clock: SandboxClock
    rounds: Rounds
    providers: Providers

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self.index),
            web.static("/sandbox/static", STATIC),
            web.get("/sandbox/api/config", self.config),
            web.post("/sandbox/api/clock", self.move_clock),
            web.post("/sandbox/api/intake/{provider}", self.send_intake),
            web.get("/sandbox/api/webapp", self.open_web_app),
        ]

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "bot": {"username": self.bot_username},
                "emulator": self.emulator_path,
                "people": [person.to_json() for person in PEOPLE],
                "clock": self.clock().isoformat(),
            }
        )

    async def move_clock(self, request: web.Request) -> web.Response:
        step = STEPS.get(str((await _json_object(request)).get("by")))
        if step is None:
            raise Rejection(400, "clock-step-unknown", details={"steps": ", ".join(STEPS)})
        now = self.clock.advance(step)
        # The scheduler looks every second for reminders and every minute for the rest:
        # run each round now, so what came due shows at once.
        written = sum(
            [
                await self.rounds.reminders(),
                await self.rounds.overdue_tasks(),
                await self.rounds.idle_deals(),
                await self.rounds.digests(),
            ]
        )
        return web.json_response({"clock": now.isoformat(), "messages": written})

    async def send_intake(self, request: web.Request) -> web.Response:
        try:
            form = IntakeForm.model_validate(await _json_object(request))
        except ValidationError as error:
            field = ".".join(str(part) for part in error.errors()[0]["loc"])
            raise Rejection(400, "intake-form-invalid", field=field) from None
        try:
            answer = await self.providers.send(
                request.match_info["provider"], Sender(form.name, form.phone, form.text)
            )
        except ValueError as error:
            raise Rejection(404, "provider-unknown") from error
        return web.json_response({"status": answer.status, "answer": answer.body})

    async def open_web_app(self, request: web.Request) -> web.Response:
        person = _person(request.query.get("user_id", ""))
        url = request.query.get("url", "")
        if not url:
            raise Rejection(400, "url-missing")
        init_data = signed_init_data(self.bot_token, person)
        origin = f"{request.scheme}://{request.host}"
        return web.json_response({"url": launch_url(url, origin, init_data)})


def _person(user_id: str) -> DemoPerson:
    for person in PEOPLE:
        if str(person.telegram_id) == user_id:
            return person
    raise Rejection(404, "person-unknown")


async def _json_object(request: web.Request) -> dict[str, object]:
    try:
        body = await request.json()
    except ValueError:
        raise Rejection(400, "json-invalid") from None
    if not isinstance(body, dict):
        raise Rejection(400, "json-invalid")
    return body
