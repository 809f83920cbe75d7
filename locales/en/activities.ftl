# Notes, calls and messages, tags and field edits from the lead card.

note-ask = Type the note in one message, up to 4,000 characters. /cancel to stop.
note-saved = 📝 Note saved.

call-logged = 📞 Call logged. Set a follow-up?
message-logged = ✉️ Message logged. Set a follow-up?

tags-pick = Tap a tag to remove it, or add new ones.
tags-remove-button = ✖ #{ $tag }
tags-add-button = ➕ Add tags
tags-ask = Type the tags separated by spaces, e.g. <code>#vip wholesale</code>. /cancel to stop.
tags-saved = 🏷 Tags saved.
tags-removed = Tag #{ $tag } removed.
error-tags-too-many = A lead can have at most { $limit ->
    [one] { $limit } tag
   *[other] { $limit } tags
}.

edit-pick-field = What do you want to change?
edit-field-title = Title
edit-field-contact_name = Contact name
edit-field-phone = Phone
edit-field-email = E-mail
edit-field-value = Value
edit-field-currency = Currency
edit-field-source_detail = Source detail
edit-field-expected_close_on = Expected close date
edit-ask =
    <b>{ $field }</b> now: { $current }
    Send the new value. /cancel to stop.
edit-ask-clear = Send <code>-</code> to clear it.
edit-empty = not set
edit-date = { DATETIME($day, dateStyle: "medium") }
edit-saved = ✏️ Saved.
error-date-unreadable = I could not read that date. Try e.g. <code>25.12.2026</code>, <code>25.12</code> or <code>friday</code>.
