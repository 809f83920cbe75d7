# /report: звіти з графіками й таблицями.

command-report = Звіти: виграші, воронка, прогноз…

report-menu = 📈 <b>Звіти</b>: який показати?
report-name-win_loss = Виграні й програні
report-name-funnel = Воронка
report-name-time_in_stage = Час на етапах
report-name-forecast = Прогноз
report-name-sources = Джерела
report-name-reps = Менеджери
report-name-lost_reasons = Причини програшу
report-pick-period = <b>{ $report }</b>: за який час?
report-period-this_week = Цей тиждень
report-period-last_week = Минулий тиждень
report-period-this_month = Цей місяць
report-period-last_month = Минулий місяць
report-period-this_quarter = Цей квартал
report-type-dates = Ввести дати…
report-ask-dates = Напишіть перший і останній день, наприклад <code>1.03 - 15.03</code> або <code>01.03.2026 - 31.03.2026</code>. Одна дата — це один день.
report-file = ⬇️ Таблиця { $format }
report-title = { $report } · { $period }
report-nothing = За ці дні нічого немає.
report-more-in-file = …і ще { $count } у таблиці.

error-report-dates-not-understood = Не вдалося прочитати дати. Напишіть їх так: 1.03 - 15.03 або 01.03.2026 - 31.03.2026.
error-report-period-reversed = Останній день раніше за перший. Напишіть дати ще раз.
error-report-period-too-long = Звіт охоплює щонайбільше { $days } днів. Візьміть коротший проміжок.

report-number = { NUMBER($value, maximumFractionDigits: 1) }
report-percent = { NUMBER($value, style: "percent", maximumFractionDigits: 0) }
report-days = { NUMBER($days, maximumFractionDigits: 1) } дн.
report-points = { NUMBER($points, maximumFractionDigits: 0) } п. п.
report-up = ▲ { $by }
report-down = ▼ { $by }
report-same = ±0
report-in-currency = { $what }, { $currency }

report-won = ✅ Виграно: { $count } · { $value }
report-lost = ❌ Програно: { $count } · { $value }
report-win-rate = Частка виграних: <b>{ $rate }</b>
report-average-won = Середня виграна угода: { $value }
report-days-to-close = Від ліда до виграшу в середньому: { $days }
report-before = { $period }: виграно { $won }, програно { $lost }, частка виграних { $rate }
report-change = Зміна: виграно { $won }, програно { $lost }, частка виграних { $rate }
report-chart-won = Виграно
report-chart-lost = Програно
report-axis-deals = угоди
report-axis-leads = ліди
report-axis-days = дні

report-created = Нових лідів: { $count }
report-funnel-first = <b>{ $stage }</b>: { $count }
report-funnel-step = <b>{ $stage }</b>: { $count } ({ $rate } від попереднього етапу)

report-stage-time = <b>{ $stage }</b>: медіана { $median }, у 9 з 10 — до { $p90 } ({ $stays ->
    [one] { $stays } перебування
    [few] { $stays } перебування
   *[many] { $stays } перебувань
})
report-stage-time-none = <b>{ $stage }</b>: за ці дні жоден лід його не залишив
report-idle = Зараз без руху довше, ніж дозволяє етап: { $count }
report-idle-lead = • { $title } ({ $stage })
report-chart-median = медіана
report-chart-p90 = у 9 з 10 — до

report-forecast-from = від { $month }
report-forecast-line = <b>{ $when }</b>: { $count } · { $total } · з урахуванням імовірності { $weighted }
report-horizon-overdue = Минулі місяці
report-horizon-later = Пізніше
report-horizon-undated = Без дати
report-chart-total = сума
report-chart-weighted = з імовірністю

report-source-line = <b>{ $source }</b>: { $leads ->
    [one] { $leads } лід
    [few] { $leads } ліди
   *[many] { $leads } лідів
}, виграно { $won } ({ $rate }) · { $value }

report-unassigned = Ще нічиї
report-rep-line = <b>{ $name }</b>: нових { $new }, виграно { $won }, програно { $lost } ({ $rate }) · виграно на { $won_value } · відкритих { $open }: { $open_value } · прострочених завдань { $overdue }

report-reason-line = <b>{ $reason }</b>: { $count } · { $value }
report-reason-other = Інші причини

report-sheet-this-period = Ці дні
report-sheet-period-before = Дні перед ними
report-sheet-won = Виграно
report-sheet-lost = Програно
report-sheet-win-rate = Частка виграних, %
report-sheet-days-to-close = Днів до виграшу, у середньому
report-sheet-won-value = Сума виграних
report-sheet-lost-value = Сума програних
report-sheet-average-won = Середня виграна угода
report-sheet-stage = Етап
report-sheet-reached = Лідів дійшло
report-sheet-conversion = Від попереднього етапу, %
report-sheet-stays = Перебувань завершено
report-sheet-median = Медіана, днів
report-sheet-p90 = 90-й процентиль, днів
report-sheet-idle = Без руху зараз
report-sheet-when = Очікуване закриття
report-sheet-deals = Угоди
report-sheet-total = Сума
report-sheet-weighted = Сума з імовірністю
report-sheet-source = Джерело
report-sheet-leads = Ліди
report-sheet-rep = Менеджер
report-sheet-new = Нові ліди
report-sheet-open-deals = Відкриті угоди
report-sheet-open-value = Сума відкритих
report-sheet-overdue = Прострочені завдання
report-sheet-reason = Причина
ask-expected-close = 📅 Угода, схоже, от-от закриється. Коли саме ви на це розраховуєте? Напишіть дату (25.12, 25 грудня) — вона піде в прогноз. /cancel — відкласти.
