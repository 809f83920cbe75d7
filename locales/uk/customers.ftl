# Картка клієнта (огляд 360°).

customer-title = 🧑 <b>{ $name }</b> · клієнт #{ $customer_id }
customer-phones = 📞 { $phones }
customer-emails = ✉️ { $emails }
customer-tags = 🏷 { $tags }
customer-no-orders = 🧾 Замовлень ще немає
customer-orders = 🧾 <b>Замовлення</b>: { $count ->
    [one] { $count } замовлення
    [few] { $count } замовлення
   *[many] { $count } замовлень
} · { $totals }
customer-order = • № { $external_id } · { MONEY($amount, $currency) } · { DATETIME($when, dateStyle: "medium") }
customer-no-conversations = 💬 Діалогів ще не було
customer-conversations = 💬 <b>Діалоги</b>: { $count } · { $messages ->
    [one] { $messages } повідомлення
    [few] { $messages } повідомлення
   *[many] { $messages } повідомлень
}
customer-last-message = • { $channel }, { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $direction ->
    [in] 📥
   *[out] 📤
} { $text }
customer-loyalty = 🎁 Бонусні бали: { $points }
customer-no-tickets = 🛟 Звернень до підтримки немає
customer-tickets = 🛟 <b>Підтримка</b>: відкритих { $open } · усього { $total }
customer-ticket = • { $subject } · { $status ->
    [open] відкрите
   *[closed] закрите
} · { DATETIME($when, dateStyle: "medium") }
customer-deals = 💼 <b>Угоди</b>: відкритих { $open } · виграних { $won } · програних { $lost }
customer-deal-button = 💼 { $title } · { $stage }
customer-tasks = ⏰ <b>Відкриті задачі</b>: { $count }
customer-task = • { $title } · { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
customer-timeline-count = 🕓 <b>Історія</b>: { $count }
customer-activity = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }
customer-activity-with-text = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }: { $text }
