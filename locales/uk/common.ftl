# Спільні слова, доступ, помилки та сповіщення.

money = { MONEY($value, $currency) }
back = « Назад
page-previous = ‹ Попередня
page-next = Наступна ›

role-admin = адміністратор
role-manager = менеджер
role-rep = менеджер з продажу

source-manual = вручну
source-web_form = форма на сайті
source-website_chat = чат на сайті
source-whatsapp = WhatsApp
source-telegram = Telegram
source-woocommerce = WooCommerce
source-facebook = Facebook Leads
source-import = імпорт
source-other = інше

activity-created = створено
activity-call = дзвінок
activity-note = нотатка
activity-meeting = зустріч
activity-message = повідомлення
activity-stage_change = зміна статусу
activity-assignment = зміна відповідального
activity-conversion = оформлено замовлення
activity-system = система

not-allowed = Немає доступу
not-found = Цього запису вже немає.
access-unknown-user =
    Вітаю! Це закритий CRM-бот відділу продажів.
    Ваш Telegram ID: <code>{ $telegram_id }</code>. Надішліть його керівнику чи адміністратору й попросіть посилання-запрошення.
access-deactivated = Ваш доступ до CRM вимкнено. Якщо це помилка, зверніться до адміністратора.

error-invalid-input = Щось тут не так. Перевірте, будь ласка, і спробуйте ще раз.
error-conflict = Хтось щойно змінив цей запис. Відкрийте його знову, щоб побачити актуальне.
error-duplicate = Лід із таким телефоном чи e-mail уже є.
error-unexpected = У нас щось пішло не так. Спробуйте ще раз.
error-phone-invalid = Не вдається розпізнати номер. Спробуйте міжнародний формат, наприклад +380 67 123 45 67.
error-email-invalid = Це не схоже на адресу e-mail.
error-amount-invalid = Надішліть суму числом, наприклад 12000 або 12 000,50.
error-amount-negative = Сума не може бути від’ємною.
error-amount-too-precise = Не більше двох знаків після коми.
error-amount-too-large = Завелика сума: угода чи замовлення — не більше ніж на 10 000 000 000.
error-amount-not-decimal = Надішліть суму числом, наприклад 12000 або 12 000,50.
error-currency-unsupported = Такої валюти я не знаю. Використовуйте UAH, USD, EUR, PLN або GBP.
error-value-required = Для успішної угоди потрібна сума. Спершу надішліть її.
error-lost-reason-required = Вкажіть, чому угоду втрачено.
error-lost-reason-too-long = Опишіть причину коротше, до 500 символів.
error-stage-unchanged = Лід уже в цьому статусі.
error-no-such-stage = Далі в цьому напрямку статусів немає.
error-stage-not-open = Новий лід може починатися лише з відкритого статусу.
error-invite-unknown = Посилання-запрошення недійсне. Попросіть нове.
error-invite-used = Цим запрошенням уже скористалися. Попросіть нове.
error-invite-expired = Термін дії запрошення минув. Попросіть нове.
error-note-empty = Нотатка порожня.
error-note-too-long = Нотатка може містити щонайбільше 4 000 символів.
error-lead-needs-name-or-contact = Для ліда потрібне хоча б ім’я, телефон або e-mail.
error-string-too-long = Занадто довго.
error-task-title-empty = У задачі має бути назва.
error-snooze-in-past = Цей час уже минув.
error-time-zone-unknown = Такого часового поясу я не знаю.
error-order-id-invalid = Номер замовлення має містити від 1 до 64 символів.
error-stage-has-leads = У цьому статусі є ліди. Спершу оберіть, куди їх перенести.
error-last-open-stage = У воронці має лишитися хоча б один відкритий статус.
error-last-admin = У команді має лишитися хоча б один адміністратор.
error-tag-invalid = Тег може містити лише літери, цифри, - та _, до 48 символів.

notify-new-lead = 🆕 Новий лід <b>{ $title }</b>, джерело: { $source }, автор: { $actor } (#{ $lead_id })
notify-lead-won = 🏆 Угоду виграно: <b>{ $title }</b>{ $has_value ->
    [yes] {" "}на { MONEY($value, $currency) }
   *[no] {""}
} — { $actor } (#{ $lead_id })
notify-lead-lost = 💔 Угоду втрачено: <b>{ $title }</b>, причина: { $reason } — { $actor } (#{ $lead_id })
notify-lead-assigned = 👤 Тепер ви відповідальні за <b>{ $title }</b>, призначення: { $actor } (#{ $lead_id })
