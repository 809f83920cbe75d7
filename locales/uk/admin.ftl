# Запрошення, статуси воронки й команда: те, чим керують адміністратори (і менеджери).

invite-pick-role = Кого запрошуєте? Оберіть роль нового учасника.
invite-created =
    🔗 Запрошення, роль: { $role }
    { $link }
    Посилання одноразове, діє до { DATETIME($expires, dateStyle: "medium", timeStyle: "short") } ({ $zone }).

stages-title = 🧩 <b>Статуси воронки «{ $pipeline }»</b>
stages-line = { $position }. <b>{ $stage }</b> — { $kind } · { $probability }% · ⏳ { $idle } · { $count ->
    [one] { $count } лід
    [few] { $count } ліди
   *[many] { $count } лідів
}
stages-btn-stage = { $position }. { $stage } ({ $count })
stages-btn-add = ➕ Додати статус
stages-ask-new-name = Надішліть назву нового статусу.
stage-card =
    🧩 <b>{ $stage }</b> ({ $position } з { $total })
    Тип: { $kind }
    Імовірність успіху: { $probability }%
    Сповіщення про простій: { $idle }
    Лідів у статусі: { $count }
stage-kind-open = у роботі
stage-kind-won = угоду виграно
stage-kind-lost = угоду втрачено
stage-idle-off = вимкнено
stage-idle-days = через { $days ->
    [one] { $days } день
    [few] { $days } дні
   *[many] { $days } днів
} без активності
stage-btn-rename = ✏️ Перейменувати
stage-btn-up = 🔼 Вище
stage-btn-down = 🔽 Нижче
stage-btn-kind = 🏷 Тип
stage-btn-probability = 🎯 Імовірність
stage-btn-idle = ⏳ Простій
stage-btn-delete = 🗑 Видалити
stage-btn-idle-off = 🔕 Вимкнути сповіщення
stage-btn-delete-now = 🗑 Так, видалити
stage-pick-kind = Оберіть тип статусу. Угоди у статусах «виграно» і «втрачено» вважаються закритими.
stage-pick-probability = Оберіть імовірність успіху або надішліть ціле число від 0 до 100.
stage-ask-idle-days = Через скільки днів без активності угода в цьому статусі вважається такою, що простоює? Надішліть число від 1 до 365 або «немає», щоб вимкнути сповіщення.
stage-idle-none-word = немає
stage-ask-name = Надішліть нову назву статусу.
stage-confirm-delete = Видалити цей статус? Лідів у ньому немає.
stage-pick-target = { $count ->
    [one] У статусі { $count } лід. Оберіть, у який статус його перенести,
    [few] У статусі { $count } ліди. Оберіть, у який статус їх перенести,
   *[many] У статусі { $count } лідів. Оберіть, у який статус їх перенести,
} — після цього цей статус буде видалено.
stage-deleted = 🗑 Статус «{ $stage }» видалено.

team-title = 👥 <b>Команда</b>: { $count ->
    [one] { $count } людина
    [few] { $count } людини
   *[many] { $count } людей
}
team-page = Сторінка { $page } з { $pages }
team-line = • <b>{ $name }</b> — { $role }
team-line-inactive = • <s>{ $name }</s> — { $role }, доступ вимкнено
team-person =
    👤 <b>{ $name }</b>
    Роль: { $role }
    Telegram ID: <code>{ $telegram_id }</code>
team-person-active = Доступ: активний
team-person-inactive = Доступ: вимкнено
team-btn-role = 🔁 Змінити роль
team-btn-deactivate = 🚫 Вимкнути доступ
team-pick-role = Оберіть нову роль:
team-pick-heir = Хто стане відповідальним за ліди й відкриті задачі, які зараз веде { $name }? Доступ буде вимкнено одразу.
team-no-heir = Немає жодного активного користувача, якому можна передати ліди. Спершу запросіть когось.
team-deactivated = 🚫 Доступ вимкнено. { $count ->
    [0] Лідів для передачі не було.
    [one] { $count } лід передано користувачу { $heir }.
    [few] { $count } ліди передано користувачу { $heir }.
   *[many] { $count } лідів передано користувачу { $heir }.
}

error-probability-out-of-range = Імовірність — це ціле число від 0 до 100.
error-idle-days-out-of-range = Надішліть ціле число днів від 1 до 365 або «немає».
error-stage-name-empty = Статус має мати назву.
error-stage-name-too-long = Назва статусу може містити щонайбільше 64 символи.
error-stage-target-invalid = Оберіть інший статус цієї ж воронки.
error-heir-invalid = Оберіть активного користувача, але не того, чий доступ вимикаєте.
