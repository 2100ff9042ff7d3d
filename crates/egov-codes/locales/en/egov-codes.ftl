# egov-codes' messages: problem details of the code admin API, field messages,
# import errors and the code validation rule.
# Every message must exist in every locale with the same variables (cargo xtask i18n-check).

## The code rule (validator): a 422 field error
validation-code_of = Choose a code that is currently in use in the { $group } code group.

## Problem details
codes-exists = { $id } exists already. Use another identifier or change the existing one.
codes-stale-version = Someone changed this record in the meantime. Reload it and make your change again.
codes-import-rejected = The file has { $count } problems, so nothing was imported. Fix the lines listed and import it again.
codes-import-utf8 = The file must be encoded in UTF-8.

## Field messages
codes-invalid-id = Use letters, digits, underscore, period or hyphen, at most { $max } characters.
codes-invalid-code = Enter a code of 1 to { $max } characters, not only spaces and without control characters (tab, line break).
codes-label-required = Enter at least one label.
codes-label-locale = This is not a language tag (e.g. ko, en).
codes-label-invalid = Enter a label of at most { $max } characters, not only spaces and without control characters.
codes-text-invalid = Enter at most { $max } characters, without control characters.
codes-reason-required = Enter the reason for the change.
codes-parent-self = A code cannot be its own parent.
codes-parent-cycle = Following the parents leads back to this code. Choose another parent.
codes-unknown-parent = The parent code { $parent } is not in the same code group.
codes-unknown-category = There is no category { $category }.
codes-unknown-group = There is no code group { $group }.
codes-date-order = The end date must not be before the start date.
codes-attributes-too-large = Use at most { $max } attributes and { $bytes } bytes.
codes-version-required = Send the version your change is based on, as version or in an If-Match header.

## Query parameters
codes-query-date = Enter a date as YYYY-MM-DD (e.g. 2026-11-01).
codes-query-flag = Enter true or false.
codes-query-choice = Enter one of: { $choices }.

## Import (row errors)
codes-import-json-syntax = The JSON is malformed.
codes-import-json-record = The record is malformed (an unknown or missing field, or a wrong value).
codes-import-format = The file is not in the { $expected } format.
codes-import-csv-syntax = The CSV is malformed (check quotes and the number of columns).
codes-import-column = Unknown column { $column }.
codes-import-column-missing = The required column { $column } is missing.
codes-import-kind = The kind must be category, group or code.
codes-import-flag = The active flag must be Y or N.
codes-import-integer = Enter an integer.
codes-import-date = Enter a date as YYYY-MM-DD.
codes-import-attributes = The attributes must be a JSON object.
codes-import-duplicate = The file has this record already.

## eGovFrame migration
codes-egov-syntax = The SQL dump cannot be read: { $detail }
codes-egov-columns = The number of values differs from the number of columns.
codes-egov-use-at = USE_AT must be Y or N.
codes-egov-timestamp = The time cannot be read (e.g. 2011-08-31 12:00:00, SYSDATE()).
