# Стандартна воронка та її статуси мовою читача, доки адміністратор їх не перейменує.

pipeline-default-sales = Продажі
stage-default-new = Новий
stage-default-qualified = Кваліфікований
stage-default-proposal = Пропозиція
stage-default-won = Виграно
stage-default-lost = Програно
