# /find and inline search.

find-usage =
    Find a lead by name, phone (the last digits are enough), e-mail or tag:
    <code>/find Olena</code> · <code>/find 4567</code> · <code>/find #vip</code>
find-nothing = Nothing found for «{ $query }». Try part of the name, the last 4 digits of the phone, an e-mail or a #tag.
find-title = 🔎 «{ $query }»: { $count ->
    [one] { $count } lead
   *[other] { $count } leads
}, page { $page } of { $pages }
find-line = • <b>{ $title }</b> · { $phone } · { $stage } · { $value }
find-too-many = Showing the first { $count }. Add a word to narrow the search.
find-customer-button = 🧑 Customer: { $name }
find-expired = This list is out of date. Send /find again.

inline-lead-description = { $phone } · { $stage } · { $value }
inline-lead-text =
    📇 <b>{ $title }</b>
    📞 { $phone }
    📍 Stage: { $stage }
    💰 { $value }
inline-customer-title = 🧑 Customer: { $name }
inline-customer-text =
    🧑 <b>{ $name }</b>
    📬 { $contacts }
    🔎 Card in the bot: { $card }
