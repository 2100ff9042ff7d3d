# Messages of egov-core: problem titles and details, and the generic field messages.
# Every message here must exist in every locale with the same variables (cargo xtask i18n-check).

## Problem titles: problem-{slug}
problem-bad-request = Malformed request
problem-unauthenticated = Authentication required
problem-forbidden = Access denied
problem-not-found = Not found
problem-method-not-allowed = Method not allowed
problem-not-acceptable = Not acceptable
problem-conflict = Conflict
problem-precondition-failed = Precondition failed
problem-payload-too-large = Request body too large
problem-uri-too-long = Request address too long
problem-unsupported-media-type = Unsupported media type
problem-validation-failed = Invalid input
problem-too-many-requests = Too many requests
problem-header-fields-too-large = Request headers too large
problem-internal = Internal error
problem-service-unavailable = Service unavailable
problem-timeout = Request timed out

## Problem details and field messages
problem-payload-too-large-detail = The request body may be at most { $limit } bytes.
problem-uri-too-long-detail = The request address (path and query) may be at most { $limit } bytes.
problem-header-fields-too-large-detail = A request may have at most { $count } headers of at most { $limit } bytes in all.
problem-bad-request-json = The request body is not valid JSON.
problem-bad-request-control-characters = The address contains control characters.
problem-timeout-detail = The request was not completed within { $seconds } seconds.
problem-service-unavailable-database = The database is not reachable.
problem-unsupported-media-type-detail = Send the request body as { $expected }.
problem-validation-failed-detail = { $count } field(s) need attention.
problem-stale-version-detail = Someone changed this since you read it (it is now at version { $version }). Read it again, then make your change.
query-unknown = This parameter is not recognized.
query-repeated = Give this parameter only once.
field-length = Must be between { $min } and { $max } characters.
field-range = Must be between { $min } and { $max }.
field-control-characters = Must not contain control characters (such as U+0000).
