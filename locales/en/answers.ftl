# Every message gets an answer: unknown commands, free text, strangers and the first admin.

fallback-unknown-command = I don't know { $command }. /help lists what I can do.
fallback-free-text = I found no command, phone number or e-mail in that. To add a lead send /lead, to find one /find and what to look for; /help lists everything I can do.
fallback-other-message = I can't do anything with this kind of message. Forward me a customer's message or share their contact to start a lead; /help lists what I can do.
fallback-in-flow = That is not an answer to my last question. Answer it, or send /cancel to stop.
fallback-contact-found = 📇 That looks like a contact:
fallback-contact-question = Make a lead from it? /help lists what else I can do.
fallback-make-lead = ➕ Make a lead
fallback-lead-started = ✓ Making a lead
fallback-offer-gone = I can no longer see the message with the contact. Send it again.

welcome-first-admin = Welcome, { $name }! You are the admin of this CRM. Start with /invite to bring in your team and /stages to set up the pipeline; /help shows everything else.

access-invite-refused =
    { $reason ->
        [invite-used] This invite link has already been used.
        [invite-expired] This invite link has expired.
        [invite-revoked] This invite link has been withdrawn.
       *[other] This invite link is not valid.
    }
    Your Telegram id is <code>{ $telegram_id }</code>. Send it to your manager or admin and ask for a new link.
