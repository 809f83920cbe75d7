"""The Mini App's JSON API under ``/miniapp/api/``: the board, a column's next page, a lead's
details, moving a card and the card's quick actions.

Every request carries Telegram's ``initData`` (``Authorization: tma <initData>``); it is
checked (:mod:`web.miniapp.init_data`) and its user resolved to an active staff member before
anything is read. Everything after that is a ``crm`` use case called as the chat calls it,
with the same permissions, version checks and notifications; a refusal is answered with a
status, a code and the sentence the chat would say, in the person's language.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import (
    Conflict,
    CrmError,
    Forbidden,
    NotFound,
    StaleLead,
    ValidationFailed,
)
from crm.labels import INVALID_INPUT_KEY, follow_up_title, refusal_details, refusal_key
from crm.models import ActivityKind, Language, LeadSource, LostReason, Role, Staff, StageKind
from crm.services import cards, kanban, leads, tasks, timeline
from crm.services.access import visible_lead
from crm.services.board import ListPosition
from crm.services.cards import (
    LeadCard,
    NeedsLostReason,
    NeedsLostReasonText,
    NeedsValue,
    StillNeeded,
)
from crm.services.pipelines import get_stage
from crm.services.staff import assignable_staff, staff_by_telegram_id
from crm.services.tags import all_tags
from web.context import context_of
from web.errors import Rejection
from web.miniapp.init_data import InitDataRejected, WebAppUser, checked_user
from web.miniapp.settings import MINIAPP, MiniAppSettings
from web.miniapp.views import (
    board_json,
    card_page_json,
    lead_details_json,
    position_of,
    staff_json,
    strings_for,
)

AUTH_SCHEME = "tma "
# The language of answers to someone not yet known as staff.
DEFAULT_LOCALE = Language.EN.value
STATUS_OF = {Forbidden: 403, NotFound: 404, Conflict: 409}
# What a move still needs, as the page names its prompts.
NEEDS = {NeedsValue: "value", NeedsLostReason: "lost_reason", NeedsLostReasonText: "lost_words"}
LOGGED_KINDS = {"call": ActivityKind.CALL, "message": ActivityKind.MESSAGE}
# One of the card's quick actions: a use case run in the request's session as its person.
QuickAction = Callable[[AsyncSession, Staff], Awaitable[object]]


def settings_of(request: web.Request) -> MiniAppSettings:
    return request.app[MINIAPP]


@asynccontextmanager
async def acting_staff(request: web.Request) -> AsyncIterator[tuple[AsyncSession, Staff]]:
    """The session of the request and the staff member whose ``initData`` it carries; a CRM
    error inside becomes an answer in their language."""
    settings = settings_of(request)
    user = _signed_user(request, settings)
    async with context_of(request).session_factory() as session:
        actor = await staff_by_telegram_id(session, user.telegram_id)
        if actor is None or not actor.is_active:
            message = settings.translator.get(
                "miniapp-not-staff", user.language_code or DEFAULT_LOCALE
            )
            raise Rejection(403, "not-staff", details={"message": message})
        try:
            yield session, actor
        except StaleLead as stale:
            raise _refusal(settings, actor, stale, lead_id=stale.lead_id) from None
        except CrmError as error:
            raise _refusal(settings, actor, error) from None


def _signed_user(request: web.Request, settings: MiniAppSettings) -> WebAppUser:
    header = request.headers.get("Authorization", "")
    if not header.startswith(AUTH_SCHEME):
        message = settings.translator.get("miniapp-open-in-telegram", DEFAULT_LOCALE)
        raise Rejection(401, "init-data-missing", details={"message": message})
    try:
        return checked_user(
            header.removeprefix(AUTH_SCHEME),
            bot_token=settings.bot_token,
            max_age=settings.init_data_max_age,
            now=datetime.now(UTC),
        )
    except InitDataRejected as rejected:
        message = settings.translator.get("miniapp-open-in-telegram", DEFAULT_LOCALE)
        raise Rejection(401, rejected.code, details={"message": message}) from None


def _refusal(
    settings: MiniAppSettings, actor: Staff, error: CrmError, *, lead_id: int | None = None
) -> Rejection:
    status = next((s for kind, s in STATUS_OF.items() if isinstance(error, kind)), 400)
    details: dict[str, int | str] = {"message": _error_text(settings, actor, error)}
    if isinstance(error, ValidationFailed):
        details |= error.details
    if lead_id is not None:
        details["lead_id"] = lead_id
    return Rejection(status, error.code, field=error.field, details=details)


def _error_text(settings: MiniAppSettings, actor: Staff, error: CrmError) -> str:
    """What the chat says of ``error``, but that a card changed meanwhile refreshes the board."""
    locale = actor.language.value
    words = settings.translator
    key = "miniapp-stale" if isinstance(error, StaleLead) else refusal_key(error)
    if not words.has(key, locale):
        key = INVALID_INPUT_KEY
    return words.get(key, locale, **refusal_details(error))


async def json_body(request: web.Request) -> Mapping[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Rejection(400, "body-invalid") from None
    if not isinstance(body, dict):
        raise Rejection(400, "body-invalid")
    return body


def int_field(body: Mapping[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Rejection(400, "field-invalid", field=name)
    return value


def optional_text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Rejection(400, "field-invalid", field=name)
    return value


def lead_id_of(request: web.Request) -> int:
    try:
        return int(request.match_info["lead_id"])
    except ValueError:
        raise Rejection(404, "not-found") from None


def board_filter_of(request: web.Request) -> kanban.BoardFilter:
    query = request.query
    try:
        responsible = int(query["responsible"]) if query.get("responsible") else None
        source = LeadSource(query["source"]) if query.get("source") else None
    except ValueError:
        raise Rejection(400, "filter-invalid") from None
    return kanban.BoardFilter(
        mine=query.get("mine") == "1",
        responsible_id=responsible,
        tag=query.get("tag") or None,
        source=source,
        search=query.get("q") or None,
    )


async def me(request: web.Request) -> web.Response:
    """Who is looking, the page's words in their language and what the filters offer."""
    settings = settings_of(request)
    async with acting_staff(request) as (session, actor):
        people = await assignable_staff(session, actor=actor) if actor.oversees_others else [actor]
        return web.json_response(
            {
                "staff": staff_json(actor),
                "strings": strings_for(settings.translator, actor.language.value),
                "filters": {
                    "responsible": [staff_json(person) for person in people if person.is_active],
                    "tags": [tag.name for tag in await all_tags(session)],
                    "sources": [source.value for source in LeadSource],
                    "lost_reasons": [reason.value for reason in LostReason],
                },
                "can_filter_people": actor.role != Role.REP,
            }
        )


async def board(request: web.Request) -> web.Response:
    settings = settings_of(request)
    async with acting_staff(request) as (session, actor):
        shown = await kanban.kanban_board(
            session, actor=actor, board_filter=board_filter_of(request)
        )
        return web.json_response(board_json(shown, settings.translator, actor))


async def column_page(request: web.Request) -> web.Response:
    """The next page of one column, after the card the page showed last."""
    async with acting_staff(request) as (session, actor):
        page = await kanban.stage_cards(
            session,
            actor=actor,
            stage_id=_int_param(request.match_info["stage_id"], "stage_id"),
            board_filter=board_filter_of(request),
            after=_position(request.query.get("after")),
        )
        return web.json_response(card_page_json(page))


def _int_param(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Rejection(400, "field-invalid", field=name) from None


def _position(cursor: str | None) -> ListPosition | None:
    if not cursor:
        return None
    try:
        return position_of(cursor)
    except ValueError:
        raise Rejection(400, "field-invalid", field="after") from None


async def lead_details(request: web.Request) -> web.Response:
    settings = settings_of(request)
    async with acting_staff(request) as (session, actor):
        card = await cards.lead_card(session, actor=actor, lead_id=lead_id_of(request))
        return web.json_response(lead_details_json(card, settings.translator, actor))


async def move(request: web.Request) -> web.Response:
    """Drop a card on a column: ``stage_id`` and the ``version`` the card showed; with
    ``value`` (to Won), ``reason`` or ``words`` (to Lost) when the first answer asked."""
    settings = settings_of(request)
    body = await json_body(request)
    stage_id, version = int_field(body, "stage_id"), int_field(body, "version")
    value, words = optional_text(body, "value"), optional_text(body, "words")
    reason = _lost_reason(optional_text(body, "reason"))
    context = context_of(request)
    async with acting_staff(request) as (session, actor):
        lead_id = lead_id_of(request)
        target = await get_stage(session, stage_id)
        outcome: LeadCard | StillNeeded
        if value is not None and target.kind == StageKind.WON:
            outcome = await leads.win_with_value(
                session, actor=actor, lead_id=lead_id, seen_version=version, value=value
            )
        elif words is not None and target.kind == StageKind.LOST:
            outcome = await leads.lose_with_words(
                session, actor=actor, lead_id=lead_id, seen_version=version, words=words
            )
        elif reason is not None and target.kind == StageKind.LOST:
            outcome = await leads.mark_lost(
                session, actor=actor, lead_id=lead_id, seen_version=version, reason=reason
            )
        else:
            outcome = await leads.move_to_stage(
                session, actor=actor, lead_id=lead_id, stage_id=stage_id, seen_version=version
            )
        if not isinstance(outcome, LeadCard):
            return web.json_response(
                {"needs": NEEDS[type(outcome)], "lead_id": lead_id, "version": outcome.version}
            )
        await context.commit(session)
        return web.json_response({"lead": lead_details_json(outcome, settings.translator, actor)})


def _lost_reason(code: str | None) -> LostReason | None:
    try:
        return LostReason(code) if code is not None else None
    except ValueError:
        raise Rejection(400, "field-invalid", field="reason") from None


async def add_note(request: web.Request) -> web.Response:
    body = await json_body(request)
    text = optional_text(body, "text") or ""
    return await _act_then_show(
        request,
        lambda session, actor: timeline.add_note(
            session, actor=actor, lead_id=lead_id_of(request), text=text
        ),
    )


async def log_contact(request: web.Request) -> web.Response:
    """Called or Wrote: the activity logged, with an optional comment."""
    body = await json_body(request)
    kind = LOGGED_KINDS.get(str(body.get("kind")))
    if kind is None:
        raise Rejection(400, "field-invalid", field="kind")
    text = optional_text(body, "text")
    return await _act_then_show(
        request,
        lambda session, actor: timeline.log_activity(
            session, actor=actor, lead_id=lead_id_of(request), kind=kind, text=text
        ),
    )


async def add_task(request: web.Request) -> web.Response:
    """A task (a follow-up when no title is given) due at ``due_at`` (ISO 8601 with offset)."""
    settings = settings_of(request)
    body = await json_body(request)
    due_at = _moment(optional_text(body, "due_at"))
    title = optional_text(body, "title")

    async def create(session: AsyncSession, actor: Staff) -> object:
        lead_id = lead_id_of(request)
        lead = await visible_lead(session, actor=actor, lead_id=lead_id)
        default = follow_up_title(lead, settings.translator, actor.language.value)
        return await tasks.create_task(
            session, actor=actor, title=title or default, due_at=due_at, lead_id=lead_id
        )

    return await _act_then_show(request, create)


def _moment(value: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        raise Rejection(400, "field-invalid", field="due_at") from None
    if moment.tzinfo is None:
        raise Rejection(400, "field-invalid", field="due_at")
    return moment.astimezone(UTC)


async def _act_then_show(request: web.Request, action: QuickAction) -> web.Response:
    """Run one quick action, commit, and answer with the lead's card as it is now."""
    settings = settings_of(request)
    context = context_of(request)
    async with acting_staff(request) as (session, actor):
        await action(session, actor)
        await context.commit(session)
        card = await cards.lead_card(session, actor=actor, lead_id=lead_id_of(request))
        return web.json_response({"lead": lead_details_json(card, settings.translator, actor)})


async def open_in_chat(request: web.Request) -> web.Response:
    """The lead's card in the person's chat with the bot, sent after the commit."""
    return await _act_then_show(
        request,
        lambda session, actor: kanban.send_card_to_chat(
            session, actor=actor, lead_id=lead_id_of(request)
        ),
    )
