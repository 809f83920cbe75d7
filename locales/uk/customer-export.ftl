# /export і назви стовпців таблиць, що вивантажуються й завантажуються.

export-choose = Що вивантажити? Оберіть дані й формат.
export-leads = 💼 Ліди
export-customers = 🧑 Клієнти
export-tasks = ⏰ Задачі
export-as = ⬇️ Вивантажити { $format }
export-caption = { $count ->
    [one] { $count } рядок
    [few] { $count } рядки
   *[many] { $count } рядків
}
column-id = ID
column-external-id = Зовнішній ID
column-title = Назва
column-contact-name = Контактна особа
column-phone = Телефон
column-email = Ел. пошта
column-source = Джерело
column-stage = Етап
column-responsible = Відповідальний
column-value = Сума
column-currency = Валюта
column-tags = Теги
column-customer-id = ID клієнта
column-created-at = Створено
column-name = Ім'я
column-phones = Телефони
column-emails = Ел. адреси
column-due-at = Термін
column-done-at = Виконано
column-assignee = Виконавець
column-lead-id = ID ліда
