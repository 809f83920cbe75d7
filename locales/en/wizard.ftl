# A new lead step by step, from a forwarded message or a contact card, and duplicates.

wizard-ask-name =
    ➕ <b>New lead</b>
    What is the client's name? Send it or tap Skip; /cancel stops.
wizard-ask-contact = 📞 The client's phone or e-mail? Type it, send their contact card or use the buttons below.
wizard-ask-value = 💰 What is the deal worth? E.g. 12000 or 12 000,50 USD; without a currency it is { $currency }.
wizard-ask-source = 🔗 Where did the client come from?
wizard-ask-stage = 📍 Which stage does the lead start in?
wizard-skip = ⏭ Skip
wizard-share-contact = 📱 Share contact
wizard-contact-placeholder = +380 67 123 45 67 or name@example.com
wizard-contact-saved = ✓ { $contact }
wizard-skipped = ⏭ Skipped
wizard-chosen = ✓ { $choice }
wizard-step-over = That step is already behind you.
wizard-from-telegram = ➕ <b>New lead</b> from Telegram

duplicate-found = { $count ->
    [one] ⚠️ A lead with this phone or e-mail already exists:
   *[other] ⚠️ { $count } leads with this phone or e-mail already exist:
}
duplicate-lead = • <b>{ $title }</b> · #{ $lead_id } · { $stage } · { $responsible }
duplicate-someone-elses = • A lead with this contact belongs to { $name }.
duplicate-unassigned = • A lead with this contact exists, and nobody is responsible for it.
duplicate-open = 📇 Open it
duplicate-open-numbered = 📇 Open #{ $lead_id }
duplicate-create-anyway = ➕ Create anyway
duplicate-already-done = Already done: this draft was used or replaced.
