command-teams = Teams: branches and offices

teams-title = 🏢 <b>Teams</b>: { $count }
teams-none = No teams yet, so every manager sees every lead. Make a team (a branch, an office) to give its manager the leads of its people only.
teams-line = • <b>{ $name }</b> — { $count ->
    [one] { $count } person
   *[other] { $count } people
}
teams-btn-new = ➕ New team
teams-ask-name = Send the name of the new team (a branch or an office).
teams-card-title = 🏢 <b>{ $name }</b>
teams-card-head = Head: { $name }
teams-card-no-head = Head: nobody yet
teams-card-members = { $count ->
    [one] { $count } member:
   *[other] { $count } members:
}
teams-card-no-members = No members yet.
teams-member = • { $name } — { $role }
teams-member-head = • ⭐ { $name } — { $role }
teams-btn-add = ➕ Add a member
teams-btn-remove = ➖ Take a member out
teams-btn-head = ⭐ Choose the head
teams-btn-delete = 🗑 Delete the team
teams-btn-delete-now = 🗑 Yes, delete
teams-pick-add = Who joins the team? The team's managers will see their leads.
teams-pick-add-none = Everyone active is in this team already.
teams-pick-remove = Who leaves the team? The team's managers stop seeing their leads at once.
teams-pick-remove-none = The team has no members.
teams-pick-head = Who heads the team? Only a manager or an admin can.
teams-pick-head-none = There is no active manager or admin to head the team. Give someone the manager role in /team first.
teams-confirm-delete = Delete the team “{ $name }”? { $count ->
    [0] It has no members.
    [one] Its { $count } member keeps their leads; the team's managers see them no longer through it.
   *[other] Its { $count } members keep their leads; the team's managers see them no longer through it.
}
teams-added = ✅ { $name } joined the team.
teams-removed = ➖ { $name } left the team.
teams-head-set = ⭐ { $name } heads the team.
teams-deleted = 🗑 The team “{ $name }” is deleted.
error-team-name-empty = The team needs a name.
error-team-name-too-long = A team name can be at most { $limit } characters.
error-team-name-taken = There is a team with this name already. Send another name.
error-team-member-invalid = This person cannot be picked any more. Open the team again.
error-team-head-invalid = Only an active manager or admin can head a team.
