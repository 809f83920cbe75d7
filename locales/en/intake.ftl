# Leads arriving over HTTP: web forms, shops, the website chat, WhatsApp.
notify-lead-returned = 💬 <b>{ $title }</b> got in touch again ({ $source }) (#{ $lead_id })

command-forms = Web forms, shop webhooks and the website chat

forms-list = { $count ->
    [0] 🧾 <b>Where leads come in</b>
        Nothing yet. Open a web form, a shop webhook or a website chat, and leads from your site or shop arrive here by themselves.
   *[other] 🧾 <b>Where leads come in</b>: { $count }
}
forms-btn-new-form = ➕ New web form
forms-btn-new-shop = ➕ New WooCommerce webhook
forms-btn-new-chat = ➕ New website chat
forms-ask-name-web-form = Send a name for the form (say, “Contact page”). Leads from it show it as their source.
forms-ask-name-woocommerce = Send a name for the shop (say, “Online store”). Its orders and leads show it as their source.
forms-ask-name-website-chat = Send a name for the website chat (say, “Site chat”). Leads from it show it as their source.
forms-opened = ✅ “{ $name }” is open.
forms-round-robin = the active reps in turn
forms-card-web-form =
    🧾 <b>{ $name }</b> (web form)
    Leads go to: { $responsible }
    Address: <code>{ $address }</code>
    Secret, sent in the <code>X-Form-Secret</code> header: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-woocommerce =
    🛒 <b>{ $name }</b> (WooCommerce)
    Leads go to: { $responsible }
    In WooCommerce → Settings → Advanced → Webhooks add a webhook for “Order created” and one for “Order updated”, API version 3, with
    Delivery URL: <code>{ $address }</code>
    Secret: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-website-chat =
    💬 <b>{ $name }</b> (website chat)
    Leads go to: { $responsible }
    Your chat widget posts JSON to this signed address:
    <code>{ $signed_address }</code>
    with <code>visitor_id</code> and <code>text</code>, and <code>name</code>, <code>email</code> and <code>phone</code> when the visitor gave them. A visitor’s first message opens a lead, the next ones join it.
    From a server, send the secret in the <code>X-Chat-Secret</code> header instead: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-fields = Fields { $fields }
forms-card-opens-leads = { $opens ->
    [yes] Each new order also opens a lead (or joins the buyer’s open one).
   *[no] Orders go to the customers’ cards without opening leads.
}
forms-no-public-url = ⚠️ PUBLIC_URL is not set: put the server’s address in place of https://PUBLIC_URL.
forms-btn-responsible = 👤 Leads go to
forms-btn-preset = 🧩 Field names preset
forms-btn-field-names = ✏️ Own field names
forms-btn-snippet = 📋 HTML form
forms-btn-revoke = 🗑 Close
forms-btn-opens-leads = Orders open leads
forms-btn-round-robin = 🔄 The active reps in turn
forms-pick-responsible = Who gets the leads from “{ $name }”?
forms-pick-preset = Which field names does “{ $name }” post?
forms-preset-generic = Ours: name, phone, email, message
forms-preset-cf7 = Contact Form 7: your-name, your-tel, your-email, your-message
forms-preset-title-generic = our names
forms-preset-title-cf7 = Contact Form 7
forms-ask-field-names =
    Send the names “{ $name }” posts, one per line, as our field = their name. An empty name goes back to the preset’s. Now:
    <pre>{ $example }</pre>
forms-field-names-format = Write each line as our field = their name, for example <code>phone = tel-123</code>. Our fields are name, phone, email and message.
forms-confirm-revoke = Close “{ $name }”? Its address stops taking leads at once; the leads it brought stay.
forms-btn-revoke-now = 🗑 Yes, close it
forms-revoked = “{ $name }” is closed.
forms-snippet-html = Paste this form into your page (“{ $name }”); style it as you like, but keep the hidden field: spam bots fill it in and are ignored.
forms-snippet-cf7 =
    In Contact Form 7 → your form → “CF7 to Webhook”, turn the webhook on and set its URL to:
    <code>{ $address }</code>
    Fields other than your-name, your-email, your-tel and your-message are added to the lead’s message.
forms-field-name = Your name
forms-field-phone = Phone
forms-field-email = E-mail
forms-field-message = Message
forms-field-send = Send

error-channel-name-empty = The name cannot be empty.
error-channel-name-too-long = A name can be at most { $max } characters.
error-channel-not-a-form = Only a web form has field names.
error-form-field-unknown = Our fields are name, phone, email and message.
error-form-field-name-too-long = A field name can be at most { $max } characters.
error-responsible-invalid = That person is no longer on the team.
