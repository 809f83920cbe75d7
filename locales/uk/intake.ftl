# Ліди, що надходять через HTTP: вебформи, магазини, чат на сайті, WhatsApp.
notify-lead-returned = 💬 <b>{ $title }</b> знову на зв'язку ({ $source }) (#{ $lead_id })

command-forms = Вебформи, вебхуки магазинів і чат на сайті

forms-list = { $count ->
    [0] 🧾 <b>Звідки надходять ліди</b>
        Поки нічого. Створіть вебформу, вебхук магазину чи чат на сайті — і ліди з сайту чи магазину надходитимуть сюди самі.
   *[other] 🧾 <b>Звідки надходять ліди</b>: { $count }
}
forms-btn-new-form = ➕ Нова вебформа
forms-btn-new-shop = ➕ Новий вебхук WooCommerce
forms-btn-new-chat = ➕ Новий чат на сайті
forms-ask-name-web-form = Надішліть назву форми (наприклад, «Сторінка контактів»). Її буде видно як джерело лідів.
forms-ask-name-woocommerce = Надішліть назву магазину (наприклад, «Інтернет-магазин»). Її буде видно як джерело замовлень і лідів.
forms-ask-name-website-chat = Надішліть назву чату на сайті (наприклад, «Чат на сайті»). Її буде видно як джерело лідів.
forms-opened = ✅ «{ $name }» працює.
forms-round-robin = активні менеджери по черзі
forms-card-web-form =
    🧾 <b>{ $name }</b> (вебформа)
    Ліди отримує: { $responsible }
    Адреса: <code>{ $address }</code>
    Секрет для заголовка <code>X-Form-Secret</code>: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-woocommerce =
    🛒 <b>{ $name }</b> (WooCommerce)
    Ліди отримує: { $responsible }
    У WooCommerce → Налаштування → Додатково → Вебхуки додайте вебхук на «Замовлення створено» і ще один на «Замовлення оновлено», версія API 3, де
    URL доставки: <code>{ $address }</code>
    Секрет: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-website-chat =
    💬 <b>{ $name }</b> (чат на сайті)
    Ліди отримує: { $responsible }
    Ваш віджет чату надсилає JSON на цю підписану адресу:
    <code>{ $signed_address }</code>
    з полями <code>visitor_id</code> і <code>text</code>, а також <code>name</code>, <code>email</code> і <code>phone</code>, якщо відвідувач їх залишив. Перше повідомлення відвідувача відкриває лід, наступні додаються до нього.
    Із сервера натомість надсилайте секрет у заголовку <code>X-Chat-Secret</code>: <tg-spoiler>{ $secret }</tg-spoiler>
forms-card-fields = Поля { $fields }
forms-card-opens-leads = { $opens ->
    [yes] Кожне нове замовлення також відкриває лід (або додається до відкритого ліда покупця).
   *[no] Замовлення потрапляють у картки клієнтів без нових лідів.
}
forms-no-public-url = ⚠️ PUBLIC_URL не задано: замість https://PUBLIC_URL підставте адресу сервера.
forms-btn-responsible = 👤 Хто отримує ліди
forms-btn-preset = 🧩 Набір назв полів
forms-btn-field-names = ✏️ Свої назви полів
forms-btn-snippet = 📋 HTML-форма
forms-btn-revoke = 🗑 Закрити
forms-btn-opens-leads = Замовлення відкривають ліди
forms-btn-round-robin = 🔄 Активні менеджери по черзі
forms-pick-responsible = Хто отримуватиме ліди з «{ $name }»?
forms-pick-preset = Які назви полів надсилає «{ $name }»?
forms-preset-generic = Наші: name, phone, email, message
forms-preset-cf7 = Contact Form 7: your-name, your-tel, your-email, your-message
forms-preset-title-generic = наші назви
forms-preset-title-cf7 = Contact Form 7
forms-ask-field-names =
    Надішліть назви полів, які надсилає «{ $name }», по одній на рядок: наше поле = їхня назва. Порожня назва повертає назву з набору. Зараз:
    <pre>{ $example }</pre>
forms-field-names-format = Пишіть кожен рядок як наше поле = їхня назва, наприклад <code>phone = tel-123</code>. Наші поля: name, phone, email і message.
forms-confirm-revoke = Закрити «{ $name }»? Адреса одразу перестане приймати ліди; ті, що вже надійшли, залишаться.
forms-btn-revoke-now = 🗑 Так, закрити
forms-revoked = «{ $name }» закрито.
forms-snippet-html = Вставте цю форму на сторінку («{ $name }»). Оформлюйте як завгодно, але приховане поле залиште: його заповнюють спам-боти, і такі заявки відкидаються.
forms-snippet-cf7 =
    У Contact Form 7 → ваша форма → «CF7 to Webhook» увімкніть вебхук і вкажіть URL:
    <code>{ $address }</code>
    Поля, крім your-name, your-email, your-tel і your-message, додаються до повідомлення ліда.
forms-field-name = Ваше ім’я
forms-field-phone = Телефон
forms-field-email = E-mail
forms-field-message = Повідомлення
forms-field-send = Надіслати

error-channel-name-empty = Назва не може бути порожньою.
error-channel-name-too-long = Назва може мати щонайбільше { $max } символів.
error-channel-not-a-form = Назви полів бувають лише у вебформи.
error-form-field-unknown = Наші поля: name, phone, email і message.
error-form-field-name-too-long = Назва поля може мати щонайбільше { $max } символів.
error-responsible-invalid = Цієї людини вже немає в команді.
