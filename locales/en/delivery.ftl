error-not-saved = ⚠️ Not saved: the database did not take the change. Nothing was changed; please try again.
notify-actor-nobody = the website
btn-open-lead = 📇 Open lead
command-delivery = Messages waiting and given up
delivery-title = <b>📮 Delivery</b>
delivery-nothing-waiting = Nothing is waiting to be sent.
delivery-waiting = { $count ->
    [one] { $count } message waits
   *[other] { $count } messages wait
}, the oldest since { DATETIME($oldest, dateStyle: "short", timeStyle: "short") }.
delivery-failed = { $count ->
    [0] Nothing was given up.
    [one] { $count } message was given up after repeated failures:
   *[other] { $count } messages were given up after repeated failures:
}
delivery-failure = • { $name }: { $error } ({ DATETIME($when, dateStyle: "short", timeStyle: "short") })
delivery-retry = 🔁 Send the given-up messages again
delivery-retried = { $count ->
    [one] { $count } message will be sent again.
   *[other] { $count } messages will be sent again.
}
