# /duplicates: ймовірні дублікати клієнтів і їх обʼєднання.

command-duplicates = Дублікати клієнтів і лідів: обʼєднання (менеджери)
activity-merge = приєднано
duplicates-title = <b>🔁 Ймовірні дублікати клієнтів</b>: { $count ->
    [one] { $count } пара
    [few] { $count } пари
   *[many] { $count } пар
}, сторінка { $page } з { $pages }
duplicates-none = Ймовірних дублікатів немає.
duplicates-pair = { $number }. { $first } ↔ { $second }
    { "   " }{ $shared }
duplicates-same-phone = той самий телефон { $value }
duplicates-same-email = та сама пошта { $value }
duplicates-same-name = те саме імʼя
duplicates-merge-button = 🔁 { $number }
duplicates-pick = Котрого клієнта залишити? Ліди, замовлення, розмови, завдання, активності, бали, звернення, контакти й теги іншого перейдуть до нього.
duplicates-customer = <b>{ $who }</b>
    { $contacts }
duplicates-no-contacts = контактів немає
duplicates-keep = Залишити { $who }
duplicates-preview = Приєднати <b>{ $dropped }</b> до <b>{ $kept }</b>?
    Імʼя залишиться: { $name }
    Контакти: { $contacts }
    Теги: { $tags }
    Перейде: { $moving }
    Скасувати це не можна.
duplicates-moving-leads = { $count ->
    [one] { $count } лід
    [few] { $count } ліди
   *[many] { $count } лідів
}
duplicates-moving-orders = { $count ->
    [one] { $count } замовлення
   *[other] { $count } замовлень
}
duplicates-moving-conversations = { $count ->
    [one] { $count } розмова
    [few] { $count } розмови
   *[many] { $count } розмов
}
duplicates-moving-tasks = { $count ->
    [one] { $count } завдання
   *[other] { $count } завдань
}
duplicates-moving-activities = { $count ->
    [one] { $count } активність
    [few] { $count } активності
   *[many] { $count } активностей
}
duplicates-moving-loyalty = { $count ->
    [one] { $count } запис балів
    [few] { $count } записи балів
   *[many] { $count } записів балів
}
duplicates-moving-tickets = { $count ->
    [one] { $count } звернення
   *[other] { $count } звернень
}
duplicates-moving-nothing = нічого
duplicates-confirm = ✅ Обʼєднати
duplicates-merged = ✅ { $dropped } приєднано до { $kept }. Його старі кнопки й посилання тепер відкривають { $kept }.
duplicates-open = 🧑 Відкрити { $who }
duplicates-back-to-list = 🔁 До списку
error-merge-same-customer = Клієнта не можна приєднати до самого себе.
error-merge-not-duplicates = У цих клієнтів немає спільного телефону, пошти чи імені: їх не обʼєднано.
customer-possible-duplicates = ⚠️ Ймовірно, та сама особа, що й { $count ->
    [one] ще { $count } клієнт
    [few] ще { $count } клієнти
   *[many] ще { $count } клієнтів
}: /duplicates
card-possible-duplicate = ⚠️ Є інший лід із таким самим телефоном чи e-mail.

# /duplicates, leads: pairs sharing a phone or e-mail, values picked, merged once.
duplicates-leads = 📇 Дублікати лідів
lead-duplicates-customers = 🧑 Дублікати клієнтів
lead-duplicates-preview = Приєднати <b>{ $dropped }</b> до новішого <b>{ $kept }</b>?
    Його активності, завдання, замовлення й теги перейдуть туди. Де значення різняться, виберіть, яке залишити:
lead-duplicates-choice = { $field }: <b>{ $value }</b>
lead-duplicates-moving = Перейде: { $moving }
    Цю дію не можна скасувати.
lead-duplicates-moving-activities = { $count ->
    [one] { $count } активність
    [few] { $count } активності
   *[many] { $count } активностей
}
lead-duplicates-moving-tasks = { $count ->
    [one] { $count } завдання
    [few] { $count } завдання
   *[many] { $count } завдань
}
lead-duplicates-moving-orders = { $count ->
    [one] { $count } замовлення
   *[other] { $count } замовлень
}
lead-duplicates-field-title = Назва
lead-duplicates-field-contact-name = Контакт
lead-duplicates-field-phone = Телефон
lead-duplicates-field-email = E-mail
lead-duplicates-field-value = Сума
lead-duplicates-field-customer = Клієнт
lead-duplicates-field-order = Замовлення
lead-duplicates-merged = ✅ { $dropped } приєднано до { $kept }. Його старі кнопки тепер відкривають { $kept }.
lead-duplicates-open = 📇 Відкрити { $who }
error-merge-leads-not-duplicates = У цих лідів немає спільного телефону чи e-mail: їх не обʼєднано.
error-merge-keeps-newer = З двох лідів, що обʼєднуються, залишається новіший.
error-merge-picks = Цей вибір уже не відповідає цим лідам. Відкрийте пару ще раз.

# dupmark2: the lead pairs are walked a page at a time, not counted; an admin sees how many
# values are shared (every lead is theirs), a manager no total.
lead-duplicates-title-shared = <b>🔁 Ймовірні дублікати лідів</b>: { $shared ->
    [one] { $shared } телефон чи e-mail є в кількох лідів
    [few] { $shared } телефони чи e-mail є в кількох лідів
   *[many] { $shared } телефонів чи e-mail є в кількох лідів
}, сторінка { $page }
lead-duplicates-title-scoped = <b>🔁 Ймовірні дублікати лідів</b>, сторінка { $page }
