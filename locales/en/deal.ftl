# Converting a lead to an order and assigning it.

convert-ask-order-id = 🧾 Converting <b>{ $title }</b> to an order. Send the order number. /cancel to stop.
convert-ask-amount = Order No. { $order_id }: what is the amount in { $currency }? Send it, e.g. 12000 or 12 000,50, or use the deal's value.
convert-use-value = Use { MONEY($value, $currency) }
convert-done = Order No. { $order_id } created, the deal is won.
convert-over = This order has already been created, or the conversion was cancelled.

assign-ask = Who will be responsible?
assign-staff-button = { $name } · { $role }
assign-done = Responsible: { $name }
