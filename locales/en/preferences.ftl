# /settings: language, time zone and notifications.

settings-summary =
    ⚙️ <b>Settings</b>
    Language: { $language }
    Time zone: { $zone }
    Notifications: { $enabled } of { $available } on
settings-btn-language = 🌐 Language
settings-btn-time-zone = 🕒 Time zone
settings-btn-notifications = 🔔 Notifications
settings-btn-other-zone = ⌨️ Type another
settings-pick-language = Choose your language:
settings-pick-time-zone = Your time zone is { $zone }. Dates, reminders and digests follow it. Choose another:
settings-ask-time-zone = Send the name of your time zone as the IANA database spells it, for example <code>Europe/Berlin</code> or <code>Asia/Tbilisi</code>. /cancel stops.
settings-pick-notifications = What should I tell you about? Tap to switch each on or off.

language-en = English
language-uk = Українська

notification-new_leads = New leads
notification-wins_and_losses = Won and lost deals
notification-overdue_tasks = Overdue tasks
notification-idle_deals = Deals without activity
notification-digest = Daily digest
