# The lead card and its buttons.

card-title = 📇 <b>{ $title }</b> · #{ $lead_id }
card-contact = 👤 { $name }
card-phone = 📞 { $phone }
card-email = ✉️ { $email }
card-stage-line = 📍 Stage: <b>{ $stage }</b> · { $days ->
    [0] since today
    [one] { $days } day
   *[other] { $days } days
}
card-value = 💰 { MONEY($value, $currency) }
card-expected-close = 📅 Expected to close: { DATETIME($day, dateStyle: "medium") }
card-no-value = 💰 no value yet
card-responsible = 🧑‍💼 Responsible: { $name }
card-nobody = nobody
card-source = 🔗 Source: { $source }
card-source-detailed = 🔗 Source: { $source } · { $detail }
card-tags = 🏷 { $tags }
card-lost-reason = ❌ Lost: { $reason }
card-order = 🧾 Order #{ $order_id }
card-next-task = ⏰ Next: { $title }, { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
card-statistics = 📊 Tasks: { $open_tasks } open, { $done_tasks } done · Orders: { $orders } · Paid: { $paid }
card-latest = <b>Latest</b>
card-activity = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }
card-activity-with-text = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }: { $text }
card-no-further-stage = There is no stage further that way.
card-stale = The lead was changed meanwhile: here is the latest card.

btn-previous = ◀ Back a stage
btn-next = Next stage ▶
btn-won = ✅ Won
btn-lost = ❌ Lost
btn-stage = 🔀 Stage…
btn-note = 📝 Note
btn-called = 📞 Called
btn-wrote = ✉️ Wrote
btn-task = ⏰ Task
btn-tags = 🏷 Tags
btn-edit = ✏️ Edit
btn-assign = 👤 Assign
btn-convert = 🧾 To order
btn-customer = 🧑 Customer

ask-won-value = What is the deal worth? Send the amount, e.g. 12000 or 12 000,50. /cancel to stop.
ask-lost-reason = Why was it lost?
ask-lost-reason-text = Type the reason in one message. /cancel to stop.
lost-reason-price = Too expensive
lost-reason-competitor = Chose a competitor
lost-reason-timing = Not the right time
lost-reason-no-answer = Stopped answering
lost-reason-other = Another reason…

lead-quick-usage =
    Add a lead in one message:
    <code>/lead Olena Petrenko +380671234567 12000 UAH</code>
    Name first; a phone, an e-mail and an amount with its currency are optional.
