# /segments: saved filters built with buttons.

segments-list = 🎯 Your segments. Open one, or build a new one.
segments-none = 🎯 No segments yet. A segment is a saved filter of leads or customers.
segment-new = ➕ New segment
segment-expired = This segment is no longer being built. Send /segments again.
segment-cancelled = The segment was not saved.
segment-builder = 🎯 <b>New segment</b> of { $target ->
    [leads] leads
   *[customers] customers
}: { $count } match now.
segment-filter-line = • { $name }: { $value }
segment-filter-tags_any = any of the tags
segment-filter-tags_all = all of the tags
segment-filter-stage_ids = stages
segment-filter-sources = sources
segment-filter-responsible_ids = responsible
segment-filter-value_min = value from
segment-filter-value_max = value up to
segment-filter-created_from = created from
segment-filter-created_to = created before
segment-filter-idle_days = days without activity
segment-target = { $target ->
    [leads] 💼 Leads (tap for customers)
   *[customers] 🧑 Customers (tap for leads)
}
segment-pick-stages = 📍 Stages
segment-pick-sources = 🔗 Sources
segment-pick-people = 👤 Responsible
segment-pick = Tap to choose; tap again to remove.
segment-done-picking = « Done
segment-button-tags_any = 🏷 Any of tags
segment-button-tags_all = 🏷 All of tags
segment-button-value = 💰 Value
segment-button-created = 📅 Created
segment-button-idle = 💤 No activity
segment-save = 💾 Save
segment-cancel = ✖ Cancel
segment-ask-tags_any = Send the tags, e.g. <code>vip wholesale</code>
segment-ask-tags_all = Send the tags every member must have, e.g. <code>vip kyiv</code>
segment-ask-value = Send the value range, e.g. <code>1000-5000</code>, <code>1000-</code> or <code>-5000</code>
segment-ask-created = Send the dates, e.g. <code>01.03.2026-31.03.2026</code>
segment-ask-idle = Without activity for how many days? E.g. <code>14</code>
segment-ask-name = What should the segment be called?
segment-saved = ✅ Segment «{ $name }» saved.
segment-open = 🎯 Open it
segment-members = 🎯 { $count ->
    [one] { $count } member
   *[other] { $count } members
}, page { $page } of { $pages }
error-segment-days-invalid = Send the number of days, e.g. 14.
error-segment-value-invalid = Send the range as numbers, e.g. 1000-5000.
error-segment-date-invalid = Send the dates as DD.MM.YYYY, e.g. 01.03.2026-31.03.2026.
error-segment-name-invalid = The name must be 1 to 100 characters.
