error-not-saved = ⚠️ Не збережено: база даних не прийняла зміну. Нічого не змінилося, спробуйте ще раз.
notify-actor-nobody = сайт
btn-open-lead = 📇 Відкрити лід
command-delivery = Повідомлення в черзі та невідправлені
delivery-title = <b>📮 Доставка</b>
delivery-nothing-waiting = У черзі на відправлення нічого немає.
delivery-waiting = { $count ->
    [one] У черзі { $count } повідомлення
    [few] У черзі { $count } повідомлення
   *[many] У черзі { $count } повідомлень
}, найдавніше — з { DATETIME($oldest, dateStyle: "short", timeStyle: "short") }.
delivery-failed = { $count ->
    [0] Усе доставлено.
    [one] { $count } повідомлення не вдалося доставити після кількох спроб:
    [few] { $count } повідомлення не вдалося доставити після кількох спроб:
   *[many] { $count } повідомлень не вдалося доставити після кількох спроб:
}
delivery-failure = • { $name }: { $error } ({ DATETIME($when, dateStyle: "short", timeStyle: "short") })
delivery-retry = 🔁 Надіслати недоставлені ще раз
delivery-retried = { $count ->
    [one] { $count } повідомлення буде надіслано ще раз.
    [few] { $count } повідомлення буде надіслано ще раз.
   *[many] { $count } повідомлень буде надіслано ще раз.
}
