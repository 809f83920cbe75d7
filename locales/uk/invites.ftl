# Запрошення, якими ще не скористалися: хто може запрошувати на роль, той їх бачить і відкликає.

invites-btn-pending = 📋 Активні запрошення
invites-title = 📋 <b>Активні запрошення</b>: { $count }
invites-none = 📋 Активних запрошень немає: усіма посиланнями скористалися, їх відкликали або вони прострочені.
invites-line = • #{ $invite_id } { $role } · автор: { $creator } · до { DATETIME($expires, dateStyle: "medium", timeStyle: "short") } ({ $zone })
invites-from-command-line = командний рядок
invites-btn-revoke = ✖️ Відкликати №{ $invite_id } ({ $role })
invites-revoked = Запрошення №{ $invite_id } відкликано: посилання більше не діє.
