# What a rep sees of a customer shared with other reps, and chats other than the private one.

customer-other-reps-deals = { $count ->
    [one] • One more deal belongs to another rep.
   *[other] • { $count } more deals belong to other reps.
}
private-chat-only = I work in a private chat only, so nothing from the CRM shows up here. Write to me directly.
