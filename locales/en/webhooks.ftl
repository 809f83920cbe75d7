command-webhooks = Outgoing webhooks
webhooks-list = <b>🔗 Outgoing webhooks</b>
    { $count ->
        [0] None yet. Add an address and choose the events it receives; every delivery is signed as the Standard Webhooks specification says.
        [one] { $count } webhook. Tap one to change its events or read its delivery log.
       *[other] { $count } webhooks. Tap one to change its events or read its delivery log.
    }
webhooks-active = ▶️
webhooks-paused = ⏸
webhooks-btn-new = ➕ Add a webhook
webhooks-ask-url = Send the address that should receive the events, starting with https://
webhooks-pick-events = Events for { $url }: tick the ones it should receive, then create it.
webhooks-btn-create = ✅ Create the webhook
webhooks-draft-gone = That draft is gone. Start again with /webhooks.
webhooks-created = ✅ Created. Its signing secret, shown only this once: copy it to the receiver now.
    <code>{ $secret }</code>
webhooks-card = <b>🔗 { $url }</b> { $status }
webhooks-waiting = { $count ->
    [0] Nothing waits to be delivered.
    [one] { $count } delivery waits.
   *[other] { $count } deliveries wait.
}
webhooks-paused-why = Paused after { $failures } failures in a row; its deliveries wait until you resume it.
webhooks-btn-resume = ▶️ Resume
webhooks-btn-log = 📜 Delivery log
webhooks-btn-delete = 🗑 Delete
webhooks-btn-delete-yes = 🗑 Yes, delete it
webhooks-btn-back = ‹ Back
webhooks-btn-refresh = 🔄 Refresh
webhooks-resumed = Resumed: delivering again from the oldest waiting event.
webhooks-deleted = Deleted { $url }; what still waited for it will not be sent.
webhooks-delete-question = Delete the webhook { $url }? What still waits for it will not be sent.
webhooks-log-title = <b>📜 Delivery log of { $url }</b> (newest first)
webhooks-log-empty = Nothing was sent yet.
webhooks-log-line = • { DATETIME($when, dateStyle: "short", timeStyle: "medium") } · { $event } · { $status } · { $latency } ms · attempt { $attempt } { $error }
webhook-event-lead-created = Lead created
webhook-event-lead-stage-changed = Stage changed
webhook-event-lead-won = Won
webhook-event-lead-lost = Lost
webhook-event-task-done = Task done
webhook-event-order-linked = Order linked
notify-webhook-paused = ⏸ The webhook { $url } failed { $failures } times in a row and is paused. Its deliveries wait; resume it when the receiver works again.
error-webhook-url-invalid = That is not a web address. Send one like https://example.com/hooks/crm
error-webhook-url-too-long = That address is too long: at most { $max } characters.
error-webhook-url-scheme = Only http:// and https:// addresses can receive webhooks.
error-webhook-url-unresolvable = The name { $host } does not resolve to any address. Check it and send it again.
error-webhook-url-private = That address leads to { $address }, a loopback, private, link-local or metadata address, which webhooks may not reach.
error-webhook-url-plain-http = Plain http:// is not allowed for a public address: use https://
error-webhook-no-events = Choose at least one event.
