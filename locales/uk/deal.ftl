# Оформлення замовлення з ліда та зміна відповідального.

convert-ask-order-id = 🧾 Оформлюємо замовлення з ліда <b>{ $title }</b>. Надішліть номер замовлення. /cancel — скасувати.
convert-ask-amount = Замовлення № { $order_id }: яка сума в { $currency }? Надішліть її, наприклад 12000 або 12 000,50, або візьміть суму угоди.
convert-use-value = Використати { MONEY($value, $currency) }
convert-done = Замовлення № { $order_id } оформлено, угоду виграно.
convert-over = Це замовлення вже оформлено або оформлення скасовано.

assign-ask = Хто буде відповідальним?
assign-staff-button = { $name } · { $role }
assign-done = Відповідальний: { $name }
