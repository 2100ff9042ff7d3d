# civil-petitions' messages.

## The website's identity (replaces egov-pages' defaults)
egov-page-agency = Example agency
egov-page-service = Civil petitions
egov-page-contact = Petition office: phone 02-000-0000 (example number), weekdays 09:00–18:00 · Privacy officer: head of the petition office

## Validation and processing rules
petition-unknown-status = Not a valid petition status.
petition-transition-invalid = A petition that is { $from } cannot be moved to { $to }.
petition-reason-required = Give a reason to move the petition to { $status }.
petition-stale = Someone else changed this petition meanwhile (now version { $version }). Reload it, check what changed, then try again.
petition-export-reason-required = Give a reason to download a file with personal data.
petition-filed = Your petition ({ $type }) has been received. Its receipt number is { $receipt }.
petition-status-changed = The status has been changed.

## CSV header
csv-id = Record ID
csv-receipt-number = Receipt number
csv-type = Petition type
csv-region = Region
csv-title = Title
csv-resident-number = Resident registration number
csv-phone = Phone
csv-postal-code = Postal code
csv-status = Status
csv-filed-at = Filed at

## Field names
field-receipt_number = Receipt number
field-petition_type = Petition type
field-region = Region
field-title = Title
field-body = Text
field-resident_number = Resident registration number
field-phone = Phone
field-postal_code = Postal code
field-status = Status
field-new-status = New status
field-reason = Reason
field-filed_at = Filed at
field-updated_at = Last processed at
field-export-reason = Reason for downloading

## Menu
page-nav-file = File a petition
page-nav-mine = My petitions
page-nav-staff = Process petitions
page-nav-password = Change password

## Start page
page-index-title = About civil petitions
page-index-intro = File a petition and follow its status and answer. Petition officers process the petitions received.
page-index-file = Choose a petition type and write what it is about. You need to log in.
page-index-mine = The receipt number, status and answer of the petitions you filed.
page-index-staff = List and process the petitions received.
page-index-privacy = What personal data this website processes, how long it is kept, and your rights.

## Filing a petition
page-file-title = File a petition
page-resident-number-hint = For example 900101-1234567. Stored encrypted; the number you type is never shown back to you.
page-resident-number-retype = For your security the resident registration number you entered was cleared. Please enter it again.
page-phone-hint = For example 010-1234-5678
page-postal-code-hint = Five digits (for example 03154)
page-submit = Submit
page-notice-title = How we collect and use your personal data
page-notice-purpose-label = Purpose
page-notice-purpose = Receiving and processing your petition, telling you the result, recognising petitions of the same applicant
page-notice-items-label = Items
page-notice-items = (Required) petition type, region, title, text, resident registration number, phone, postal code
page-notice-basis-label = Legal basis
page-notice-basis = Personal Information Protection Act, Article 15(1)3 (a public agency performing its duties). The resident registration number only where the law governing the petition requires or allows it (same Act, Article 24-2(1)1).
page-notice-retention-label = Retention
page-notice-retention = For as long as the records of petition processing are kept, as the agency's records schedule says (this example service has no automatic deletion).
page-notice-resident = Your resident registration number is stored encrypted and shown masked everywhere (900101-1******). It is never shown back to you, so if the form comes back with an error, you must enter it again.
page-notice-more = Read the full privacy policy

## My petitions
page-mine-caption = The petitions you filed ({ $count } in all)
page-empty = No petitions.
page-view-filed = View the petition you filed
page-answer = Answer
page-rejection-reason = Reason for rejection
page-status-reason = Processing note
page-pending = Not answered yet. Once it is processed, the answer is shown on this page.
page-back-to-mine = Back to my petitions

## Processing petitions (staff)
page-staff-caption = Petitions received ({ $count } in all)
page-filter-title = Filter
page-all = All
page-filter = Show
page-export-title = Download as CSV
page-export-hint = The Personal Information Protection Act requires the reason for a download to be recorded. Resident registration and phone numbers are masked in the file.
page-export = Download
page-change-status = Change the status
page-reason-hint = For Answered write the answer, for Rejected the reason. The applicant sees it as written.
page-back-to-list = Back to the list
page-current-version = Current version
page-reload = Reload the latest version

## Privacy policy
page-privacy-title = Privacy policy
