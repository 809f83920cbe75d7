# What the scheduler brings: reminders, overdue tasks, idle deals and digests.

notification-reminders = Task reminders
notification-assigned = Leads assigned to me

reminder-title = ⏰ <b>Reminder:</b> { $title }
reminder-lead = 📇 { $lead }
reminder-due = 🕒 Due { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
reminder-late = ⌛ Sent late: it came due at { DATETIME($at, dateStyle: "medium", timeStyle: "short") }, while I was not running.
reminder-btn-done = ✅ Done
reminder-btn-15-minutes = 💤 15 min
reminder-btn-an-hour = 💤 1 hour
reminder-btn-tomorrow = 💤 Tomorrow 9:00

overdue-alert =
    ⚠️ <b>Overdue task:</b> { $title }
    👤 { $assignee } · was due { DATETIME($due, dateStyle: "medium", timeStyle: "short") }
overdue-alert-lead = 📇 { $lead }

idle-nudge = 💤 <b>{ $title }</b> has had no activity for { $days ->
    [one] { $days } day
   *[other] { $days } days
} at { $stage }. A call or a note keeps it moving.

digest-rep-title = ☀️ <b>Good morning!</b> Your { DATETIME($day, dateStyle: "full") }:
digest-rep-overdue = ⚠️ <b>Overdue</b>: { $count }
digest-rep-today = 📋 <b>Due today</b>: { $count }
digest-rep-idle = 💤 <b>Deals without activity</b>: { $count }
digest-overdue-line = { $number }. since { DATETIME($due, dateStyle: "medium") } — { $title }
digest-today-line = { $number }. { DATETIME($due, timeStyle: "short") } — { $title }
digest-idle-line = { $number }. { $title } — quiet since { DATETIME($since, dateStyle: "medium") }
digest-more = … and { $count } more
digest-rep-footer = Tap a number to open its lead.
digest-open-button = 📇 { $number }

digest-team-day-title = 📊 <b>Yesterday</b>, { DATETIME($day, dateStyle: "full") }
digest-team-week-title = 📊 <b>Last week</b>, { DATETIME($first, dateStyle: "medium") } – { DATETIME($last, dateStyle: "medium") }
digest-new-leads = 🆕 New leads: { $count }
digest-new-by-source = · { $source }: { $count }
digest-won = 🏆 Won: { $count } · { $value }
digest-lost = 💔 Lost: { $count } · { $value }
digest-lost-reasons = · top reasons: { $reasons }
digest-lost-reason = { $reason } ({ $count })
digest-lost-other = other
digest-pipeline = 💼 Open pipeline: { $value } · weighted { $weighted }
digest-idle = 💤 Deals without activity: { $count }
