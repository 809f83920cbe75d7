# Importing leads or customers from a CSV or XLSX file.

import-what = What does this file hold?
import-target-leads = 💼 Leads
import-target-customers = 🧑 Customers
import-cancel = ✖ Cancel
import-cancelled = Import cancelled. Nothing was written.
import-expired = This import is no longer under way. Send the file again.
import-mapping = { $rows ->
    [one] { $rows } row.
   *[other] { $rows } rows.
} Which field each column goes to (tap a column to change it):
import-mapping-line = • { $header } → { $field }
import-skip-column = — skip —
import-pick-field = Which field does this column hold?
import-check = ✅ Check the rows
import-ready = { $count ->
    [one] { $count } row is ready to import.
   *[other] { $count } rows are ready to import.
}
import-run = ⬆️ Import
import-run-valid = ⬆️ Import the valid rows ({ $count })
import-fix-mapping = ✏️ Change the columns
import-problems = ⚠️ { $count ->
    [one] { $count } problem
   *[other] { $count } problems
}; { $valid } rows are fine. Nothing is imported unless you choose to import the valid rows.
import-problem-line = • row { $row }, { $column }: { $reason }
import-problems-more = …and { $count } more, in the file below.
import-progress = ⏳ Importing: { $done } of { $total }…
import-done = ✅ Imported: { $created } new, { $updated } updated, { $skipped } rows skipped.
import-report-row = Row
import-report-column = Column
import-report-problem = Problem
import-problem-phone-invalid = not a phone number
import-problem-email-invalid = not an e-mail address
import-problem-amount-invalid = not an amount
import-problem-amount-not-decimal = not an amount
import-problem-amount-negative = a negative amount
import-problem-amount-too-precise = more than two decimal places
import-problem-amount-too-large = too large an amount
import-problem-currency-unsupported = an unknown currency
import-problem-tag-invalid = tags may hold letters, digits, - and _ only
import-problem-text-too-long = too long
import-problem-import-source-unknown = an unknown source
import-problem-import-name-required = no name, phone or e-mail
import-problem-import-external-id-repeated = the same external ID as an earlier row
import-problem-import-not-yours = a lead of another rep has this external ID
import-problem-other = not a value I can use
error-import-file-too-large = That file is too large: send at most { $limit } MB.
error-import-unknown-format = I can import CSV and XLSX files only.
error-import-empty = The file has no rows under its header.
error-import-too-many-columns = The file has too many columns: at most { $limit }.
error-import-too-many-rows = The file has too many rows: at most { $limit } at a time. Split it into parts.
error-import-encoding = I could not read the file's text. Save it as CSV UTF-8 and send it again.
error-import-nothing-mapped = No column goes to a field yet. Tap a column to choose its field.
import-stopped = ⚠️ The import stopped at row { $row }: { $reason }
    Saved before it: { $created } new, { $updated } updated. Nothing from row { $row } on was saved; send the file again from that row.
