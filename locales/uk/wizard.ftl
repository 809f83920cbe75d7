# Новий лід крок за кроком, з пересланого повідомлення чи контакту, і дублікати.

wizard-ask-name =
    ➕ <b>Новий лід</b>
    Як звати клієнта? Надішліть ім’я або натисніть «Пропустити»; /cancel — скасувати.
wizard-ask-contact = 📞 Телефон або e-mail клієнта? Напишіть його, надішліть контакт клієнта або скористайтеся кнопками нижче.
wizard-ask-value = 💰 Яка сума угоди? Наприклад, 12000 або 12 000,50 USD; без валюти — { $currency }.
wizard-ask-source = 🔗 Звідки прийшов клієнт? Оберіть джерело.
wizard-ask-stage = 📍 У якому статусі створити лід?
wizard-skip = ⏭ Пропустити
wizard-share-contact = 📱 Надіслати контакт
wizard-contact-placeholder = +380 67 123 45 67 або name@example.com
wizard-contact-saved = ✓ { $contact }
wizard-skipped = ⏭ Пропущено
wizard-chosen = ✓ { $choice }
wizard-step-over = Цей крок уже пройдено.
wizard-from-telegram = ➕ <b>Новий лід</b> із Telegram

duplicate-found = { $count ->
    [1] ⚠️ Лід із таким телефоном чи e-mail уже є:
    [one] ⚠️ З таким телефоном чи e-mail уже є { $count } лід:
    [few] ⚠️ З таким телефоном чи e-mail уже є { $count } ліди:
   *[many] ⚠️ З таким телефоном чи e-mail уже є { $count } лідів:
}
duplicate-lead = • <b>{ $title }</b> · #{ $lead_id } · { $stage } · { $responsible }
duplicate-someone-elses = • Лід із цим контактом уже є, відповідальний — { $name }.
duplicate-unassigned = • Лід із цим контактом уже є, відповідального не призначено.
duplicate-open = 📇 Відкрити
duplicate-open-numbered = 📇 Відкрити #{ $lead_id }
duplicate-create-anyway = ➕ Створити все одно
duplicate-already-done = Уже зроблено: цю чернетку використано або замінено.
