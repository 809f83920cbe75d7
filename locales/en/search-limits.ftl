# /find and inline search: text too short for the search index.

error-search-too-short = Send at least { $least ->
    [one] { $least } character
   *[other] { $least } characters
} of a name or e-mail, the last digits of a phone, or a #tag.
