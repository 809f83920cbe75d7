# /find і пошук у будь-якому чаті.

find-usage =
    Знайдіть ліда за ім’ям, телефоном (достатньо останніх цифр), e-mail або тегом:
    <code>/find Олена</code> · <code>/find 4567</code> · <code>/find #vip</code>
find-nothing = За запитом «{ $query }» нічого не знайдено. Спробуйте частину імені, останні 4 цифри телефону, e-mail або #тег.
find-title = 🔎 «{ $query }»: { $count ->
    [one] { $count } лід
    [few] { $count } ліди
   *[many] { $count } лідів
}, сторінка { $page } з { $pages }
find-line = • <b>{ $title }</b> · { $phone } · { $stage } · { $value }
find-too-many = Показано перші { $count }. Уточніть запит, щоб звузити пошук.
find-customer-button = 🧑 Клієнт: { $name }
find-expired = Цей список уже неактуальний. Надішліть /find ще раз.

inline-lead-description = { $phone } · { $stage } · { $value }
inline-lead-text =
    📇 <b>{ $title }</b>
    📞 { $phone }
    📍 Статус: { $stage }
    💰 { $value }
inline-customer-title = 🧑 Клієнт: { $name }
inline-customer-text =
    🧑 <b>{ $name }</b>
    📬 { $contacts }
    🔎 Картка в боті: { $card }
