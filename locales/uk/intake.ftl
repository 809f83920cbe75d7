# Ліди, що надходять через HTTP: вебформи, магазини, WhatsApp.
notify-lead-returned = 💬 <b>{ $title }</b> знову на зв'язку ({ $source }) (#{ $lead_id })
