# Що надсилає планувальник: нагадування, прострочені задачі, угоди без руху, зведення.

notification-reminders = Нагадування про задачі
notification-assigned = Ліди, призначені мені

reminder-title = ⏰ <b>Нагадування:</b> { $title }
reminder-lead = 📇 { $lead }
reminder-due = 🕒 Термін: { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
reminder-late = ⌛ Надсилаю із запізненням: термін настав { DATETIME($at, dateStyle: "medium", timeStyle: "short") }, коли я не працював.
reminder-btn-done = ✅ Виконано
reminder-btn-15-minutes = 💤 15 хв
reminder-btn-an-hour = 💤 Годину
reminder-btn-tomorrow = 💤 Завтра о 9:00

overdue-alert =
    ⚠️ <b>Прострочена задача:</b> { $title }
    👤 { $assignee } · термін минув { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
overdue-alert-lead = 📇 { $lead }

idle-nudge = 💤 <b>{ $title }</b>: { $days ->
    [one] уже { $days } день
    [few] уже { $days } дні
   *[many] уже { $days } днів
} без жодної активності, статус «{ $stage }». Зателефонуйте чи залиште нотатку, щоб угода не застоювалась.

digest-rep-title = ☀️ <b>Доброго ранку!</b> Ваш день, { DATETIME($day, dateStyle: "full") }:
digest-rep-overdue = ⚠️ <b>Прострочено</b>: { $count }
digest-rep-today = 📋 <b>На сьогодні</b>: { $count }
digest-rep-idle = 💤 <b>Угоди без руху</b>: { $count }
digest-overdue-line = { $number }. з { DATETIME($due, dateStyle: "medium") } — { $title }
digest-today-line = { $number }. { DATETIME($due, timeStyle: "short") } — { $title }
digest-idle-line = { $number }. { $title } — тиша з { DATETIME($since, dateStyle: "medium") }
digest-more = … і ще { $count }
digest-rep-footer = Натисніть номер, щоб відкрити лід.
digest-open-button = 📇 { $number }

digest-team-day-title = 📊 <b>Учора</b>, { DATETIME($day, dateStyle: "full") }
digest-team-week-title = 📊 <b>Минулий тиждень</b>, { DATETIME($first, dateStyle: "medium") } – { DATETIME($last, dateStyle: "medium") }
digest-new-leads = 🆕 Нових лідів: { $count }
digest-new-by-source = · { $source }: { $count }
digest-won = 🏆 Виграно: { $count } · { $value }
digest-lost = 💔 Втрачено: { $count } · { $value }
digest-lost-reasons = · найчастіші причини: { $reasons }
digest-lost-reason = { $reason } ({ $count })
digest-lost-other = інше
digest-pipeline = 💼 Відкриті угоди: { $value } · з урахуванням імовірності { $weighted }
digest-idle = 💤 Угод без руху: { $count }
