# Messages of egov-validation: field messages `validation-{code}` and the details of
# request problems. Every message here exists in every locale with the same variables.
# Arguments are the rule's parameters only, never the rejected value.

## Built-in rules of validator
validation-required = This field is required.
validation-length = Enter between { $min } and { $max } characters.
validation-length-min = Enter at least { $min } characters.
validation-length-max = Enter at most { $max } characters.
validation-length-equal = Enter exactly { $equal } characters.
validation-range = Enter a value from { $min } to { $max }.
validation-range-min = Enter a value of at least { $min }.
validation-range-max = Enter a value of at most { $max }.
validation-range-exclusive_min = Enter a value greater than { $exclusive_min }.
validation-range-exclusive_max = Enter a value less than { $exclusive_max }.
validation-range-exclusive_min-exclusive_max = Enter a value greater than { $exclusive_min } and less than { $exclusive_max }.
validation-range-min-exclusive_max = Enter a value of at least { $min } and less than { $exclusive_max }.
validation-range-exclusive_min-max = Enter a value greater than { $exclusive_min } and at most { $max }.
validation-email = Enter a valid email address.
validation-url = Enter a valid URL.
validation-must_match = The two values do not match.
validation-contains = The value must contain "{ $needle }".
validation-does_not_contain = The value must not contain "{ $needle }".
validation-regex = The value is not in the expected format.
validation-credit_card = Enter a valid card number.
validation-non_control_character = The value contains control characters that are not allowed.
validation-ip = Enter a valid IP address.

## Data that could not be read into a field
validation-type = The value has the wrong type.
validation-unknown_field = This field is not recognized.
validation-invalid = This value is not valid.

## Korean identifiers
validation-resident_number = Enter a valid resident registration number.
validation-foreigner_number = Enter a valid foreigner registration number.
validation-business_number = Enter a valid business registration number.
validation-corporate_number = Enter a valid corporate registration number.
validation-phone_number = Enter a valid phone number.
validation-postal_code = Enter a five-digit postal code.

## Problem details
problem-bad-request-body = The request body does not have the expected structure.
problem-bad-request-query = The query string of the request is not valid.
problem-bad-request-form = The form data in the request body is not valid.
problem-bad-request-path = The request path is not valid.

## egov_validation::rules
validation-not_blank = Enter more than spaces.
validation-single_line = Enter it on one line (no line breaks or tabs).
validation-date = Enter a date as YYYY-MM-DD (e.g. 2026-12-07).

## Dates (egov_validation::date)
validation-date_time = Enter a date and time in a valid format (e.g. 2026-12-07T09:30).
validation-not_before = Enter { $min } or later.
validation-not_after = Enter { $max } or earlier.
validation-within = Enter a value from { $min } to { $max }.
