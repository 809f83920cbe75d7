# Invites, pipeline stages and the team: what admins (and managers) run.

invite-pick-role = Who are you inviting? Choose the role they will have.
invite-created =
    🔗 Invite for a new { $role }:
    { $link }
    It works once, until { DATETIME($expires, dateStyle: "medium", timeStyle: "short") } ({ $zone }).

stages-title = 🧩 <b>Stages of the { $pipeline } pipeline</b>
stages-line = { $position }. <b>{ $stage }</b> — { $kind } · { $probability }% · ⏳ { $idle } · { $count ->
    [one] { $count } lead
   *[other] { $count } leads
}
stages-btn-stage = { $position }. { $stage } ({ $count })
stages-btn-add = ➕ Add a stage
stages-ask-new-name = Send the name of the new stage.
stage-card =
    🧩 <b>{ $stage }</b> ({ $position } of { $total })
    Kind: { $kind }
    Win probability: { $probability }%
    Idle alert: { $idle }
    Leads in it: { $count }
stage-kind-open = open
stage-kind-won = won
stage-kind-lost = lost
stage-idle-off = off
stage-idle-days = after { $days ->
    [one] { $days } day
   *[other] { $days } days
} without activity
stage-btn-rename = ✏️ Rename
stage-btn-up = 🔼 Up
stage-btn-down = 🔽 Down
stage-btn-kind = 🏷 Kind
stage-btn-probability = 🎯 Probability
stage-btn-idle = ⏳ Idle alert
stage-btn-delete = 🗑 Delete
stage-btn-idle-off = 🔕 Switch the alert off
stage-btn-delete-now = 🗑 Yes, delete
stage-pick-kind = Which kind of stage is it? Deals in a won or lost stage are closed.
stage-pick-probability = Choose the win probability, or send a whole number from 0 to 100.
stage-ask-idle-days = After how many days without activity is a deal here idle? Send a number from 1 to 365, or “none” to switch the alert off.
stage-idle-none-word = none
stage-ask-name = Send the new name of the stage.
stage-confirm-delete = Delete this stage? There are no leads in it.
stage-pick-target = { $count ->
    [one] There is { $count } lead in it. Choose the stage to move it to;
   *[other] There are { $count } leads in it. Choose the stage to move them to;
} then this one is deleted.
stage-deleted = 🗑 The stage “{ $stage }” is deleted.

team-title = 👥 <b>Team</b>: { $count ->
    [one] { $count } person
   *[other] { $count } people
}
team-page = Page { $page } of { $pages }
team-line = • <b>{ $name }</b> — { $role }
team-line-inactive = • <s>{ $name }</s> — { $role }, access switched off
team-person =
    👤 <b>{ $name }</b>
    Role: { $role }
    Telegram ID: <code>{ $telegram_id }</code>
team-person-active = Access: active
team-person-inactive = Access: switched off
team-btn-role = 🔁 Change role
team-btn-deactivate = 🚫 Switch access off
team-pick-role = Choose the new role:
team-pick-heir = Who becomes responsible for the leads and open tasks of { $name }? Their access is switched off at once.
team-no-heir = There is nobody active to hand the leads to. Invite someone first.
team-deactivated = 🚫 Access switched off. { $count ->
    [0] There were no leads to hand over.
    [one] { $count } lead now belongs to { $heir }.
   *[other] { $count } leads now belong to { $heir }.
}

error-probability-out-of-range = The probability must be a whole number from 0 to 100.
error-idle-days-out-of-range = Send a whole number of days from 1 to 365, or “none”.
error-stage-name-empty = The stage needs a name.
error-stage-name-too-long = A stage name can be at most 64 characters.
error-stage-target-invalid = Choose another stage of the same pipeline.
error-heir-invalid = Choose an active team member other than the one who is leaving.
