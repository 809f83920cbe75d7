command-webhooks = Вихідні вебхуки
webhooks-list = <b>🔗 Вихідні вебхуки</b>
    { $count ->
        [0] Ще немає жодного. Додайте адресу й виберіть події, які вона отримуватиме; кожне надсилання підписується за специфікацією Standard Webhooks.
        [one] { $count } вебхук. Натисніть на потрібний, щоб змінити події або переглянути журнал доставки.
        [few] { $count } вебхуки. Натисніть на потрібний, щоб змінити події або переглянути журнал доставки.
       *[many] { $count } вебхуків. Натисніть на потрібний, щоб змінити події або переглянути журнал доставки.
    }
webhooks-active = ▶️
webhooks-paused = ⏸
webhooks-btn-new = ➕ Додати вебхук
webhooks-ask-url = Надішліть адресу, яка отримуватиме події; вона має починатися з https://
webhooks-pick-events = Події для { $url }: позначте ті, які вона має отримувати, і створіть вебхук.
webhooks-btn-create = ✅ Створити вебхук
webhooks-draft-gone = Цієї чернетки вже немає. Почніть спочатку з /webhooks.
webhooks-created = ✅ Створено. Секрет для підпису показуємо лише цей один раз — скопіюйте його на сервер-отримувач зараз.
    <code>{ $secret }</code>
webhooks-card = <b>🔗 { $url }</b> { $status }
webhooks-waiting = { $count ->
    [0] Нічого не чекає на доставку.
    [one] На доставку чекає { $count } подія.
    [few] На доставку чекають { $count } події.
   *[many] На доставку чекають { $count } подій.
}
webhooks-paused-why = Призупинено після { $failures } невдалих спроб поспіль; події чекатимуть, доки ви його не відновите.
webhooks-btn-resume = ▶️ Відновити
webhooks-btn-log = 📜 Журнал доставки
webhooks-btn-delete = 🗑 Видалити
webhooks-btn-delete-yes = 🗑 Так, видалити
webhooks-btn-back = ‹ Назад
webhooks-btn-refresh = 🔄 Оновити
webhooks-resumed = Відновлено: доставка продовжується з найдавнішої події в черзі.
webhooks-deleted = Вебхук { $url } видалено; те, що ще чекало на доставку, надіслано не буде.
webhooks-delete-question = Видалити вебхук { $url }? Те, що ще чекає на доставку, надіслано не буде.
webhooks-log-title = <b>📜 Журнал доставки { $url }</b> (спершу новіші)
webhooks-log-empty = Ще нічого не надсилали.
webhooks-log-line = • { DATETIME($when, dateStyle: "short", timeStyle: "medium") } · { $event } · { $status } · { $latency } мс · спроба { $attempt } { $error }
webhook-event-lead-created = Лід створено
webhook-event-lead-stage-changed = Зміна етапу
webhook-event-lead-won = Угоду виграно
webhook-event-lead-lost = Угоду програно
webhook-event-task-done = Задачу виконано
webhook-event-order-linked = Замовлення прив'язано
notify-webhook-paused = ⏸ Вебхук { $url } не спрацював { $failures } разів поспіль, тож його призупинено. Події чекають у черзі; відновіть його, коли отримувач знову запрацює.
error-webhook-url-invalid = Це не вебадреса. Надішліть щось на кшталт https://example.com/hooks/crm
error-webhook-url-too-long = Адреса задовга: щонайбільше { $max } символів.
error-webhook-url-scheme = Вебхуки можуть отримувати лише адреси http:// та https://.
error-webhook-url-unresolvable = Ім'я { $host } не вказує на жодну адресу. Перевірте його й надішліть ще раз.
error-webhook-url-private = Ця адреса веде до { $address } — це локальна, приватна, link-local адреса або адреса сервісу метаданих, куди вебхукам не можна.
error-webhook-url-plain-http = Для публічної адреси звичайний http:// не дозволено: використайте https://
error-webhook-no-events = Виберіть хоча б одну подію.
