"""The JSON the page reads: the board, a column's page, a lead's details and the page's words,
each rendered for the viewer (stage names and labels in their language, from ``locales/``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm.labels import stage_name
from crm.models import Activity, LeadSource, LostReason, Staff
from crm.services.board import ListPosition, StageColumn
from crm.services.cards import LeadCard
from crm.services.kanban import CardPage, KanbanBoard, KanbanCard
from web.miniapp.settings import Translator

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The page's own words (locales/*/miniapp.ftl) and the chat's it shows as they are.
PAGE_KEYS = (
    "btn-won",
    "btn-lost",
    "btn-note",
    "btn-called",
    "btn-wrote",
    "btn-task",
    "card-no-value",
    "card-nobody",
    "task-time-in-an-hour",
    "task-time-tomorrow-morning",
    "task-time-in-three-days",
    "note-saved",
)
PAGE_KEY_PREFIX = "miniapp-"
PAGE_OWN_KEYS = (
    "title",
    "everyone",
    "mine",
    "any-tag",
    "any-source",
    "anyone",
    "search",
    "weighted",
    "idle",
    "more",
    "ask-value",
    "value-placeholder",
    "ask-lost-reason",
    "ask-lost-words",
    "save",
    "cancel",
    "back",
    "moved",
    "stale",
    "loading",
    "contact",
    "stage",
    "responsible",
    "source",
    "next-task",
    "latest",
    "note-placeholder",
    "follow-up",
    "logged",
    "task-saved",
    "not-staff",
    "open-in-telegram",
    "failed",
    "open-in-chat",
    "sent-to-chat",
)


def strings_for(translator: Translator, locale: str) -> dict[str, str]:
    """Every word the page shows, rendered from the Fluent files in ``locale``."""
    keys = [*PAGE_KEYS, *(PAGE_KEY_PREFIX + key for key in PAGE_OWN_KEYS)]
    keys += [f"source-{source.value}" for source in LeadSource]
    keys += [lost_reason_key(reason) for reason in LostReason]
    return {key: translator.get(key, locale) for key in keys}


def lost_reason_key(reason: LostReason) -> str:
    return "lost-reason-" + reason.value.replace("_", "-")


def staff_json(staff: Staff) -> dict[str, Any]:
    return {
        "id": staff.id,
        "name": staff.display_name,
        "role": staff.role.value,
        "language": staff.language.value,
    }


def _money(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {currency: str(amount) for currency, amount in sorted(amounts.items())}


def cursor_of(position: ListPosition) -> str:
    micros = (position.last_activity_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{position.lead_id}"


def position_of(cursor: str) -> ListPosition:
    micros, _, lead_id = cursor.partition(".")
    return ListPosition(EPOCH + timedelta(microseconds=int(micros)), int(lead_id))


def board_json(shown: KanbanBoard, translator: Translator, viewer: Staff) -> dict[str, Any]:
    locale = viewer.language.value
    return {
        "columns": [
            _column_json(column, shown.pages[column.stage.id], translator, locale)
            for column in shown.board.columns
        ]
    }


def _column_json(
    column: StageColumn, page: CardPage, translator: Translator, locale: str
) -> dict[str, Any]:
    stage = column.stage
    return {
        "stage": {
            "id": stage.id,
            "name": stage_name(stage, translator, locale),
            "kind": stage.kind.value,
            "probability": stage.probability,
        },
        "count": column.count,
        "totals": _money(column.totals),
        "weighted": _money(column.weighted),
        **_page_fields(page),
    }


def card_page_json(page: CardPage) -> dict[str, Any]:
    return {"stage_id": page.stage_id, **_page_fields(page)}


def _page_fields(page: CardPage) -> dict[str, Any]:
    following = page.next_position
    return {
        "cards": [_card_json(card) for card in page.cards],
        "next": cursor_of(following) if following is not None else None,
    }


def _card_json(card: KanbanCard) -> dict[str, Any]:
    task = card.next_task
    return {
        "id": card.id,
        "version": card.version,
        "stage_id": card.stage_id,
        "title": card.title,
        "value": None if card.value is None else str(card.value),
        "currency": card.currency,
        "responsible": card.responsible,
        "tags": card.tags,
        "next_task": None if task is None else {"title": task.title, "due_at": _iso(task.due_at)},
        "idle": card.idle,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def lead_details_json(card: LeadCard, translator: Translator, viewer: Staff) -> dict[str, Any]:
    """What the card's detail sheet shows, and what a moved card is redrawn from."""
    lead = card.lead
    locale = viewer.language.value
    task = card.next_task
    return {
        "id": lead.id,
        "version": lead.version,
        "stage_id": lead.stage_id,
        "stage": stage_name(lead.stage, translator, locale),
        "title": lead.title,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "email": lead.email,
        "source": translator.get(f"source-{lead.source.value}", locale),
        "value": None if lead.value is None else str(lead.value),
        "currency": lead.currency,
        "responsible": lead.responsible.display_name if lead.responsible else None,
        "tags": [tag.name for tag in card.tags],
        "next_task": None if task is None else {"title": task.title, "due_at": _iso(task.due_at)},
        "lost_reason": _lost_reason(lead.lost_reason_code, lead.lost_reason, translator, locale),
        "latest": [_activity_json(a, translator, locale) for a in card.recent_activities],
    }


def _lost_reason(
    code: str | None, words: str | None, translator: Translator, locale: str
) -> str | None:
    if code is None:
        return None
    reason = LostReason(code)
    if reason == LostReason.OTHER and words:
        return words
    return translator.get(lost_reason_key(reason), locale)


def _activity_json(activity: Activity, translator: Translator, locale: str) -> dict[str, Any]:
    return {
        "kind": translator.get(f"activity-{activity.kind.value}", locale),
        "text": activity.text,
        "at": _iso(activity.created_at),
    }
