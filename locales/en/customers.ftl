# The customer card (360-degree view).

customer-title = 🧑 <b>{ $name }</b> · customer #{ $customer_id }
customer-phones = 📞 { $phones }
customer-emails = ✉️ { $emails }
customer-tags = 🏷 { $tags }
customer-no-orders = 🧾 No orders yet
customer-orders = 🧾 <b>Orders</b>: { $count ->
    [one] { $count } order
   *[other] { $count } orders
} · { $totals }
customer-order = • No. { $external_id } · { MONEY($amount, $currency) } · { DATETIME($when, dateStyle: "medium") }
customer-no-conversations = 💬 No conversations yet
customer-conversations = 💬 <b>Conversations</b>: { $count } · { $messages ->
    [one] { $messages } message
   *[other] { $messages } messages
}
customer-last-message = • { $channel }, { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $direction ->
    [in] 📥
   *[out] 📤
} { $text }
customer-loyalty = 🎁 Loyalty points: { $points }
customer-no-tickets = 🛟 No support tickets
customer-tickets = 🛟 <b>Support</b>: { $open } open · { $total } in all
customer-ticket = • { $subject } · { $status ->
    [open] open
   *[closed] closed
} · { DATETIME($when, dateStyle: "medium") }
customer-deals = 💼 <b>Deals</b>: { $open } open · { $won } won · { $lost } lost
customer-deal-button = 💼 { $title } · { $stage }
customer-tasks = ⏰ <b>Open tasks</b>: { $count }
customer-task = • { $title } · { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
customer-timeline-count = 🕓 <b>Timeline</b>: { $count }
customer-activity = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }
customer-activity-with-text = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }: { $text }
