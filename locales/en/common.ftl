# Shared words, access, errors and notifications.

money = { MONEY($value, $currency) }
back = « Back
page-previous = ‹ Previous
page-next = Next ›

role-admin = admin
role-manager = manager
role-rep = sales rep

source-manual = manual entry
source-web_form = web form
source-website_chat = website chat
source-whatsapp = WhatsApp
source-telegram = Telegram
source-woocommerce = WooCommerce
source-facebook = Facebook Leads
source-import = import
source-other = other

activity-created = created
activity-call = call
activity-note = note
activity-meeting = meeting
activity-message = message
activity-stage_change = stage changed
activity-assignment = assigned
activity-conversion = converted to an order
activity-system = system

not-allowed = Not allowed
not-found = It is not there any more.
access-unknown-user =
    Hello! This is a private CRM bot for a sales team.
    Your Telegram id is <code>{ $telegram_id }</code>. Send it to your manager or admin and ask for an invite link.
access-deactivated = Your access to this CRM has been switched off. Ask an admin if this is a mistake.

error-invalid-input = That does not look right. Please check it and try again.
error-conflict = Someone else changed this a moment ago. Open it again to see the latest.
error-duplicate = A lead with this phone or e-mail already exists.
error-unexpected = Something went wrong on our side. Please try again.
error-phone-invalid = That is not a phone number I can use. Try the international format, e.g. +380 67 123 45 67.
error-email-invalid = That is not a valid e-mail address.
error-amount-invalid = Send the amount as a number, e.g. 12000 or 12 000,50.
error-amount-negative = The amount cannot be negative.
error-amount-too-precise = Use at most two decimal places.
error-amount-too-large = That amount is too large: a deal or an order can be worth at most 10,000,000,000.
error-amount-not-decimal = Send the amount as a number, e.g. 12000 or 12 000,50.
error-currency-unsupported = I do not know that currency. Use UAH, USD, EUR, PLN or GBP.
error-value-required = A won deal needs a value. Send the amount first.
error-lost-reason-required = Tell me why the deal was lost.
error-lost-reason-too-long = Please keep the reason under 500 characters.
error-stage-unchanged = The lead is already in that stage.
error-no-such-stage = There is no stage further in that direction.
error-stage-not-open = New leads can only start in an open stage.
error-invite-unknown = This invite link is not valid. Ask for a new one.
error-invite-used = This invite link has already been used. Ask for a new one.
error-invite-expired = This invite link has expired. Ask for a new one.
error-note-empty = The note is empty.
error-note-too-long = A note can be at most 4,000 characters.
error-lead-needs-name-or-contact = A lead needs at least a name, a phone or an e-mail.
error-string-too-long = That is too long.
error-task-title-empty = The task needs a title.
error-snooze-in-past = That time has already passed.
error-time-zone-unknown = I do not know that time zone.
error-order-id-invalid = The order number must be 1 to 64 characters.
error-stage-has-leads = This stage has leads. Choose where they should go first.
error-last-open-stage = The pipeline needs at least one open stage.
error-last-admin = The team needs at least one admin.
error-tag-invalid = Tags may hold letters, digits, - and _ only, up to 48 characters.

notify-new-lead = 🆕 New lead <b>{ $title }</b> from { $source }, added by { $actor } (#{ $lead_id })
notify-lead-won = 🏆 { $actor } won <b>{ $title }</b>{ $has_value ->
    [yes] {" "}for { MONEY($value, $currency) }
   *[no] {""}
} (#{ $lead_id })
notify-lead-lost = 💔 { $actor } lost <b>{ $title }</b>, reason: { $reason } (#{ $lead_id })
notify-lead-assigned = 👤 { $actor } made you responsible for <b>{ $title }</b> (#{ $lead_id })
