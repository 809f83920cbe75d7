# Задачі й нагадування щодо ліда та /today.

task-time-in-an-hour = ⏰ Через годину
task-time-tomorrow-morning = ⏰ Завтра о 10:00
task-time-in-three-days = ⏰ Через 3 дні
task-time-other = 🗓 Інший час…
follow-up-none = « Без нагадування
task-pick-time = На коли задача?
task-ask-time =
    Коли? Напишіть дату й час, наприклад <code>завтра 10:00</code>, <code>25.12 14:30</code>, <code>понеділок 9:00</code> чи <code>через 2 години</code>.
    /cancel — скасувати.
task-time-not-understood = Не вдалося розібрати час. Спробуйте, наприклад, <code>завтра 10:00</code>, <code>25.12 14:30</code>, <code>п’ятниця 9:00</code> або <code>через 2 години</code>.
task-time-past = Цей час уже минув. Вкажіть час у майбутньому.
task-ask-title = Що треба зробити? Напишіть коротку назву задачі або натисніть «Пропустити» — тоді це буде просто нагадування зв’язатися.
task-skip-title = Пропустити
task-title-expired = Це питання вже неактуальне.
task-default-title = Зв’язатися: { $lead }
task-saved = ⏰ Задачу збережено: <b>{ $title }</b>, { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
task-reminder-set = ⏰ Нагадування: { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
error-task-title-too-long = Назва задачі може містити щонайбільше 200 символів.

today-title = 📋 <b>Ваш день</b>: { $count ->
    [one] { $count } задача
    [few] { $count } задачі
   *[many] { $count } задач
}
today-empty = 🎉 На сьогодні задач немає, прострочених теж. Гарного дня!
today-task = { $number }. 🕒 { DATETIME($due, timeStyle: "short") } — { $title }
today-task-overdue = { $number }. ⚠️ <b>прострочено</b> з { DATETIME($due, dateStyle: "medium", timeStyle: "short") } — { $title }
today-task-snoozed = · 💤 до { DATETIME($until, dateStyle: "medium", timeStyle: "short") }
today-page = Сторінка { $page } з { $pages }
today-legend = ✅ виконано · 💤 відкласти
today-done-button = ✅ { $number }
today-snooze-button = 💤 { $number }

snooze-ask = На коли відкласти «{ $title }»?
snooze-an-hour = 💤 На годину
snooze-till-morning = 💤 До завтра, 10:00
task-done = ✅ Виконано
task-already-done = Цю задачу вже виконано.
task-snoozed = 💤 Відкладено до { DATETIME($until, dateStyle: "medium", timeStyle: "short") }
