# Messages of egov-auth. Every message here exists in every locale with the same
# variables (cargo xtask i18n-check).

problem-mfa-required = Second factor required
auth-login-failed = The login id or password is incorrect, or the account cannot log in right now.
auth-mfa-required = Enter the code from your authenticator app or a recovery code.
auth-invalid-token = The access token is invalid or has expired. Log in again.
auth-invalid-refresh-token = The session has ended. Log in again.
auth-csrf = The request lacks a valid CSRF token (X-CSRF-Token header).
auth-conflict = The request conflicts with the current state ({ $code }).
auth-invalid-field = This value is not valid ({ $code }).
auth-wrong-password = The current password is incorrect.
auth-password-too-short = Use at least { $min } characters.
auth-password-too-long = Use at most { $max } characters.
auth-password-common = This password is too common: it appears in lists of breached passwords.
auth-password-context = The password must not contain your login id, your name or the service's name.
auth-password-repetitive = The password must not be one character repeated.
auth-password-predictable = The password is easy to guess: it is made of keyboard rows, sequences, repeats, dates or common passwords. Use several unrelated words or random characters.
problem-password-change-required = Password change required
auth-password-change-required = Your password is a known default or breached password, or no longer meets the password rules. Change your password before you do anything else.

# The change-password page (egov_auth::web::CHANGE_PASSWORD_PAGE).
auth-page-change-password = Change your password
auth-page-change-password-required = Your password is a known default or breached password, or no longer meets the password rules. Choose a new one to go on.
auth-page-logged-in-as = Logged in as { $name } ({ $login_id })
auth-page-current-password = Current password
auth-page-new-password = New password
auth-page-new-password-hint = At least { $min } characters. Several unrelated words are easy to remember and hard to guess.
auth-page-confirm-password = New password again
auth-page-passwords-differ = The two new passwords are not the same.
auth-page-change-password-submit = Change password
auth-page-logout = Log out
auth-page-error-summary = There is a problem
