error-not-saved = ⚠️ Not saved: the database did not take the change. Nothing was changed; please try again.
notify-actor-nobody = the website
btn-open-lead = 📇 Open lead
