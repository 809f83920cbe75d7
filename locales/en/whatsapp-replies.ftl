customer-whatsapp-reply = 💬 Reply on WhatsApp
whatsapp-ask-reply = Type your reply to <b>{ $name }</b>; it goes out on WhatsApp. WhatsApp takes it until { DATETIME($until, dateStyle: "short", timeStyle: "short") }, 24 hours after their last message.
whatsapp-reply-queued = ✅ Reply queued: it goes out on WhatsApp in a moment.
whatsapp-window-closed = The customer last wrote more than 24 hours ago, so WhatsApp no longer takes a free-form reply and nothing was sent. Call or e-mail them, or answer when they write again.
whatsapp-replies-not-set-up = Replies on WhatsApp are not set up: an admin sets WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_ACCESS_TOKEN.
error-reply-empty = The reply cannot be empty.
error-reply-too-long = WhatsApp takes at most { $max } characters in a message.
