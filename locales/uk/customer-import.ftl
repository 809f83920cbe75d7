# Імпорт лідів і клієнтів з файлу CSV або XLSX.

import-what = Що в цьому файлі?
import-target-leads = 💼 Ліди
import-target-customers = 🧑 Клієнти
import-cancel = ✖ Скасувати
import-cancelled = Імпорт скасовано. Нічого не записано.
import-expired = Цей імпорт уже не триває. Надішліть файл ще раз.
import-mapping = { $rows ->
    [one] { $rows } рядок.
    [few] { $rows } рядки.
   *[many] { $rows } рядків.
} Куди піде кожен стовпець (натисніть на стовпець, щоб змінити):
import-mapping-line = • { $header } → { $field }
import-skip-column = — пропустити —
import-pick-field = Що в цьому стовпці?
import-check = ✅ Перевірити рядки
import-ready = { $count ->
    [one] { $count } рядок готовий до імпорту.
    [few] { $count } рядки готові до імпорту.
   *[many] { $count } рядків готові до імпорту.
}
import-run = ⬆️ Імпортувати
import-run-valid = ⬆️ Імпортувати правильні рядки ({ $count })
import-fix-mapping = ✏️ Змінити стовпці
import-problems = ⚠️ Помилок: { $count }; правильних рядків: { $valid }. Нічого не імпортується, доки ви не оберете імпорт правильних рядків.
import-problem-line = • рядок { $row }, { $column }: { $reason }
import-problems-more = …і ще { $count } — у файлі нижче.
import-progress = ⏳ Імпортую: { $done } з { $total }…
import-done = ✅ Імпортовано: нових { $created }, оновлено { $updated }, пропущено рядків { $skipped }.
import-report-row = Рядок
import-report-column = Стовпець
import-report-problem = Що не так
import-problem-phone-invalid = це не номер телефону
import-problem-email-invalid = це не адреса ел. пошти
import-problem-amount-invalid = це не сума
import-problem-amount-not-decimal = це не сума
import-problem-amount-negative = від'ємна сума
import-problem-amount-too-precise = більше двох знаків після коми
import-problem-amount-too-large = завелика сума
import-problem-currency-unsupported = невідома валюта
import-problem-tag-invalid = у тегах лише літери, цифри, - і _
import-problem-text-too-long = задовго
import-problem-import-source-unknown = невідоме джерело
import-problem-import-name-required = немає ні імені, ні телефону, ні пошти
import-problem-import-external-id-repeated = той самий зовнішній ID, що й у рядку вище
import-problem-import-not-yours = з цим зовнішнім ID є лід іншого менеджера
import-problem-other = таке значення не підходить
error-import-file-too-large = Файл завеликий: не більше { $limit } МБ.
error-import-unknown-format = Я імпортую лише файли CSV і XLSX.
error-import-empty = У файлі немає рядків під заголовком.
error-import-too-many-columns = У файлі забагато стовпців: не більше { $limit }.
error-import-too-many-rows = У файлі забагато рядків: не більше { $limit } за раз. Розділіть його на частини.
error-import-encoding = Не вдалося прочитати текст файлу. Збережіть його як CSV UTF-8 і надішліть ще раз.
error-import-nothing-mapped = Жоден стовпець ще не прив'язано до поля. Натисніть на стовпець, щоб обрати поле.
import-stopped = ⚠️ Імпорт зупинився на рядку { $row }: { $reason }
    Збережено до нього: нових { $created }, оновлено { $updated }. Від рядка { $row } нічого не збережено; надішліть файл ще раз, починаючи з цього рядка.
