"""What ``/forms`` shows: the web forms and shop webhooks, a card for each with its address
and secret, who gets its leads, which field names it posts, and a ready HTML form."""

from __future__ import annotations

import html
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext

from crm.models import FieldPreset, IntakeChannel, IntakeKind, Staff
from crm.services.forms import HONEYPOT_FIELD, OUR_FIELDS, field_names
from crm.services.intake import address_signature
from handlers.common.paging import page_navigation, page_of
from handlers.common.screens import Screen, button, checkbox, one_per_row, with_notice
from handlers.common.text import tr

# Where web/app.py serves each kind of channel.
INTAKE_PATHS = {
    IntakeKind.WEB_FORM: "/intake/forms/{key}",
    IntakeKind.WOOCOMMERCE: "/intake/woocommerce/{key}",
    IntakeKind.WEBSITE_CHAT: "/intake/chat/{key}",
}
NO_PUBLIC_URL = "https://PUBLIC_URL"
KIND_ICONS = {
    IntakeKind.WEB_FORM: "🧾",
    IntakeKind.WOOCOMMERCE: "🛒",
    IntakeKind.WEBSITE_CHAT: "💬",
}


class FormsPage(CallbackData, prefix="fm"):
    page: int


class FormScreen(StrEnum):
    CARD = "c"
    RESPONSIBLE = "r"
    PRESET = "p"
    FIELD_NAMES = "f"
    SNIPPET = "s"
    REVOKE = "x"


class FormView(CallbackData, prefix="fv"):
    form_id: int
    screen: FormScreen
    page: int = 0


class NewForm(CallbackData, prefix="fn"):
    kind: IntakeKind


class SetFormResponsible(CallbackData, prefix="fr"):
    """Give the form's leads to ``staff_id``, or round the reps when it is None."""

    form_id: int
    staff_id: int | None = None


class SetFormPreset(CallbackData, prefix="fp"):
    form_id: int
    preset: FieldPreset


class RevokeForm(CallbackData, prefix="fx"):
    form_id: int


class SetOpensLeads(CallbackData, prefix="fo"):
    """Whether a shop's orders open leads."""

    form_id: int
    opens_leads: bool


def intake_address(channel: IntakeChannel, public_url: str | None) -> str:
    base = (public_url or NO_PUBLIC_URL).rstrip("/")
    return base + INTAKE_PATHS[channel.kind].format(key=channel.key)


def signed_address(channel: IntakeChannel, public_url: str | None) -> str:
    return f"{intake_address(channel, public_url)}?sig={address_signature(channel)}"


def forms_list(channels: list[IntakeChannel], page: int, i18n: I18nContext) -> Screen:
    shown = page_of(channels, page)
    kb = InlineKeyboardBuilder()
    for channel in shown.items:
        kb.button(
            text=f"{KIND_ICONS[channel.kind]} {channel.name}",
            callback_data=FormView(form_id=channel.id, screen=FormScreen.CARD),
        )
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: FormsPage(page=number)))
    kb.row(button(i18n.get("forms-btn-new-form"), NewForm(kind=IntakeKind.WEB_FORM)))
    kb.row(button(i18n.get("forms-btn-new-shop"), NewForm(kind=IntakeKind.WOOCOMMERCE)))
    kb.row(button(i18n.get("forms-btn-new-chat"), NewForm(kind=IntakeKind.WEBSITE_CHAT)))
    return Screen(i18n.get("forms-list", count=len(channels)), kb.as_markup())


def new_form_prompt(kind: IntakeKind, i18n: I18nContext) -> Screen:
    return Screen(i18n.get(f"forms-ask-name-{kind.value.replace('_', '-')}"))


def form_card(
    channel: IntakeChannel,
    responsible: Staff | None,
    public_url: str | None,
    i18n: I18nContext,
    *,
    notice: str | None = None,
) -> Screen:
    lines = [
        tr(
            i18n,
            f"forms-card-{channel.kind.value.replace('_', '-')}",
            name=channel.name,
            responsible=responsible.display_name if responsible else i18n.get("forms-round-robin"),
            address=intake_address(channel, public_url),
            signed_address=signed_address(channel, public_url),
            secret=channel.secret,
        )
    ]
    if channel.kind == IntakeKind.WEB_FORM:
        lines.append(tr(i18n, "forms-card-fields", fields=_fields_in_words(channel, i18n)))
    elif channel.kind == IntakeKind.WOOCOMMERCE:
        lines.append(
            i18n.get("forms-card-opens-leads", opens="yes" if channel.opens_leads else "no")
        )
    if public_url is None:
        lines.append(i18n.get("forms-no-public-url"))
    screens = [FormScreen.RESPONSIBLE]
    if channel.kind == IntakeKind.WEB_FORM:
        screens += [FormScreen.PRESET, FormScreen.FIELD_NAMES, FormScreen.SNIPPET]
    kb = InlineKeyboardBuilder()
    for screen in (*screens, FormScreen.REVOKE):
        kb.button(
            text=i18n.get(f"forms-btn-{screen.name.lower().replace('_', '-')}"),
            callback_data=form_view(channel, screen),
        )
    if channel.kind == IntakeKind.WOOCOMMERCE:
        kb.button(
            text=checkbox(channel.opens_leads, i18n.get("forms-btn-opens-leads")),
            callback_data=SetOpensLeads(form_id=channel.id, opens_leads=not channel.opens_leads),
        )
    kb.button(text=i18n.get("back"), callback_data=FormsPage(page=0))
    kb.adjust(2)
    return Screen(with_notice(notice, "\n\n".join(lines)), kb.as_markup())


def responsible_picker(
    channel: IntakeChannel, people: list[Staff], page: int, i18n: I18nContext
) -> Screen:
    shown = page_of(people, page)
    kb = InlineKeyboardBuilder()
    kb.button(
        text=i18n.get("forms-btn-round-robin"), callback_data=SetFormResponsible(form_id=channel.id)
    )
    for person in shown.items:
        kb.button(
            text=person.display_name,
            callback_data=SetFormResponsible(form_id=channel.id, staff_id=person.id),
        )
    kb.adjust(1)
    kb.row(
        *page_navigation(
            shown,
            i18n,
            lambda number: FormView(form_id=channel.id, screen=FormScreen.RESPONSIBLE, page=number),
        )
    )
    kb.row(button(i18n.get("back"), form_view(channel)))
    return Screen(tr(i18n, "forms-pick-responsible", name=channel.name), kb.as_markup())


def preset_picker(channel: IntakeChannel, i18n: I18nContext) -> Screen:
    return Screen(
        tr(i18n, "forms-pick-preset", name=channel.name),
        one_per_row(
            *(
                button(
                    i18n.get(f"forms-preset-{preset.value}"),
                    SetFormPreset(form_id=channel.id, preset=preset),
                )
                for preset in FieldPreset
            ),
            button(i18n.get("back"), form_view(channel)),
        ),
    )


def field_names_prompt(channel: IntakeChannel, i18n: I18nContext) -> Screen:
    example = "\n".join(f"{ours} = {names[0]}" for ours, names in field_names(channel).items())
    return Screen(
        tr(i18n, "forms-ask-field-names", name=channel.name, example=example),
        one_per_row(button(i18n.get("back"), form_view(channel))),
    )


def revoke_confirmation(channel: IntakeChannel, i18n: I18nContext) -> Screen:
    return Screen(
        tr(i18n, "forms-confirm-revoke", name=channel.name),
        one_per_row(
            button(i18n.get("forms-btn-revoke-now"), RevokeForm(form_id=channel.id)),
            button(i18n.get("back"), form_view(channel)),
        ),
    )


def snippet(channel: IntakeChannel, public_url: str | None, i18n: I18nContext) -> Screen:
    """A plain HTML form posting to the form's signed address, or for Contact Form 7 the
    address to give the "CF7 to Webhook" plugin."""
    address = signed_address(channel, public_url)
    if channel.preset == FieldPreset.CONTACT_FORM_7:
        text = tr(i18n, "forms-snippet-cf7", address=address)
    else:
        text = (
            tr(i18n, "forms-snippet-html", name=channel.name)
            + "\n"
            + _html_form(channel, address, i18n)
        )
    return Screen(text, one_per_row(button(i18n.get("back"), form_view(channel))))


def _html_form(channel: IntakeChannel, address: str, i18n: I18nContext) -> str:
    """The form's HTML, shown as code: every value in it quoted for an HTML attribute."""
    names = {ours: attribute(theirs[0]) for ours, theirs in field_names(channel).items()}
    address = attribute(address)

    def label(ours: str) -> str:
        return attribute(i18n.get(f"forms-field-{ours}"))

    form = "\n".join(
        (
            f'<form action="{address}" method="post">',
            f'  <input name="{names["name"]}" placeholder="{label("name")}" required>',
            f'  <input name="{names["phone"]}" type="tel" placeholder="{label("phone")}">',
            f'  <input name="{names["email"]}" type="email" placeholder="{label("email")}">',
            f'  <textarea name="{names["message"]}" placeholder="{label("message")}"></textarea>',
            f'  <input name="{HONEYPOT_FIELD}" style="display:none" tabindex="-1"'
            ' autocomplete="off">',
            f'  <button type="submit">{label("send")}</button>',
            "</form>",
        )
    )
    return f'<pre><code class="language-html">{html_decoration.quote(form)}</code></pre>'


def attribute(value: str) -> str:
    return html.escape(value, quote=True)


def _fields_in_words(channel: IntakeChannel, i18n: I18nContext) -> str:
    names = field_names(channel)
    preset = i18n.get(f"forms-preset-title-{channel.preset.value}")
    return f"({preset}) " + ", ".join(f"{ours} ← {' / '.join(names[ours])}" for ours in OUR_FIELDS)


def form_view(channel: IntakeChannel, screen: FormScreen = FormScreen.CARD) -> FormView:
    return FormView(form_id=channel.id, screen=screen)
