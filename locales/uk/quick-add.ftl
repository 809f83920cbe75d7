# /lead одним повідомленням, коли його можна прочитати по-різному.

quick-add-unsure = 🤔 Не впевнений, що правильно зрозумів. Ось як я це прочитав:
quick-add-name = 👤 Ім’я: { $name }
quick-add-phone = 📞 Телефон: { $phone }
quick-add-email = ✉️ E-mail: { $email }
quick-add-amount = 💰 Сума: { MONEY($amount, $currency) }
quick-add-no-amount = 💰 Сума: немає
quick-add-choose = Якщо це не так, оберіть правильний варіант нижче. Нічого не збережеться, доки ви не натиснете «Створити».
quick-add-option-amount = 💰 { MONEY($amount, $currency) }
quick-add-option-no-amount = 💰 без суми
quick-add-option-phone = 📞 { $phone }
quick-add-option-no-phone = 📞 без телефону
quick-add-option-email = ✉️ { $email }
quick-add-option-no-email = ✉️ без e-mail
quick-add-option-name = 👤 { $name }
quick-add-create = ✅ Створити
quick-add-cancel = ✖️ Скасувати
quick-add-chosen = ✓ Прочитано так.
quick-add-cancelled = ✖️ Скасовано: лід не створено.
quick-add-expired = Це питання вже неактуальне. Надішліть /lead ще раз.
error-quick-add-too-long = Це задовге для одного рядка. Надішліть просто /lead, щоб додати лід крок за кроком.
