# /export and the names of the columns of exported and imported tables.

export-choose = What should I export? Pick the data and the format.
export-leads = 💼 Leads
export-customers = 🧑 Customers
export-tasks = ⏰ Tasks
export-as = ⬇️ Export { $format }
export-caption = { $count ->
    [one] { $count } row
   *[other] { $count } rows
}
column-id = ID
column-external-id = External ID
column-title = Title
column-contact-name = Contact
column-phone = Phone
column-email = E-mail
column-source = Source
column-stage = Stage
column-responsible = Responsible
column-value = Value
column-currency = Currency
column-tags = Tags
column-customer-id = Customer ID
column-created-at = Created
column-name = Name
column-phones = Phones
column-emails = E-mails
column-due-at = Due
column-done-at = Done
column-assignee = Assignee
column-lead-id = Lead ID
