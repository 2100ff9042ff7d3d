# civil-petitions' messages.

## Validation and processing rules
petition-unknown-status = Not a valid petition status.
petition-transition-invalid = A petition that is { $from } cannot be moved to { $to }.
petition-reason-required = Give a reason to move the petition to { $status }.
petition-stale = Another officer processed this petition first (now version { $version }). Reload it, then try again.
petition-export-reason-required = Give a reason to download a file with personal data.
petition-filed = Your petition ({ $type }) has been received.
petition-status-changed = The status has been changed.

## CSV header
csv-id = Petition number
csv-type = Petition type
csv-region = Region
csv-title = Title
csv-resident-number = Resident registration number
csv-phone = Phone
csv-postal-code = Postal code
csv-status = Status
csv-filed-at = Filed at

## Field names
field-petition_type = Petition type
field-region = Region
field-title = Title
field-body = Text
field-resident_number = Resident registration number
field-phone = Phone
field-postal_code = Postal code
field-status = Status
field-reason = Reason
field-filed_at = Filed at
field-export-reason = Reason for the download

## Pages
page-app-name = Civil petitions
page-nav = Main menu
page-nav-file = File a petition
page-nav-mine = My petitions
page-nav-staff = Process petitions
page-nav-report = Audit review report
page-language = Language
page-login = Log in
page-logged-in-as = Logged in as { $name } ({ $login_id })
page-logout = Log out
page-login-id = Login ID
page-password = Password
page-login-failed = The login ID or the password is not correct.
page-index-intro = File a petition and follow how it is handled. Petition officers process the petitions received.
page-api-docs = API documentation
page-error-summary = Please check what you entered
page-title-error-prefix = Error:
page-file-title = File a petition
page-choose = Choose one
page-resident-number-hint = For example 900101-1234567. Stored encrypted and always shown masked.
page-submit = Submit
page-empty = No petitions.
page-all = All
page-filter = Show
page-total = Total
page-pages = Pages
page-previous = Previous
page-next = Next
page-export-title = Download as CSV
page-export-hint = The reason for the download is recorded, as the Personal Information Protection Act requires. Resident numbers are masked in the file.
page-export = Download
page-change-status = Change the status
page-reason-hint = Answering and rejecting need a reason.
page-back-to-list = Back to the list
