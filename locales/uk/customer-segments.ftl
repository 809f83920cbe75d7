# /segments: збережені фільтри, зібрані кнопками.

segments-list = 🎯 Ваші сегменти. Відкрийте потрібний або створіть новий.
segments-none = 🎯 Сегментів ще немає. Сегмент — це збережений фільтр лідів або клієнтів.
segment-new = ➕ Новий сегмент
segment-expired = Цей сегмент уже не редагується. Надішліть /segments ще раз.
segment-cancelled = Сегмент не збережено.
segment-builder = 🎯 <b>Новий сегмент</b> { $target ->
    [leads] лідів
   *[customers] клієнтів
}: зараз підходить { $count }.
segment-filter-line = • { $name }: { $value }
segment-filter-tags_any = будь-який із тегів
segment-filter-tags_all = усі теги
segment-filter-stage_ids = етапи
segment-filter-sources = джерела
segment-filter-responsible_ids = відповідальні
segment-filter-value_min = сума від
segment-filter-value_max = сума до
segment-filter-created_from = створено від
segment-filter-created_to = створено до
segment-filter-idle_days = днів без активності
segment-target = { $target ->
    [leads] 💼 Ліди (натисніть — будуть клієнти)
   *[customers] 🧑 Клієнти (натисніть — будуть ліди)
}
segment-pick-stages = 📍 Етапи
segment-pick-sources = 🔗 Джерела
segment-pick-people = 👤 Відповідальні
segment-pick = Натисніть, щоб обрати; ще раз — щоб прибрати.
segment-done-picking = « Готово
segment-button-tags_any = 🏷 Будь-який тег
segment-button-tags_all = 🏷 Усі теги
segment-button-value = 💰 Сума
segment-button-created = 📅 Створено
segment-button-idle = 💤 Без активності
segment-save = 💾 Зберегти
segment-cancel = ✖ Скасувати
segment-ask-tags_any = Надішліть теги, напр. <code>vip опт</code>
segment-ask-tags_all = Надішліть теги, які мають бути в кожного, напр. <code>vip київ</code>
segment-ask-value = Надішліть діапазон суми, напр. <code>1000-5000</code>, <code>1000-</code> або <code>-5000</code>
segment-ask-created = Надішліть дати, напр. <code>01.03.2026-31.03.2026</code>
segment-ask-idle = Скільки днів без активності? Напр. <code>14</code>
segment-ask-name = Як назвати сегмент?
segment-saved = ✅ Сегмент «{ $name }» збережено.
segment-open = 🎯 Відкрити
segment-members = 🎯 { $count ->
    [one] { $count } учасник
    [few] { $count } учасники
   *[many] { $count } учасників
}, сторінка { $page } з { $pages }
error-segment-days-invalid = Надішліть кількість днів, напр. 14.
error-segment-value-invalid = Надішліть діапазон числами, напр. 1000-5000.
error-segment-date-invalid = Надішліть дати як ДД.ММ.РРРР, напр. 01.03.2026-31.03.2026.
error-segment-name-invalid = Назва має бути від 1 до 100 символів.
