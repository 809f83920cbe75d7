# Automation rules (/rules)

command-rules = Automation rules
rule-list-title = Automation rules: { $count }. They run in this order.
rule-list-empty = No rules yet. A rule acts by itself: when something happens to a lead, if it matches, it does what you set.
rule-new = ➕ New rule
rule-card-title = ⚙️ <b>{ $name }</b>
rule-on = ✅ On
rule-off = ⏸ Off
rule-failed-because = ⚠️ Switched off by itself: { $reason }
rule-failure-rule-stage-gone = its stage was deleted.
rule-failure-rule-person-gone = a person it names has left the team.
rule-failure-rule-nobody-to-assign = nobody it shares leads between is still on the team.
rule-failure-rule-author-not-admin = the admin who made it is no longer an admin.
rule-failure-rule-unreadable = it could not be read; make it again.
rule-switch-off = ⏸ Switch off
rule-switch-on = ▶️ Switch on
rule-move-up = ⬆️ Earlier
rule-move-down = ⬇️ Later
rule-delete = 🗑 Delete
rule-back-to-list = ‹ All rules
rule-delete-question = Delete the rule <b>{ $name }</b>? What it already did stays.
rule-delete-yes = 🗑 Yes, delete
rule-delete-no = Keep it
rule-deleted = Rule “{ $name }” deleted
rule-saved = Rule “{ $name }” saved and switched on
rule-back = ‹ Back
rule-cancel = ✖️ Cancel
rule-any = Any
rule-gone = (deleted)
rule-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
rule-in-hours = { $hours ->
    [one] in { $hours } hour
   *[other] in { $hours } hours
}
rule-assign-done = ✔️ Done
rule-draft-title = 🛠 <b>New rule</b>
rule-draft-needs-action = Add at least one action.
rule-add-condition = ➕ Condition
rule-add-action = ➕ Action
rule-undo = ↩️ Remove the last
rule-next-name = Next: name it ›
rule-dry-run = { $count ->
    [0] In the last 30 days it would have matched no leads.
    [one] In the last 30 days it would have matched { $count } lead:
   *[other] In the last 30 days it would have matched { $count } leads, the newest:
}
rule-dry-run-lead = • { $title } (#{ $lead_id })
rule-save = ✅ Save the rule
rule-edit = ✏️ Change it
rule-draft-expired = This rule is no longer being built. Start again with /rules.
rule-narrowed = { $what }: { $by }
rule-when-label = <b>When</b>
rule-if-label = <b>If</b>
rule-then-label = <b>Then</b>
rule-when-lead-created = A lead is created
rule-when-stage-entered = A lead enters a stage
rule-when-lead-won = A lead is won
rule-when-lead-lost = A lead is lost
rule-when-lead-idle = A lead is idle { $days } days in its stage
rule-when-task-overdue = A task is overdue
rule-when-shop-order = An order arrives from the shop
rule-when-customer-wrote = A customer writes
rule-if-source = source is { $source }
rule-if-stage = stage is { $stage }
rule-if-value = value from { $low } to { $high }
rule-if-tag = has the tag #{ $tag }
rule-if-no-tag = has no tag #{ $tag }
rule-if-responsible = responsible is { $person }
rule-if-field = { $field } is “{ $value }”
rule-then-task = { $hours ->
    [one] a task for the responsible, due in { $hours } hour (outside quiet hours)
   *[other] a task for the responsible, due in { $hours } hours (outside quiet hours)
}
rule-then-assign = assign in turn: { $people }
rule-then-add-tag = add the tag #{ $tag }
rule-then-remove-tag = remove the tag #{ $tag }
rule-then-notify = notify { $person }
rule-then-move = move to { $stage }
rule-build-t = <b>When</b> should the rule act?
rule-build-c = Add a condition: the rule acts only on leads that match all of them.
rule-build-a = Add an action; they run in the order added.
rule-build-ws = A lead from which source?
rule-build-wt = Entering which stage?
rule-build-wr = Lost for which reason?
rule-build-wd = Idle for how long?
rule-build-wc = Writing over which channel?
rule-build-is = The lead's source is:
rule-build-it = The lead's stage is:
rule-build-ir = The lead's responsible is:
rule-build-if = Which field?
rule-build-tt = The task is due:
rule-build-ta = Share leads in turn between (tap to pick):
rule-build-tn = Notify whom?
rule-build-tm = Move to which stage?
rule-build-iv = Type the value range, e.g. <code>1000-5000</code>, <code>1000-</code> (at least) or <code>-5000</code> (at most).
rule-build-ig = Type the tag the lead must have.
rule-build-in = Type the tag the lead must not have.
rule-build-tg = Type the tag to add.
rule-build-tr = Type the tag to remove.
rule-build-n = Type a name for the rule (up to 64 characters).
rule-build-field-value = The field's value is:
rule-build-field-value-typed = Type the field's value.
rule-menu-is = Source
rule-menu-it = Stage
rule-menu-iv = Value range
rule-menu-ig = Has tag
rule-menu-in = Has no tag
rule-menu-ir = Responsible
rule-menu-if = Custom field
rule-menu-tt = Task for the responsible
rule-menu-ta = Assign in turn
rule-menu-tg = Add a tag
rule-menu-tr = Remove a tag
rule-menu-tn = Notify a person
rule-menu-tm = Move to a stage
card-activity-by-rule = { $line } · by rule “{ $rule }”
notify-rule-notice = 🔔 Rule “{ $rule }”: <b>{ $title }</b>
notify-rule-notice-hidden = 🔔 Rule “{ $rule }” fired on a lead of someone else's.
notify-rule-failed = ⚠️ The rule “{ $rule }” was switched off: { $reason } Turn it back on in /rules once it is fixed.
error-rule-name-invalid = Give the rule a name of up to { $max } characters.
error-rules-too-many = There can be at most { $limit } rules.
error-rule-stage-gone = That stage no longer exists.
error-rule-person-gone = That person is no longer on the team.
error-rule-value-range-invalid = Type the range as two amounts with a dash, e.g. 1000-5000.
error-rule-step-invalid = That choice is not available any more.
error-rule-actions-too-many = A rule does at most 10 things.
error-rule-field-value-invalid = Type a value of up to 500 characters.
error-custom-field-unknown = There is no such field.

# Rules that use teams and outgoing webhooks
rule-failure-rule-team-gone = a team it names was deleted.
rule-failure-rule-webhook-gone = its webhook was deleted.
rule-if-team = responsible is in the team { $team }
rule-then-assign-team = assign in turn within the team { $team }
rule-then-notify-team = notify the team { $team }
rule-then-webhook = send to the webhook { $url }
rule-build-im = The responsible is in the team:
rule-build-te = Share leads in turn within which team? Its active members take them one after another.
rule-build-tb = Notify which team? Its head and members who may see the lead are told.
rule-build-tw = Send the lead to which webhook?
rule-menu-im = Responsible's team
rule-menu-te = Assign in turn within a team
rule-menu-tb = Notify a team
rule-menu-tw = Send a webhook
error-rule-team-gone = That team no longer exists.
error-rule-webhook-gone = That webhook no longer exists.
