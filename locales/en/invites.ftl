# Invites still pending: who may hand out a role sees them and may revoke them.

invites-btn-pending = 📋 Pending invites
invites-title = 📋 <b>Pending invites</b>: { $count }
invites-none = 📋 No pending invites: every link was used, revoked or has expired.
invites-line = • #{ $invite_id } { $role } · made by { $creator } · until { DATETIME($expires, dateStyle: "medium", timeStyle: "short") } ({ $zone })
invites-from-command-line = the command line
invites-btn-revoke = ✖️ Revoke #{ $invite_id } ({ $role })
invites-revoked = Invite #{ $invite_id } revoked: its link no longer works.
