# /report: reports with charts and spreadsheets.

command-report = Reports: win/loss, funnel, forecast…

report-menu = 📈 <b>Reports</b>: which one?
report-name-win_loss = Win/loss
report-name-funnel = Funnel
report-name-time_in_stage = Time in stage
report-name-forecast = Forecast
report-name-sources = Sources
report-name-reps = Reps
report-name-lost_reasons = Lost reasons
report-pick-period = <b>{ $report }</b>: for which days?
report-period-this_week = This week
report-period-last_week = Last week
report-period-this_month = This month
report-period-last_month = Last month
report-period-this_quarter = This quarter
report-type-dates = Type the dates…
report-ask-dates = Type the first and the last day, like <code>1.03 - 15.03</code> or <code>01.03.2026 - 31.03.2026</code>. One date is one day.
report-file = ⬇️ { $format } spreadsheet
report-title = { $report } · { $period }
report-nothing = Nothing in these days.
report-more-in-file = …and { $count } more in the spreadsheet.

error-report-dates-not-understood = I could not read those dates. Type them like 1.03 - 15.03 or 01.03.2026 - 31.03.2026.
error-report-period-reversed = The last day comes before the first one. Type the dates again.
error-report-period-too-long = A report covers at most { $days } days. Type a shorter period.

report-number = { NUMBER($value, maximumFractionDigits: 1) }
report-percent = { NUMBER($value, style: "percent", maximumFractionDigits: 0) }
report-days = { NUMBER($days, maximumFractionDigits: 1) } d
report-points = { NUMBER($points, maximumFractionDigits: 0) } pp
report-up = ▲ { $by }
report-down = ▼ { $by }
report-same = ±0
report-in-currency = { $what }, { $currency }

report-won = ✅ Won: { $count } · { $value }
report-lost = ❌ Lost: { $count } · { $value }
report-win-rate = Win rate: <b>{ $rate }</b>
report-average-won = Average won deal: { $value }
report-days-to-close = Average time to win: { $days }
report-before = { $period }: won { $won }, lost { $lost }, win rate { $rate }
report-change = Change: won { $won }, lost { $lost }, win rate { $rate }
report-chart-won = Won
report-chart-lost = Lost
report-axis-deals = deals
report-axis-leads = leads
report-axis-days = days

report-created = Leads created: { $count }
report-funnel-first = <b>{ $stage }</b>: { $count }
report-funnel-step = <b>{ $stage }</b>: { $count } ({ $rate } of the stage before)

report-stage-time = <b>{ $stage }</b>: median { $median }, 9 in 10 within { $p90 } ({ $stays ->
    [one] { $stays } stay
   *[other] { $stays } stays
})
report-stage-time-none = <b>{ $stage }</b>: no lead left it in these days
report-idle = Idle for longer than their stage allows now: { $count }
report-idle-lead = • { $title } ({ $stage })
report-chart-median = median
report-chart-p90 = 9 in 10 within

report-forecast-from = from { $month }
report-forecast-line = <b>{ $when }</b>: { $count } · { $total } · weighted { $weighted }
report-horizon-overdue = Months gone by
report-horizon-later = Later
report-horizon-undated = No date
report-chart-total = value
report-chart-weighted = weighted

report-source-line = <b>{ $source }</b>: { $leads ->
    [one] { $leads } lead
   *[other] { $leads } leads
}, won { $won } ({ $rate }) · { $value }

report-unassigned = Nobody yet
report-rep-line = <b>{ $name }</b>: new { $new }, won { $won }, lost { $lost } ({ $rate }) · won { $won_value } · open { $open }: { $open_value } · overdue tasks { $overdue }

report-reason-line = <b>{ $reason }</b>: { $count } · { $value }
report-reason-other = Other reasons

report-sheet-this-period = These days
report-sheet-period-before = The days before
report-sheet-won = Won
report-sheet-lost = Lost
report-sheet-win-rate = Win rate, %
report-sheet-days-to-close = Days to win, average
report-sheet-won-value = Won value
report-sheet-lost-value = Lost value
report-sheet-average-won = Average won deal
report-sheet-stage = Stage
report-sheet-reached = Leads that reached it
report-sheet-conversion = From the stage before, %
report-sheet-stays = Stays ended
report-sheet-median = Median days
report-sheet-p90 = 90th percentile, days
report-sheet-idle = Idle now
report-sheet-when = Expected to close
report-sheet-deals = Deals
report-sheet-total = Value
report-sheet-weighted = Weighted value
report-sheet-source = Source
report-sheet-leads = Leads
report-sheet-rep = Rep
report-sheet-new = New leads
report-sheet-open-deals = Open deals
report-sheet-open-value = Open value
report-sheet-overdue = Overdue tasks
report-sheet-reason = Reason
ask-expected-close = 📅 This deal is likely to close. When do you expect it to? Type a date (25.12, 25 December) — it goes into the forecast. /cancel to leave it for now.
