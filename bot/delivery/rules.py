"""What the automation rules tell people: a rule's notice about a lead (its title only to
someone who may see the lead), and a rule switched off because it failed, for the admins."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from bot.delivery.notifications import open_lead_button
from crm.automation.actions import RULE_NOTICE
from crm.automation.engine import RULE_FAILED
from crm.models import Lead, OutboxMessage
from crm.services.access import may_see_lead
from handlers.admin.rule_screens import rule_failure_text
from handlers.common.text import tr


async def render_rule_notice(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    lead = await session.get(Lead, message.payload["lead_id"])
    if lead is None:
        return None
    rule = message.payload["rule"]
    if not await may_see_lead(session, actor=reader.staff, lead_id=lead.id):
        return Outgoing(text=tr(reader.i18n, "notify-rule-notice-hidden", rule=rule))
    return Outgoing(
        text=tr(reader.i18n, "notify-rule-notice", rule=rule, title=lead.title),
        reply_markup=open_lead_button(lead, reader),
    )


async def render_rule_failed(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    reason = rule_failure_text(message.payload["reason"], reader.i18n)
    return Outgoing(
        text=tr(reader.i18n, "notify-rule-failed", rule=message.payload["rule"], reason=reason)
    )


RENDERERS: dict[str, Renderer] = {
    RULE_NOTICE: render_rule_notice,
    RULE_FAILED: render_rule_failed,
}
