# Tasks and reminders for a lead, and /today.

task-time-in-an-hour = ⏰ In 1 hour
task-time-tomorrow-morning = ⏰ Tomorrow 10:00
task-time-in-three-days = ⏰ In 3 days
task-time-other = 🗓 Other time…
follow-up-none = « No follow-up
task-pick-time = When is it due?
task-ask-time =
    When? Type a date and time, e.g. <code>tomorrow 10:00</code>, <code>25.12 14:30</code>, <code>monday 9:00</code> or <code>in 2 hours</code>.
    /cancel to stop.
task-time-not-understood = I could not read that time. Try e.g. <code>tomorrow 10:00</code>, <code>25.12 14:30</code>, <code>friday 9:00</code> or <code>in 2 hours</code>.
task-time-past = That time has already passed. Send a time in the future.
task-ask-title = What needs doing? Type a short title, or tap Skip to save it as a follow-up.
task-skip-title = Skip
task-title-expired = This question is already closed.
task-default-title = Follow up: { $lead }
task-saved = ⏰ Task saved: <b>{ $title }</b>, { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
task-reminder-set = ⏰ Reminder set for { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
error-task-title-too-long = A task title can be at most 200 characters.

today-title = 📋 <b>Your day</b>: { $count ->
    [one] { $count } task
   *[other] { $count } tasks
}
today-empty = 🎉 Nothing due today and nothing overdue. Enjoy the calm!
today-task = { $number }. 🕒 { DATETIME($due, timeStyle: "short") } — { $title }
today-task-overdue = { $number }. ⚠️ <b>overdue</b> since { DATETIME($due, dateStyle: "medium", timeStyle: "short") } — { $title }
today-task-snoozed = · 💤 until { DATETIME($until, dateStyle: "medium", timeStyle: "short") }
today-page = Page { $page } of { $pages }
today-legend = ✅ done · 💤 snooze
today-done-button = ✅ { $number }
today-snooze-button = 💤 { $number }

snooze-ask = Snooze “{ $title }” until when?
snooze-an-hour = 💤 For 1 hour
snooze-till-morning = 💤 Till tomorrow 10:00
task-done = ✅ Done
task-already-done = This task is already done.
task-snoozed = 💤 Snoozed until { DATETIME($until, dateStyle: "medium", timeStyle: "short") }
