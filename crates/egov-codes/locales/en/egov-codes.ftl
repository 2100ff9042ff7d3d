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

## Admin screens (feature `pages`)
codes-page-title = Code tables
codes-page-description = Code groups and codes: labels, validity, history, import with a dry run.
codes-page-intro = Code groups hold the codes that services offer in forms and check in requests. Every change is kept in the history and the audit trail.
codes-page-group-new = New code group
codes-page-import = Import
codes-page-export-json = Export (JSON)
codes-page-export-csv = Export (CSV)
codes-page-groups = Code groups
codes-page-search-label = Search code groups
codes-page-search-hint = Part of an ID or a name, in any language.
codes-page-search-button = Search
codes-page-search-clear = Show all code groups
codes-page-filtered-category = Code groups of the category { $category }.
codes-page-groups-caption = Code groups ({ $count })
codes-page-no-groups = No code group matches.
codes-page-categories = Categories
codes-page-categories-caption = Categories ({ $count })
codes-page-category-groups = (show its code groups)
codes-page-no-categories = There are no categories.
codes-page-col-id = ID
codes-page-col-name = Name
codes-page-col-category = Category
codes-page-col-codes = Codes
codes-page-col-custodian = Custodian
codes-page-col-active = In use
codes-page-col-description = Description
codes-page-col-groups = Code groups
codes-page-col-code = Code
codes-page-col-validity = Valid
codes-page-col-sort-order = Order
codes-page-col-parent = Parent
codes-page-col-manage = Manage
codes-page-col-field = Field
codes-page-col-before = Before
codes-page-col-after = After
codes-page-col-stored = Stored value
codes-page-col-typed = Your value
codes-page-col-new = New value
codes-page-col-kind = Kind
codes-page-col-line = Line
codes-page-col-reason = Reason
codes-page-col-created = Added
codes-page-col-updated = Changed
codes-page-col-unchanged = Unchanged
codes-page-active-yes = In use
codes-page-active-no = Not in use
codes-page-active-hint = A code group or code not in use stays in old records but cannot be chosen.
codes-page-active-invalid = Choose whether it is in use.
codes-page-none = None
codes-page-validity-always = Always
codes-page-last-change = Last change
codes-page-last-change-text = Version { $version }, { $at }, by { $who }
codes-page-code-new = Add a code
codes-page-group-edit = Change the code group
codes-page-group-history = History of the code group
codes-page-codes = Codes
codes-page-codes-caption = Codes of { $name } ({ $count })
codes-page-no-codes = This code group has no codes yet.
codes-page-edit = Change
codes-page-history = History
codes-page-back-to-list = Back to the code groups
codes-page-back-to-group = Back to the code group
codes-page-saved = Saved: { $name }.
codes-page-group-new-title = New code group
codes-page-group-edit-title = Change the code group { $name }
codes-page-code-new-title = New code in { $group }
codes-page-code-edit-title = Change the code { $name }
codes-page-field-id = ID
codes-page-field-group = Code group
codes-page-field-code = Code
codes-page-field-category = Category
codes-page-field-labels = Names
codes-page-field-label-ko = Name in Korean
codes-page-field-label-en = Name in English
codes-page-field-label-in = Name ({ $locale })
codes-page-field-description = Description
codes-page-field-custodian = Custodian
codes-page-field-sort-order = Sort order
codes-page-field-parent = Parent code
codes-page-field-valid-from = Valid from
codes-page-field-valid-to = Valid until
codes-page-field-active = In use
codes-page-field-attributes = Attributes
codes-page-field-attribute = Attribute { $name }
codes-page-field-reason = Reason for the change
codes-page-field-format = File format
codes-page-field-content = File contents
codes-page-id-hint = Letters, digits, _ . and -, at most 64 characters (e.g. PETITION_TYPE). It cannot be changed later.
codes-page-code-hint = At most 64 characters (e.g. 01). It cannot be changed later.
codes-page-labels-hint = Enter the Korean name, the English name or both.
codes-page-custodian-hint = The unit or person who answers for the code group's content.
codes-page-sort-order-hint = A whole number; lists show smaller numbers first.
codes-page-parent-hint = A code of the same group above this one (e.g. the province of a district). Leave it empty for none.
codes-page-valid-from-hint = The first day the code may be chosen. Leave it empty for no start.
codes-page-valid-to-hint = The last day the code may be chosen. Leave it empty for no end.
codes-page-reason-hint = Kept in the history with your change.
codes-page-reason-optional = Optional. Kept in the history.
codes-page-no-category = No category
codes-page-save = Save
codes-page-cancel = Cancel
codes-page-conflict-title = Someone else saved this record while you were editing it
codes-page-conflict-lead = It is now at version { $version } ({ $at }, by { $who }). Your values are still in the form: compare them with the stored ones and save again to replace them.
codes-page-conflict-caption = Stored values and yours that differ
codes-page-conflict-same = Your values are the same as the stored ones.
codes-page-history-title = History of { $name }
codes-page-history-lead = Every version, newest first: who changed what, when and why. The history is never changed.
codes-page-version = Version { $version }
codes-page-changed-at = Changed at
codes-page-changed-by = Changed by
codes-page-changes-caption = What version { $version } changed
codes-page-no-content-change = No field changed.
codes-page-change-create = created
codes-page-change-update = changed
codes-page-change-deactivate = taken out of use
codes-page-change-import = imported
codes-page-import-title = Import code tables
codes-page-import-lead = Paste the text of an export of egov-codes (JSON or CSV) or an eGovFrame SQL dump. You will first see what would change; nothing is written until you apply it. Records the file does not mention are kept. The form takes files of up to about 100 KB (less when most of the text is Korean): import larger ones with the command egov codes import.
codes-page-format-json = egov-codes JSON
codes-page-format-csv = egov-codes CSV
codes-page-format-egovframe-sql = eGovFrame SQL dump (INSERT statements)
codes-page-format-invalid = Choose a file format.
codes-page-content-required = Paste the contents of the file.
codes-page-content-hint = Open the file in a text editor, copy all of it and paste it here.
codes-page-import-reason-hint = Optional. Kept in the history of every record the import adds or changes.
codes-page-preview = Check what would change
codes-page-import-done = Imported: { $created } added, { $updated } changed, { $unchanged } unchanged.
codes-page-preview-title = What the import would change
codes-page-preview-nothing-written = Nothing has been written yet.
codes-page-preview-refused = { $count ->
    [one] 1 problem in the file refuses the import
   *[other] { $count } problems in the file refuse the import
}: fix the lines listed below and check again.
codes-page-preview-nothing = The file holds nothing that differs from the code tables: there is nothing to apply.
codes-page-preview-apply-lead = Check the changes below, then apply them. They are applied together, and only if nobody changed the code tables since this check.
codes-page-counts-caption = Records by kind
codes-page-total = Total
codes-page-kind-category = Category
codes-page-kind-group = Code group
codes-page-kind-code = Code
codes-page-apply = Apply { $count ->
    [one] 1 change
   *[other] { $count } changes
}
codes-page-refused = Refused lines
codes-page-refused-caption = Problems ({ $count })
codes-page-added = Added
codes-page-added-caption = Records that would be added ({ $count })
codes-page-changed = Changed
codes-page-changed-caption = Fields that would change ({ $count })
codes-page-unchanged = Unchanged
codes-page-unchanged-summary = Show the { $count } records that would stay as they are
codes-page-unchanged-caption = Records that would stay as they are ({ $count })
codes-page-more-rows = { $count } more not shown.
codes-page-preview-again = Change the file and check again
codes-page-import-stale = The code tables changed since this check, so nothing was imported. The result below is checked again against the current tables: check it and apply again.
codes-page-conflict-label = Saved by someone else
codes-page-conflict-summary = Someone else saved this record first. Compare the stored values with yours below, then save again.
