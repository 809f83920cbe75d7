"""Digests, worded when they are sent: a rep's morning (overdue, due today, idle deals, each a
tap from its lead's card) and a manager's figures for yesterday or the past week. Figures are
read as of when the digest was due."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from crm import digests
from crm.digests import TeamFigures, local_midnight, rep_morning, team_figures
from crm.models import LostReason, OutboxMessage
from handlers.common.text import local_time, shorten, tr
from handlers.leads.rendering import lost_reason_key
from handlers.pipeline import money_list
from handlers.task_keyboards import ShowLead

Item = TypeVar("Item")
TITLE_SHOWN = 60
BUTTONS_PER_ROW = 6


@dataclass
class NumberedList:
    """Lines numbered across sections, and the lead each number opens."""

    lines: list[str] = field(default_factory=list)
    leads: list[tuple[int, int]] = field(default_factory=list)
    count: int = 0

    def section(
        self,
        reader: Reader,
        heading: str,
        items: Sequence[Item],
        total: int,
        line: Callable[[int, Item], str],
        lead_of: Callable[[Item], int | None],
    ) -> None:
        if not items:
            return
        self.lines += ["", tr(reader.i18n, heading, count=total)]
        for item in items[: digests.ITEMS_SHOWN]:
            self.count += 1
            self.lines.append(line(self.count, item))
            lead_id = lead_of(item)
            if lead_id is not None:
                self.leads.append((self.count, lead_id))
        if total > digests.ITEMS_SHOWN:
            more = total - digests.ITEMS_SHOWN
            self.lines.append(reader.i18n.get("digest-more", count=more))

    def keyboard(self, reader: Reader) -> InlineKeyboardMarkup | None:
        if not self.leads:
            return None
        kb = InlineKeyboardBuilder()
        for number, lead_id in self.leads:
            kb.button(
                text=reader.i18n.get("digest-open-button", number=number),
                callback_data=ShowLead(lead_id=lead_id),
            )
        kb.adjust(BUTTONS_PER_ROW)
        return kb.as_markup()


async def render_rep_digest(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    """Nothing overdue, due or idle: no digest."""
    rep = reader.staff
    day = date.fromisoformat(message.payload["since"])
    morning = await rep_morning(session, rep=rep, day=day, now=message.due_at)
    if morning.is_empty:
        return None
    shown = NumberedList(lines=[reader.i18n.get("digest-rep-title", day=day)])
    shown.section(
        reader,
        "digest-rep-overdue",
        morning.overdue,
        len(morning.overdue),
        lambda n, task: tr(
            reader.i18n,
            "digest-overdue-line",
            number=n,
            due=local_time(task.due_at, rep),
            title=shorten(task.title, TITLE_SHOWN),
        ),
        lambda task: task.lead_id,
    )
    shown.section(
        reader,
        "digest-rep-today",
        morning.today,
        len(morning.today),
        lambda n, task: tr(
            reader.i18n,
            "digest-today-line",
            number=n,
            due=local_time(task.due_at, rep),
            title=shorten(task.title, TITLE_SHOWN),
        ),
        lambda task: task.lead_id,
    )
    shown.section(
        reader,
        "digest-rep-idle",
        morning.idle,
        morning.idle_total,
        lambda n, lead: tr(
            reader.i18n,
            "digest-idle-line",
            number=n,
            title=shorten(lead.title, TITLE_SHOWN),
            since=local_time(lead.last_activity_at, rep),
        ),
        lambda lead: lead.id,
    )
    if shown.leads:
        shown.lines += ["", reader.i18n.get("digest-rep-footer")]
    return Outgoing(text="\n".join(shown.lines), reply_markup=shown.keyboard(reader))


async def render_team_digest(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing:
    since = date.fromisoformat(message.payload["since"])
    until = date.fromisoformat(message.payload["until"])
    figures = await team_figures(
        session,
        reader=reader.staff,
        since=local_midnight(since, reader.staff),
        until=local_midnight(until, reader.staff),
        now=message.due_at,
    )
    if message.kind == digests.TEAM_WEEK:
        title = reader.i18n.get(
            "digest-team-week-title", first=since, last=until - timedelta(days=1)
        )
    else:
        title = reader.i18n.get("digest-team-day-title", day=since)
    return Outgoing(text="\n".join([title, "", *team_lines(figures, reader)]))


def team_lines(figures: TeamFigures, reader: Reader) -> list[str]:
    i18n = reader.i18n
    lines = [i18n.get("digest-new-leads", count=figures.new_count)]
    lines += [
        i18n.get("digest-new-by-source", source=i18n.get(f"source-{source.value}"), count=count)
        for source, count in figures.new_by_source
    ]
    lines.append(
        i18n.get(
            "digest-won", count=figures.won.count, value=money_list(i18n, dict(figures.won.totals))
        )
    )
    lines.append(
        i18n.get(
            "digest-lost",
            count=figures.lost.count,
            value=money_list(i18n, dict(figures.lost.totals)),
        )
    )
    if figures.top_lost_reasons:
        reasons = ", ".join(
            i18n.get("digest-lost-reason", reason=lost_reason_words(code, reader), count=count)
            for code, count in figures.top_lost_reasons
        )
        lines.append(i18n.get("digest-lost-reasons", reasons=reasons))
    lines.append(
        i18n.get(
            "digest-pipeline",
            value=money_list(i18n, dict(figures.pipeline.totals)),
            weighted=money_list(i18n, dict(figures.pipeline.weighted)),
        )
    )
    lines.append(i18n.get("digest-idle", count=figures.idle_count))
    return lines


def lost_reason_words(code: str, reader: Reader) -> str:
    if code == LostReason.OTHER:
        return reader.i18n.get("digest-lost-other")
    return reader.i18n.get(lost_reason_key(LostReason(code)))


RENDERERS: dict[str, Renderer] = {
    digests.REP_DIGEST: render_rep_digest,
    digests.TEAM_DAY: render_team_digest,
    digests.TEAM_WEEK: render_team_digest,
}
