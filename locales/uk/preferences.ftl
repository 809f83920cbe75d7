# /settings: мова, часовий пояс і сповіщення.

settings-summary =
    ⚙️ <b>Налаштування</b>
    Мова: { $language }
    Часовий пояс: { $zone }
    Сповіщення: увімкнено { $enabled } з { $available }
settings-btn-language = 🌐 Мова
settings-btn-time-zone = 🕒 Часовий пояс
settings-btn-notifications = 🔔 Сповіщення
settings-btn-other-zone = ⌨️ Ввести інший
settings-pick-language = Оберіть мову:
settings-pick-time-zone = Ваш часовий пояс: { $zone }. За ним я показую дати, нагадування й зведення. Оберіть інший:
settings-ask-time-zone = Надішліть назву часового поясу так, як її пише база IANA, наприклад <code>Europe/Berlin</code> або <code>Asia/Tbilisi</code>. /cancel — скасувати.
settings-pick-notifications = Про що вам повідомляти? Натисніть, щоб увімкнути чи вимкнути.

language-en = English
language-uk = Українська

notification-new_leads = Нові ліди
notification-wins_and_losses = Виграні й утрачені угоди
notification-overdue_tasks = Прострочені задачі
notification-idle_deals = Угоди без активності
notification-digest = Щоденне зведення
