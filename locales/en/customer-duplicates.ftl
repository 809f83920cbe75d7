# /duplicates: likely duplicate customers and merging them.

command-duplicates = Duplicate customers and leads: merge (managers)
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

# /duplicates, leads: pairs sharing a phone or e-mail, values picked, merged once.
duplicates-leads = 📇 Duplicate leads
lead-duplicates-customers = 🧑 Duplicate customers
lead-duplicates-preview = Merge <b>{ $dropped }</b> into the newer <b>{ $kept }</b>?
    Its activities, tasks, orders and tags move over. Where the two differ, pick the value that stays:
lead-duplicates-choice = { $field }: <b>{ $value }</b>
lead-duplicates-moving = Moving over: { $moving }
    This cannot be undone.
lead-duplicates-moving-activities = { $count ->
    [one] 1 activity
   *[other] { $count } activities
}
lead-duplicates-moving-tasks = { $count ->
    [one] 1 task
   *[other] { $count } tasks
}
lead-duplicates-moving-orders = { $count ->
    [one] 1 order
   *[other] { $count } orders
}
lead-duplicates-field-title = Title
lead-duplicates-field-contact-name = Contact
lead-duplicates-field-phone = Phone
lead-duplicates-field-email = E-mail
lead-duplicates-field-value = Value
lead-duplicates-field-customer = Customer
lead-duplicates-field-order = Order
lead-duplicates-merged = ✅ { $dropped } merged into { $kept }. Its old buttons open { $kept } now.
lead-duplicates-open = 📇 Open { $who }
error-merge-leads-not-duplicates = These two leads share no phone or e-mail: they are not merged.
error-merge-keeps-newer = Of two leads merged, the newer one stays.
error-merge-picks = These choices do not match the two leads any more. Open the pair again.

# dupmark2: the lead pairs are walked a page at a time, not counted; an admin sees how many
# values are shared (every lead is theirs), a manager no total.
lead-duplicates-title-shared = <b>🔁 Likely duplicate leads</b>: { $shared ->
    [one] { $shared } phone or e-mail held by several leads
   *[other] { $shared } phones or e-mails held by several leads
}, page { $page }
lead-duplicates-title-scoped = <b>🔁 Likely duplicate leads</b>, page { $page }
