# Input too far off or too long to use: what the person is told instead.

error-date-too-far = That date is too far ahead. Pick one within the next 10 years.
error-date-too-long-ago = That date is too long ago. Pick one within the last year.
error-search-too-long = That is too long to search for. Send part of a name, a phone or an e-mail.
note-saved-in-parts = 📝 The note was longer than { $limit } characters, so it is saved as { $count } notes, in order.
