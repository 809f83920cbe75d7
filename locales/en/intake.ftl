# Leads arriving over HTTP: web forms, shops, WhatsApp.
notify-lead-returned = 💬 <b>{ $title }</b> got in touch again ({ $source }) (#{ $lead_id })
