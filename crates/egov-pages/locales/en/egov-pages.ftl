# egov-pages: the layout, forms and problem pages (KRDS conventions).
# A service overrides the identity messages (egov-page-agency, egov-page-service,
# egov-page-contact) in its own .ftl file: later resources win.

egov-page-official-banner = This is an official website of the Government of the Republic of Korea.
egov-page-skip-to-content = Skip to main content
egov-page-agency = Government of the Republic of Korea
egov-page-service = e-Government service
egov-page-contact = Contact: Government Call Center 110
egov-page-copyright = © { egov-page-agency }. All rights reserved.
egov-page-home = Home
egov-page-utility-nav = User menu
egov-page-main-nav = Main menu
egov-page-footer-nav = About this website
egov-page-breadcrumb = You are here
egov-page-language = Language
egov-page-privacy-policy = Privacy policy
egov-page-logged-in-as = { $name } ({ $login_id })
egov-page-login = Log in
egov-page-logout = Log out
egov-page-session-notice = You stay logged in until { $time }; without activity you will be logged out.
egov-page-session-extend = Extend time
egov-page-error-summary = Please check what you entered
egov-page-error-summary-count = There { $count ->
    [one] is 1 error
   *[other] are { $count } errors
}.
egov-page-title-error-prefix = [Error]
egov-page-required = required
egov-page-required-notice = Fields marked with an asterisk (*) are required.
egov-page-choose = Choose
egov-page-problem-code = Error code
egov-page-problem-request-id = Request number
egov-page-problem-request-id-hint = Please give this number if you contact us.
egov-page-problem-go-home = Go to the home page
egov-page-problem-go-login = Log in
egov-page-pagination = Pages
egov-page-previous = Previous
egov-page-next = Next
egov-page-page-of = Page { $page } of { $total }
egov-page-table-scroll = If the table is wider than the screen, scroll it sideways.
egov-page-admin = Administration
egov-page-admin-nav = Administration menu
egov-page-admin-intro = The administration screens you may use. Every change is recorded in the audit trail.
egov-page-session-ended = Your session has ended
egov-page-session-ended-lead = Your session timed out, so what you entered was not submitted. Log in again to continue.
egov-page-session-ended-kept = { $count ->
    [one] 1 field you entered is kept on this page
   *[other] { $count } fields you entered are kept on this page
} (nothing was stored on the server).
egov-page-session-ended-dropped = For your security, { $count ->
    [one] 1 field such as a password or resident registration number was
   *[other] { $count } fields such as passwords or resident registration numbers were
} not kept: please enter them again.
egov-page-session-ended-submit = Log in and continue
egov-page-session-resumed = You are logged in again
egov-page-session-resumed-lead = Check what was kept, then submit it. If something must be entered again, the form will tell you at that field.
egov-page-session-resumed-submit = Continue with what was kept
egov-page-login-id = User ID
egov-page-password = Password
egov-page-login-failed = The user ID or password is not correct.
egov-page-official-banner-how = How to check
egov-page-official-banner-check = Websites of Korean government agencies end in go.kr. Check the address bar for the site's address and a secure connection (https, padlock).
egov-page-steps = Application steps
egov-page-step-done = done
