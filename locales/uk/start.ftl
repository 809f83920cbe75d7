welcome-new = Вітаємо, { $name }! Ви в команді як { $role }. Надішліть /help, щоб побачити, що я вмію.
welcome-back = І знову привіт, { $name }! /pipeline — воронка, /today — ваші задачі.
help =
    <b>Що я вмію</b>
    /lead Ім’я +380… 12000 UAH — додати ліда одним повідомленням
    /pipeline — воронка: ліди й суми за статусами
    /cancel — скасувати введення
cancelled = Скасовано.
nothing-to-cancel = Нічого скасовувати.

command-lead = Додати ліда
command-pipeline = Воронка продажів
command-today = Мої задачі на сьогодні
command-find = Знайти ліда
command-settings = Мова, часовий пояс, сповіщення
command-help = Що вміє бот
command-cancel = Скасувати введення
