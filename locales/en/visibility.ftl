# What a rep sees of a customer shared with other reps, and chats other than the private one.

customer-other-reps-deals = { $count ->
    [one] • One more deal belongs to another rep.
   *[other] • { $count } more deals belong to other reps.
}
