# /duplicates: likely duplicate customers and merging them.

command-duplicates = Duplicate customers: merge (managers)
activity-merge = merged in
duplicates-title = <b>🔁 Likely duplicate customers</b>: { $count ->
    [one] 1 pair
   *[other] { $count } pairs
}, page { $page } of { $pages }
duplicates-none = No likely duplicates.
duplicates-pair = { $number }. { $first } ↔ { $second }
    { "   " }{ $shared }
duplicates-same-phone = same phone { $value }
duplicates-same-email = same e-mail { $value }
duplicates-same-name = same name
duplicates-merge-button = 🔁 { $number }
duplicates-pick = Which customer stays? The other one's leads, orders, conversations, tasks, activities, points, tickets, contacts and tags move to it.
duplicates-customer = <b>{ $who }</b>
    { $contacts }
duplicates-no-contacts = no contacts
duplicates-keep = Keep { $who }
duplicates-preview = Merge <b>{ $dropped }</b> into <b>{ $kept }</b>?
    Kept name: { $name }
    Contacts: { $contacts }
    Tags: { $tags }
    Moving over: { $moving }
    This cannot be undone.
duplicates-moving-leads = { $count ->
    [one] 1 lead
   *[other] { $count } leads
}
duplicates-moving-orders = { $count ->
    [one] 1 order
   *[other] { $count } orders
}
duplicates-moving-conversations = { $count ->
    [one] 1 conversation
   *[other] { $count } conversations
}
duplicates-moving-tasks = { $count ->
    [one] 1 task
   *[other] { $count } tasks
}
duplicates-moving-activities = { $count ->
    [one] 1 activity
   *[other] { $count } activities
}
duplicates-moving-loyalty = { $count ->
    [one] 1 loyalty entry
   *[other] { $count } loyalty entries
}
duplicates-moving-tickets = { $count ->
    [one] 1 ticket
   *[other] { $count } tickets
}
duplicates-moving-nothing = nothing
duplicates-confirm = ✅ Merge
duplicates-merged = ✅ { $dropped } merged into { $kept }. Its old buttons and links open { $kept } now.
duplicates-open = 🧑 Open { $who }
duplicates-back-to-list = 🔁 Back to the list
error-merge-same-customer = A customer cannot be merged into itself.
error-merge-not-duplicates = These two customers share no phone, e-mail or name: they are not merged.
customer-possible-duplicates = ⚠️ Likely the same person as { $count ->
    [one] another customer
   *[other] { $count } other customers
}: /duplicates
card-possible-duplicate = ⚠️ Another lead has the same phone or e-mail.
