# Messages of egov-audit: problem details of the request-recording layer, the
# field messages of the admin API and the headings of the monthly review report.
# Every message here exists in every locale with the same variables (cargo xtask
# i18n-check).

## Problem details of the request-recording layer
audit-not-recorded = The request was processed, but its audit record could not be saved, so its result is not confirmed. It may have taken effect: check before trying again.
audit-reason-required = A reason is required to download or export personal data.

## Field messages of the admin API
audit-query-actor = Enter an account id or system name of at most 128 characters.
audit-query-subject = Enter a subject id: "bi:" and a blind index, or "id:" and a UUID.
audit-query-action = Enter an action name: lowercase letters, digits and _ . : - (at most 64 characters).
audit-query-outcome = Enter success, failure or denied.
audit-query-time = Enter a time in RFC 3339 format, e.g. 2026-11-01T00:00:00+09:00.
audit-query-time-order = Must be later than the start time (from).
audit-query-number = Enter a whole number.
audit-query-month = Enter a month as YYYY-MM, e.g. 2026-11.
audit-query-format = Enter json, csv or html.

## Title and table headings of the monthly review report (HTML)
audit-report-title = Monthly access record review
audit-report-chain = Chain
audit-report-month = Month
audit-report-period = Period
audit-report-total = All events
audit-report-off-hours = Off hours
audit-report-bulk-threshold = Bulk threshold
audit-report-bulk-threshold-value = more than { $threshold } subjects a day
audit-report-actions = Actions per account
audit-report-downloads = Downloads and exports with reasons
audit-report-off-hours-access = Off-hours access
audit-report-bulk-access = Bulk access
audit-report-denied = Denied attempts
audit-report-time = Time
audit-report-day = Day
audit-report-kind = Kind
audit-report-account = Account
audit-report-action = Action
audit-report-outcome = Outcome
audit-report-target = Target
audit-report-subjects = Subjects
audit-report-reason = Reason
audit-report-events = Events
audit-report-none = none
audit-report-truncated = only the first { $limit } are listed
