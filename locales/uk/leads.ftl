# Картка ліда та її кнопки.

card-title = 📇 <b>{ $title }</b> · #{ $lead_id }
card-contact = 👤 { $name }
card-phone = 📞 { $phone }
card-email = ✉️ { $email }
card-stage-line = 📍 Статус: <b>{ $stage }</b> · { $days ->
    [0] з сьогодні
    [one] { $days } день
    [few] { $days } дні
   *[many] { $days } днів
}
card-value = 💰 { MONEY($value, $currency) }
card-expected-close = 📅 Очікуване закриття: { DATETIME($day, dateStyle: "medium") }
card-no-value = 💰 суму ще не вказано
card-responsible = 🧑‍💼 Відповідальний: { $name }
card-nobody = не призначено
card-source = 🔗 Джерело: { $source }
card-source-detailed = 🔗 Джерело: { $source } · { $detail }
card-tags = 🏷 { $tags }
card-lost-reason = ❌ Втрачено: { $reason }
card-order = 🧾 Замовлення #{ $order_id }
card-next-task = ⏰ Далі: { $title }, { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
card-statistics = 📊 Задачі: { $open_tasks } відкр., { $done_tasks } викон. · Замовлення: { $orders } · Оплачено: { $paid }
card-latest = <b>Останнє</b>
card-activity = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }
card-activity-with-text = • { DATETIME($when, dateStyle: "short", timeStyle: "short") } { $kind }: { $text }
card-no-further-stage = Далі в цьому напрямку статусів немає.
card-stale = Поки ви дивилися, лід змінили — ось актуальна картка.

btn-previous = ◀ Статус назад
btn-next = Далі ▶
btn-won = ✅ Успішно
btn-lost = ❌ Втрачено
btn-stage = 🔀 Статус…
btn-note = 📝 Нотатка
btn-called = 📞 Подзвонив
btn-wrote = ✉️ Написав
btn-task = ⏰ Задача
btn-tags = 🏷 Теги
btn-edit = ✏️ Змінити
btn-assign = 👤 Призначити
btn-convert = 🧾 У замовлення
btn-customer = 🧑 Клієнт

ask-won-value = На яку суму угода? Надішліть суму, наприклад 12000 або 12 000,50. /cancel — скасувати.
ask-lost-reason = Чому угоду втрачено?
ask-lost-reason-text = Напишіть причину одним повідомленням. /cancel — скасувати.
lost-reason-price = Задорого
lost-reason-competitor = Обрали конкурента
lost-reason-timing = Не на часі
lost-reason-no-answer = Перестав відповідати
lost-reason-other = Інша причина…

lead-quick-usage =
    Додайте ліда одним повідомленням:
    <code>/lead Олена Петренко +380671234567 12000 UAH</code>
    Спершу ім’я; телефон, e-mail і сума з валютою — за бажанням.
