# Правила автоматизації (/rules)

command-rules = Правила автоматизації
rule-list-title = Правила автоматизації: { $count }. Виконуються в такому порядку.
rule-list-empty = Правил ще немає. Правило діє саме: коли з лідом щось стається і він підходить, робить те, що ви задали.
rule-new = ➕ Нове правило
rule-card-title = ⚙️ <b>{ $name }</b>
rule-on = ✅ Увімкнено
rule-off = ⏸ Вимкнено
rule-failed-because = ⚠️ Вимкнулося саме: { $reason }
rule-failure-rule-stage-gone = його етап видалено.
rule-failure-rule-person-gone = людина, яку воно згадує, вже не в команді.
rule-failure-rule-nobody-to-assign = нікого з тих, між ким воно розподіляє ліди, вже немає в команді.
rule-failure-rule-author-not-admin = адміністратор, який його створив, більше не адміністратор.
rule-failure-rule-unreadable = його не вдалося прочитати; створіть його знову.
rule-switch-off = ⏸ Вимкнути
rule-switch-on = ▶️ Увімкнути
rule-move-up = ⬆️ Раніше
rule-move-down = ⬇️ Пізніше
rule-delete = 🗑 Видалити
rule-back-to-list = ‹ Усі правила
rule-delete-question = Видалити правило <b>{ $name }</b>? Те, що воно вже зробило, залишиться.
rule-delete-yes = 🗑 Так, видалити
rule-delete-no = Залишити
rule-deleted = Правило «{ $name }» видалено
rule-saved = Правило «{ $name }» збережено й увімкнено
rule-back = ‹ Назад
rule-cancel = ✖️ Скасувати
rule-any = Будь-яке
rule-gone = (видалено)
rule-days = { $days ->
    [one] { $days } день
    [few] { $days } дні
   *[many] { $days } днів
}
rule-in-hours = { $hours ->
    [one] через { $hours } годину
    [few] через { $hours } години
   *[many] через { $hours } годин
}
rule-assign-done = ✔️ Готово
rule-draft-title = 🛠 <b>Нове правило</b>
rule-draft-needs-action = Додайте хоча б одну дію.
rule-add-condition = ➕ Умова
rule-add-action = ➕ Дія
rule-undo = ↩️ Прибрати останнє
rule-next-name = Далі: назва ›
rule-dry-run = { $count ->
    [0] За останні 30 днів воно не спрацювало б на жодному ліді.
    [one] За останні 30 днів воно спрацювало б на { $count } ліді:
    [few] За останні 30 днів воно спрацювало б на { $count } лідах, найновіші:
   *[many] За останні 30 днів воно спрацювало б на { $count } лідах, найновіші:
}
rule-dry-run-lead = • { $title } (#{ $lead_id })
rule-save = ✅ Зберегти правило
rule-edit = ✏️ Змінити
rule-draft-expired = Це правило вже не створюється. Почніть знову з /rules.
rule-narrowed = { $what }: { $by }
rule-when-label = <b>Коли</b>
rule-if-label = <b>Якщо</b>
rule-then-label = <b>Тоді</b>
rule-when-lead-created = Створено лід
rule-when-stage-entered = Лід перейшов на етап
rule-when-lead-won = Лід виграно
rule-when-lead-lost = Лід програно
rule-when-lead-idle = Лід без руху { $days } дн. на своєму етапі
rule-when-task-overdue = Завдання прострочено
rule-when-shop-order = Надійшло замовлення з магазину
rule-when-customer-wrote = Клієнт написав
rule-if-source = джерело: { $source }
rule-if-stage = етап: { $stage }
rule-if-value = сума від { $low } до { $high }
rule-if-tag = має тег #{ $tag }
rule-if-no-tag = не має тегу #{ $tag }
rule-if-responsible = відповідальний: { $person }
rule-if-field = { $field }: «{ $value }»
rule-then-task = { $hours ->
    [one] завдання відповідальному з терміном через { $hours } годину (поза тихими годинами)
    [few] завдання відповідальному з терміном через { $hours } години (поза тихими годинами)
   *[many] завдання відповідальному з терміном через { $hours } годин (поза тихими годинами)
}
rule-then-assign = призначати по черзі: { $people }
rule-then-add-tag = додати тег #{ $tag }
rule-then-remove-tag = прибрати тег #{ $tag }
rule-then-notify = повідомити: { $person }
rule-then-move = перемістити на етап { $stage }
rule-build-t = <b>Коли</b> правило має спрацьовувати?
rule-build-c = Додайте умову: правило діятиме лише на ліди, що відповідають усім умовам.
rule-build-a = Додайте дію; дії виконуються в порядку додавання.
rule-build-ws = Лід із якого джерела?
rule-build-wt = На який етап?
rule-build-wr = З якої причини програно?
rule-build-wd = Скільки днів без руху?
rule-build-wc = Яким каналом пише клієнт?
rule-build-is = Джерело ліда:
rule-build-it = Етап ліда:
rule-build-ir = Відповідальний за лід:
rule-build-if = Яке поле?
rule-build-tt = Термін завдання:
rule-build-ta = Розподіляти ліди по черзі між (позначте потрібних):
rule-build-tn = Кого повідомити?
rule-build-tm = На який етап перемістити?
rule-build-iv = Напишіть діапазон суми, напр. <code>1000-5000</code>, <code>1000-</code> (не менше) або <code>-5000</code> (не більше).
rule-build-ig = Напишіть тег, який лід має мати.
rule-build-in = Напишіть тег, якого лід не повинен мати.
rule-build-tg = Напишіть тег, який треба додати.
rule-build-tr = Напишіть тег, який треба прибрати.
rule-build-n = Напишіть назву правила (до 64 символів).
rule-build-field-value = Значення поля:
rule-build-field-value-typed = Напишіть значення поля.
rule-menu-is = Джерело
rule-menu-it = Етап
rule-menu-iv = Діапазон суми
rule-menu-ig = Має тег
rule-menu-in = Не має тегу
rule-menu-ir = Відповідальний
rule-menu-if = Додаткове поле
rule-menu-tt = Завдання відповідальному
rule-menu-ta = Призначати по черзі
rule-menu-tg = Додати тег
rule-menu-tr = Прибрати тег
rule-menu-tn = Повідомити людину
rule-menu-tm = Перемістити на етап
card-activity-by-rule = { $line } · правило «{ $rule }»
notify-rule-notice = 🔔 Правило «{ $rule }»: <b>{ $title }</b>
notify-rule-notice-hidden = 🔔 Правило «{ $rule }» спрацювало на чужому ліді.
notify-rule-failed = ⚠️ Правило «{ $rule }» вимкнено: { $reason } Коли виправите, увімкніть його знову в /rules.
error-rule-name-invalid = Дайте правилу назву до { $max } символів.
error-rules-too-many = Правил може бути щонайбільше { $limit }.
error-rule-stage-gone = Такого етапу вже немає.
error-rule-person-gone = Цієї людини вже немає в команді.
error-rule-value-range-invalid = Напишіть діапазон як дві суми через дефіс, напр. 1000-5000.
error-rule-step-invalid = Цей вибір уже недоступний.
error-rule-actions-too-many = Правило може робити щонайбільше 10 дій.
error-rule-field-value-invalid = Напишіть значення до 500 символів.
error-custom-field-unknown = Такого поля немає.

# Правила з відділами та вихідними вебхуками
rule-failure-rule-team-gone = відділ, який воно згадує, видалено.
rule-failure-rule-webhook-gone = його вебхук видалено.
rule-if-team = відповідальний у відділі { $team }
rule-then-assign-team = призначати по черзі у відділі { $team }
rule-then-notify-team = повідомити відділ { $team }
rule-then-webhook = надіслати на вебхук { $url }
rule-build-im = Відповідальний у відділі:
rule-build-te = У якому відділі розподіляти ліди по черзі? Їх по одному отримуватимуть активні працівники відділу.
rule-build-tb = Який відділ повідомити? Повідомлення отримають керівник і ті працівники, яким доступний цей лід.
rule-build-tw = На який вебхук надіслати лід?
rule-menu-im = Відділ відповідального
rule-menu-te = По черзі у відділі
rule-menu-tb = Повідомити відділ
rule-menu-tw = Надіслати вебхук
error-rule-team-gone = Такого відділу вже немає.
error-rule-webhook-gone = Такого вебхука вже немає.
