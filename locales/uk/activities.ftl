# Нотатки, дзвінки й повідомлення, теги та зміна полів із картки ліда.

note-ask = Напишіть нотатку одним повідомленням, до 4 000 символів. /cancel — скасувати.
note-saved = 📝 Нотатку збережено.

call-logged = 📞 Дзвінок записано. Нагадати про наступний крок?
message-logged = ✉️ Повідомлення записано. Нагадати про наступний крок?

tags-pick = Натисніть на тег, щоб прибрати його, або додайте нові.
tags-remove-button = ✖ #{ $tag }
tags-add-button = ➕ Додати теги
tags-ask = Напишіть теги через пробіл, наприклад <code>#vip опт</code>. /cancel — скасувати.
tags-saved = 🏷 Теги збережено.
tags-removed = Тег #{ $tag } прибрано.
error-tags-too-many = У ліда може бути щонайбільше { $limit ->
    [one] { $limit } тег
    [few] { $limit } теги
   *[many] { $limit } тегів
}.

edit-pick-field = Що змінити?
edit-field-title = Назва
edit-field-contact_name = Контактна особа
edit-field-phone = Телефон
edit-field-email = E-mail
edit-field-value = Сума
edit-field-currency = Валюта
edit-field-source_detail = Деталі джерела
edit-field-expected_close_on = Очікувана дата закриття
edit-ask =
    <b>{ $field }</b> зараз: { $current }
    Надішліть нове значення. /cancel — скасувати.
edit-ask-clear = Щоб очистити поле, надішліть <code>-</code>.
edit-empty = не вказано
edit-date = { DATETIME($day, dateStyle: "medium") }
edit-saved = ✏️ Збережено.
error-date-unreadable = Не вдалося розібрати дату. Спробуйте, наприклад, <code>25.12.2026</code>, <code>25.12</code> або <code>п’ятниця</code>.
