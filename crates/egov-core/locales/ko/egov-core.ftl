# Messages of egov-core: problem titles and details, and the generic field messages.
# Every message here must exist in every locale with the same variables (cargo xtask i18n-check).

## Problem titles: problem-{slug}
problem-bad-request = 잘못된 요청 형식입니다
problem-unauthenticated = 로그인이 필요합니다
problem-forbidden = 접근 권한이 없습니다
problem-not-found = 요청한 자원을 찾을 수 없습니다
problem-method-not-allowed = 허용되지 않는 요청 방식입니다
problem-not-acceptable = 제공할 수 없는 응답 형식입니다
problem-conflict = 요청이 현재 상태와 충돌합니다
problem-precondition-failed = 사전 조건이 맞지 않습니다
problem-payload-too-large = 요청 본문이 너무 큽니다
problem-uri-too-long = 요청 주소가 너무 깁니다
problem-unsupported-media-type = 지원하지 않는 콘텐츠 형식입니다
problem-validation-failed = 입력값이 올바르지 않습니다
problem-too-many-requests = 요청이 너무 많습니다
problem-header-fields-too-large = 요청 헤더가 너무 큽니다
problem-internal = 내부 오류가 발생했습니다
problem-service-unavailable = 서비스를 일시적으로 사용할 수 없습니다
problem-timeout = 요청 처리 시간이 초과되었습니다

## Problem details and field messages
problem-payload-too-large-detail = 요청 본문은 최대 { $limit }바이트까지 보낼 수 있습니다.
problem-uri-too-long-detail = 요청 주소(경로와 쿼리)는 최대 { $limit }바이트까지 보낼 수 있습니다.
problem-header-fields-too-large-detail = 요청 헤더는 최대 { $count }개, 모두 합쳐 { $limit }바이트까지 보낼 수 있습니다.
problem-bad-request-json = 요청 본문이 올바른 JSON 형식이 아닙니다.
problem-bad-request-control-characters = 주소에 제어 문자가 포함되어 있습니다.
problem-timeout-detail = 요청을 { $seconds }초 안에 처리하지 못했습니다.
problem-service-unavailable-database = 데이터베이스에 연결할 수 없습니다.
problem-unsupported-media-type-detail = 요청 본문을 { $expected } 형식으로 보내 주십시오.
problem-validation-failed-detail = { $count }개 항목을 확인해 주십시오.
problem-stale-version-detail = 이 항목은 읽은 뒤에 다른 사람이 바꾸었습니다(현재 버전 { $version }). 다시 읽은 뒤 고쳐 주십시오.
query-unknown = 알 수 없는 매개변수입니다.
query-repeated = 이 매개변수는 한 번만 입력해 주십시오.
field-length = { $min }자 이상 { $max }자 이하로 입력해 주십시오.
field-range = { $min } 이상 { $max } 이하의 값을 입력해 주십시오.
field-control-characters = 제어 문자(U+0000 등)는 입력할 수 없습니다.
