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

## The admin console's audit screens (feature `pages`): search, event detail,
## chain verification, export and the monthly review in the page kit's layout.
audit-page-title = Audit trail
audit-page-description = Search who did what to whose data and when, check the chain, export events and read the monthly review.
audit-page-lead = Every access to personal data, login, change and refusal is recorded here in one tamper-evident chain. Times are shown in the agency's time zone.
audit-page-sections = Audit trail tasks
audit-page-verify-card = Recompute the chain's hashes and check them against the signed checkpoints.
audit-page-review-card = The monthly review of the personal-data access records, with downloads and their reasons.
audit-page-search = Search events
audit-page-actor = Actor
audit-page-actor-hint = A login ID, an account ID or a system name. On a large trail, give a time range too: it makes the search fast.
audit-page-subject = Data subject
audit-page-subject-hint = Finds every access to one person's data: "bi:" and a blind index, or "id:" and a UUID.
audit-page-action = Action
audit-page-action-hint = An action name, e.g. view, download, export, login_failed, permission_denied.
audit-page-outcome = Outcome
audit-page-outcome-any = Any outcome
audit-page-from = From
audit-page-from-hint = Events at or after this date and time (the agency's time zone).
audit-page-to = To
audit-page-to-hint = Events before this date and time.
audit-page-search-submit = Search
audit-page-results = Results
audit-page-results-caption = { $total ->
    [one] 1 event
   *[other] { $total } events
} found, newest first (page { $page } of { $pages })
audit-page-no-results = No events match these conditions.
audit-page-col-seq = No.
audit-page-col-time = Time
audit-page-col-actor = Actor
audit-page-col-action = Action
audit-page-col-target = Target
audit-page-col-subjects = Subjects
audit-page-col-outcome = Outcome
audit-page-system = System: { $name }
audit-page-anonymous = Anonymous
audit-page-none = None
audit-page-error-actor = Enter a login ID, account ID or system name of at most 128 characters.
audit-page-error-subject = Enter a subject ID: "bi:" and a 64-digit blind index, or "id:" and a UUID.
audit-page-error-action = Enter an action name: lowercase letters, digits and _ . : - (at most 64 characters).
audit-page-error-outcome = Choose an outcome from the list.
audit-page-error-time = Enter a date and time, e.g. 2026-11-01 09:00.
audit-page-error-time-order = Must be later than the start time.
audit-page-error-page = Enter a page number from 1 and a page size from 1 to 100.
audit-page-error-month = Enter a month as YYYY-MM, e.g. 2026-11.

## Export
audit-page-export = Export these events
audit-page-export-lead = Downloads every event that matches the search as a JSON Lines file (one event per line, at most { $limit }). The download is itself recorded in the audit trail with its reason.
audit-page-reason = Reason for the download
audit-page-reason-hint = Why you need these records, e.g. "investigation of a privacy complaint received on 3 November".
audit-page-export-submit = Download (JSON Lines)
audit-page-error-reason = Enter the reason for the download (at most 500 characters).
audit-page-error-too-many = { $count } events match, more than the { $limit } one download may hold: narrow the time range.

## Event detail
audit-page-event-title = Event { $seq }
audit-page-field-position = Position in the chain
audit-page-position = Event { $seq } of { $head }
audit-page-field-signed = Signed checkpoint
audit-page-signed = Covered by the checkpoint signed over the first { $size } events
audit-page-unsigned = Not yet covered by a signed checkpoint (the next one will cover it)
audit-page-field-id = Event ID
audit-page-field-time = Time
audit-page-field-time-utc = Time recorded (UTC)
audit-page-field-actor = Actor
audit-page-field-principal = Actor kind and ID
audit-page-field-roles = Roles
audit-page-field-client-ip = Client IP address
audit-page-field-request-id = Request ID
audit-page-field-trace-id = Trace ID
audit-page-field-action = Action
audit-page-field-target = Target
audit-page-field-outcome = Outcome
audit-page-field-reason-code = Reason code
audit-page-field-reason = Reason
audit-page-field-detail = Detail
audit-page-field-prev-hash = Previous event's hash
audit-page-field-hash = This event's hash
audit-page-field-chain = Chain
audit-page-subjects-caption = Data subjects of this event
audit-page-subject-search = Every access to this subject's data
audit-page-previous-event = Previous event
audit-page-next-event = Next event
audit-page-back-to-search = Back to the search

## Chain verification
audit-page-verify-title = Chain verification
audit-page-verify-lead = Verification recomputes the hash of every event, checks that each follows the one before it, and checks the chain against every signed checkpoint, the recorded head and the data-subject index. It finds an edited, deleted, inserted or reordered event and a cut-off tail.
audit-page-verify-bound = One verification runs at a time and stops after { $seconds } seconds (a chain of 320,000 events takes under a second). For larger trails, and to check against checkpoints kept off the host, run "egov audit verify --checkpoints FILE" on the server.
audit-page-status = Current state
audit-page-head = Last event
audit-page-head-none = No events yet
audit-page-head-hash = Hash of the last event
audit-page-checkpoint = Last signed checkpoint
audit-page-checkpoint-value = First { $size } events, key { $key }
audit-page-checkpoint-time = Signed at
audit-page-checkpoint-none = None yet
audit-page-unsigned-count = Events after the last checkpoint
audit-page-last-verification = Last verification
audit-page-verified-at = Verified at
audit-page-verified-by = Verified by
audit-page-verify-result = Result
audit-page-never-verified = Not verified since this server started. Earlier verifications are in the trail: search for the action audit_verify.
audit-page-verify-submit = Verify now
audit-page-verify-ok = Intact: { $events } events and { $checkpoints } signed checkpoints checked, up to event { $last }.
audit-page-verify-damage = Damage found at event { $seq }: { $kind }
audit-page-verify-timeout = The verification did not finish within { $seconds } seconds. Run "egov audit verify" on the server.
audit-page-verify-failed = The verification could not read the trail (the database did not answer). Try again later.
audit-page-verify-busy = Another verification is running. Wait until it has finished, then try again.
audit-page-damage-modified = an event's fields no longer match its hash (edited)
audit-page-damage-unlinked = an event does not follow the one before it (inserted, moved or reordered)
audit-page-damage-missing = an event is missing (deleted)
audit-page-damage-truncated = the chain ends before a signed checkpoint (its tail was cut off)
audit-page-damage-checkpoint-mismatch = the chain differs from a signed checkpoint (rewritten)
audit-page-damage-bad-signature = a stored checkpoint's signature does not verify
audit-page-damage-redefined = the events table was redefined
audit-page-damage-head-mismatch = the recorded head is not the chain's last event
audit-page-damage-subjects-mismatch = the data-subject index differs from the events
audit-page-damage-unknown = damage of an unknown kind

## Monthly review
audit-page-review-lead = The review of the month's personal-data access records (Personal Information Protection Commission standard §8②: at least once a month). Times are in the agency's time zone.
audit-page-month-hint = YYYY-MM, e.g. 2026-11.
audit-page-review-submit = Show the report
audit-page-review-downloads = Download the report
audit-page-review-csv = CSV for a spreadsheet
audit-page-review-print = Printable page (Korean and English)
audit-page-review-withheld = no reason given ({ $code })

## Names of the standard actions and outcomes
audit-page-action-login = Login
audit-page-action-login_failed = Failed login
audit-page-action-logout = Logout
audit-page-action-view = View
audit-page-action-create = Create
audit-page-action-update = Change
audit-page-action-delete = Delete
audit-page-action-print = Print
audit-page-action-download = Download
audit-page-action-export = Export
audit-page-action-permission_denied = Access denied
audit-page-action-config_change = Configuration change
audit-page-action-request = Request
audit-page-action-audit_verify = Chain verification
audit-page-outcome-success = Success
audit-page-outcome-failure = Failure
audit-page-outcome-denied = Denied
