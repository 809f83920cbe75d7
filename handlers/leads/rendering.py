"""The lead card as text: contact, stage, value, owner, source, tags, latest activity, next
task and the statistics block."""

from __future__ import annotations

from datetime import date, datetime

from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext

from crm.models import Activity, FieldDefinition, FieldKind, Lead, LostReason, Staff, utcnow
from crm.services.cards import LeadCard
from handlers.common.text import local_time, shorten, stage_name, tr

ACTIVITY_PREVIEW = 160


def render_lead_card(card: LeadCard, viewer: Staff, i18n: I18nContext) -> str:
    lead = card.lead
    lines = [tr(i18n, "card-title", title=lead.title, lead_id=str(lead.id))]
    lines += _contact_lines(lead, i18n)
    if card.has_duplicates:
        lines.append(i18n.get("card-possible-duplicate"))
    days = (utcnow() - lead.stage_entered_at).days
    lines.append(tr(i18n, "card-stage-line", stage=stage_name(lead.stage, i18n), days=days))
    lines.append(_value_line(lead, i18n))
    if lead.expected_close_on is not None:
        lines.append(tr(i18n, "card-expected-close", day=lead.expected_close_on))
    owner = lead.responsible.display_name if lead.responsible else i18n.get("card-nobody")
    lines.append(tr(i18n, "card-responsible", name=owner))
    source = i18n.get(f"source-{lead.source.value}")
    if lead.source_detail:
        lines.append(tr(i18n, "card-source-detailed", source=source, detail=lead.source_detail))
    else:
        lines.append(tr(i18n, "card-source", source=source))
    lines += [
        tr(i18n, "card-custom-field", label=definition.label(i18n.locale), value=shown)
        for definition in card.fields
        if (shown := field_value_text(definition, lead.custom_fields.get(definition.key), i18n))
    ]
    if card.tags:
        lines.append(tr(i18n, "card-tags", tags=" ".join(f"#{tag.name}" for tag in card.tags)))
    reason = lost_reason_text(lead, i18n)
    if reason is not None:
        lines.append(tr(i18n, "card-lost-reason", reason=reason))
    if lead.order_id is not None:
        lines.append(tr(i18n, "card-order", order_id=str(lead.order_id)))
    if card.next_task is not None:
        lines.append(
            tr(
                i18n,
                "card-next-task",
                title=card.next_task.title,
                due=local_time(card.next_task.due_at, viewer),
            )
        )
    lines.append(_statistics_line(card, i18n))
    if card.recent_activities:
        lines.append(i18n.get("card-latest"))
        lines += [_activity_line(a, viewer, i18n) for a in card.recent_activities]
    return "\n".join(lines)


def field_value_text(definition: FieldDefinition, value: str | None, i18n: I18nContext) -> str:
    """A custom field's value as the reader reads it, not yet escaped; "" when it has none."""
    if value in (None, ""):
        return ""
    if definition.kind == FieldKind.YES_NO:
        return i18n.get(f"field-answer-{value}")
    if definition.kind == FieldKind.DATE:
        return i18n.get("edit-date", day=date.fromisoformat(value))
    return str(value)


def lost_reason_key(reason: LostReason) -> str:
    """The locale key naming ``reason``: ``lost-reason-no-answer`` for ``no_answer``."""
    return "lost-reason-" + reason.value.replace("_", "-")


def lost_reason_text(lead: Lead, i18n: I18nContext) -> str | None:
    """Why the lead was lost, in the reader's language; "other" in the rep's own words."""
    if lead.lost_reason_code is None:
        return None
    reason = LostReason(lead.lost_reason_code)
    if reason == LostReason.OTHER and lead.lost_reason:
        return lead.lost_reason
    return i18n.get(lost_reason_key(reason))


def _contact_lines(lead: Lead, i18n: I18nContext) -> list[str]:
    lines = []
    if lead.contact_name and lead.contact_name != lead.title:
        lines.append(tr(i18n, "card-contact", name=lead.contact_name))
    if lead.phone:
        lines.append(tr(i18n, "card-phone", phone=lead.phone))
    if lead.email:
        lines.append(tr(i18n, "card-email", email=lead.email))
    return lines


def _value_line(lead: Lead, i18n: I18nContext) -> str:
    if lead.value is None:
        return i18n.get("card-no-value")
    return tr(i18n, "card-value", value=lead.value, currency=lead.currency)


def _statistics_line(card: LeadCard, i18n: I18nContext) -> str:
    stats = card.statistics
    paid = (
        ", ".join(
            i18n.get("money", value=amount, currency=currency)
            for currency, amount in sorted(stats.paid.items())
        )
        or "0"
    )
    return tr(
        i18n,
        "card-statistics",
        open_tasks=stats.open_tasks,
        done_tasks=stats.done_tasks,
        orders=stats.orders,
        paid=paid,
    )


def _activity_line(activity: Activity, viewer: Staff, i18n: I18nContext) -> str:
    when: datetime = local_time(activity.created_at, viewer)
    kind = i18n.get(f"activity-{activity.kind.value}")
    if not activity.text:
        line = tr(i18n, "card-activity", when=when, kind=kind)
    else:
        text = shorten(activity.text, ACTIVITY_PREVIEW)
        line = tr(i18n, "card-activity-with-text", when=when, kind=kind, text=text)
    if activity.rule_name is None:
        return line
    # ``line`` is markup already: only the rule's name is escaped.
    return i18n.get(
        "card-activity-by-rule", line=line, rule=html_decoration.quote(activity.rule_name)
    )
