"""``/duplicates``, leads: managers and admins see pairs of leads sharing a phone or an e-mail
within their scope, pick which value stays wherever the two disagree, and confirm the merge
once. The newer lead stays; only the confirmation changes anything, and it is refused once
either lead was merged."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Staff
from crm.services.lead_duplicates import (
    Disagreement,
    LeadMergePreview,
    LeadPairs,
    lead_duplicate_pairs,
    lead_merge_preview,
    merge_leads,
)
from handlers.common.screens import CHECKED, Screen, button, show_screen
from handlers.common.text import MESSAGE_LIMIT, shorten, tr
from handlers.customer_views import fit_lines
from handlers.duplicates import DuplicatesPage, LeadDuplicatesPage, pairs_screen
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.leads.rendering import field_value_text

BUTTON_VALUE = 28
LIST_TITLE = 60


class LeadMergeStep(CallbackData, prefix="dlm"):
    """Merge ``drop_id`` into ``keep_id`` taking the merged-away lead's value of each
    disagreement whose bit is set in ``picks``: shown until ``confirmed``. Seven fields of the
    lead and at most ``FIELDS_MAX`` custom ones may disagree: with the largest ids the data
    stays under Telegram's 64 bytes, and the pairs of buttons under its 100."""

    keep_id: int
    drop_id: int
    picks: int
    confirmed: bool = False


def _who(lead: Lead) -> str:
    return f"#{lead.id} {shorten(lead.title, LIST_TITLE)}"


def _list_screen(pairs: LeadPairs, i18n: I18nContext) -> Screen:
    if pairs.shared_values is None:
        title = i18n.get("lead-duplicates-title-scoped", page=pairs.page + 1)
    else:
        title = i18n.get(
            "lead-duplicates-title-shared", shared=pairs.shared_values, page=pairs.page + 1
        )
    return pairs_screen(
        title,
        pairs,
        i18n,
        names=lambda pair: (_who(pair.first), _who(pair.second)),
        merge=lambda pair: LeadMergeStep(keep_id=pair.second.id, drop_id=pair.first.id, picks=0),
        page_to=lambda number: LeadDuplicatesPage(page=number),
        other_list=button(i18n.get("lead-duplicates-customers"), DuplicatesPage(page=0)),
    )


async def turn_page(
    query: CallbackQuery,
    callback_data: LeadDuplicatesPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    pairs = await lead_duplicate_pairs(session, actor=actor, page=callback_data.page)
    await show_screen(query, _list_screen(pairs, i18n))


def _shown(disagreement: Disagreement, value: str, i18n: I18nContext) -> str:
    if disagreement.definition is None:
        return value
    return field_value_text(disagreement.definition, value, i18n)


def _field_label(disagreement: Disagreement, i18n: I18nContext) -> str:
    if disagreement.definition is None:
        return i18n.get(f"lead-duplicates-field-{disagreement.field.replace('_', '-')}")
    return disagreement.definition.label(i18n.locale)


def _preview_screen(preview: LeadMergePreview, step: LeadMergeStep, i18n: I18nContext) -> Screen:
    """The merge as it stands, a pair of buttons for each value to pick, and the one
    confirmation."""
    kb = InlineKeyboardBuilder()
    lines = [
        tr(i18n, "lead-duplicates-preview", dropped=_who(preview.dropped), kept=_who(preview.kept))
    ]
    for n, disagreement in enumerate(preview.disagreements):
        taken_dropped = bool(step.picks >> n & 1)
        kept, dropped = (
            _shown(disagreement, v, i18n) for v in (disagreement.kept, disagreement.dropped)
        )
        lines.append(
            tr(
                i18n,
                "lead-duplicates-choice",
                field=_field_label(disagreement, i18n),
                value=dropped if taken_dropped else kept,
            )
        )
        for value, with_bit in ((kept, False), (dropped, True)):
            picks = step.picks | 1 << n if with_bit else step.picks & ~(1 << n)
            mark = f"{CHECKED} " if with_bit == taken_dropped else ""
            kb.button(
                text=mark + shorten(value, BUTTON_VALUE),
                callback_data=step.model_copy(update={"picks": picks}),
            )
    moving = ", ".join(
        i18n.get(f"lead-duplicates-moving-{kind}", count=count)
        for kind, count in preview.moving.items()
        if count
    )
    lines.append(
        tr(i18n, "lead-duplicates-moving", moving=moving or i18n.get("duplicates-moving-nothing"))
    )
    kb.button(
        text=i18n.get("duplicates-confirm"),
        callback_data=step.model_copy(update={"confirmed": True}),
    )
    kb.button(text=i18n.get("back"), callback_data=LeadDuplicatesPage(page=0))
    kb.adjust(*([2] * len(preview.disagreements)), 1, 1)
    return Screen(fit_lines(lines, MESSAGE_LIMIT), kb.as_markup())


async def merge_step(
    query: CallbackQuery,
    callback_data: LeadMergeStep,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    keep_id, drop_id = callback_data.keep_id, callback_data.drop_id
    if not callback_data.confirmed:
        preview = await lead_merge_preview(session, actor=actor, keep_id=keep_id, drop_id=drop_id)
        await show_screen(query, _preview_screen(preview, callback_data, i18n))
        return
    kept = await merge_leads(
        session, actor=actor, keep_id=keep_id, drop_id=drop_id, picks=callback_data.picks
    )
    kb = InlineKeyboardBuilder()
    kb.button(
        text=tr(i18n, "lead-duplicates-open", who=shorten(_who(kept), BUTTON_VALUE)),
        callback_data=LeadAction(lead_id=kept.id, action=LeadActionKind.OPEN, version=kept.version),
    )
    kb.button(text=i18n.get("duplicates-back-to-list"), callback_data=LeadDuplicatesPage(page=0))
    kb.adjust(1)
    text = tr(i18n, "lead-duplicates-merged", dropped=f"#{drop_id}", kept=_who(kept))
    await show_screen(query, Screen(text, kb.as_markup()))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(turn_page, LeadDuplicatesPage.filter())
    router.callback_query.register(merge_step, LeadMergeStep.filter())
    return router
