# /lead in one message, when it reads more than one way.

quick-add-unsure = 🤔 I am not sure I read that right. This is how I read it:
quick-add-name = 👤 Name: { $name }
quick-add-phone = 📞 Phone: { $phone }
quick-add-email = ✉️ E-mail: { $email }
quick-add-amount = 💰 Amount: { MONEY($amount, $currency) }
quick-add-no-amount = 💰 Amount: none
quick-add-choose = If that is wrong, tap the right reading below. Nothing is saved until you tap Create.
quick-add-option-amount = 💰 { MONEY($amount, $currency) }
quick-add-option-no-amount = 💰 no amount
quick-add-option-phone = 📞 { $phone }
quick-add-option-no-phone = 📞 no phone
quick-add-option-email = ✉️ { $email }
quick-add-option-no-email = ✉️ no e-mail
quick-add-option-name = 👤 { $name }
quick-add-create = ✅ Create
quick-add-cancel = ✖️ Cancel
quick-add-chosen = ✓ Read this way.
quick-add-cancelled = ✖️ Cancelled: no lead was created.
quick-add-expired = This question is out of date. Send /lead again.
error-quick-add-too-long = That is too long for one line. Send /lead on its own to add the lead step by step.
