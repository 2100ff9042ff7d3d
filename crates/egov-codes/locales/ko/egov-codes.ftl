# egov-codes의 메시지: 공통코드 관리 API의 문제 상세, 필드 메시지, 가져오기 오류, 코드 검증 규칙.
# 모든 메시지는 모든 로캘에 같은 변수로 있어야 합니다(cargo xtask i18n-check).

## 코드 검증 규칙(validator): 422 필드 오류
validation-code_of = { $group } 코드 그룹에 없거나 지금 사용할 수 없는 코드입니다.

## 문제 상세
codes-exists = { JOSA($id, "은/는") } 이미 있습니다. 다른 식별자를 쓰거나 기존 항목을 수정해 주십시오.
codes-stale-version = 그사이 다른 사용자가 이 항목을 변경했습니다. 최신 내용을 다시 불러온 뒤 변경해 주십시오.
codes-import-rejected = 가져올 파일에서 { $count }건의 문제를 찾아 아무것도 반영하지 않았습니다. 각 줄의 오류를 고친 뒤 다시 가져와 주십시오.
codes-import-utf8 = 파일은 UTF-8로 인코딩되어 있어야 합니다.

## 필드 메시지
codes-invalid-id = 영문자, 숫자, 밑줄(_), 마침표(.), 하이픈(-)으로 { $max }자 이하로 입력해 주십시오.
codes-invalid-code = 코드는 1~{ $max }자로 입력하되, 공백만으로 이루어지거나 제어 문자(탭, 줄바꿈 등)를 포함할 수 없습니다.
codes-label-required = 명칭을 하나 이상 입력해 주십시오.
codes-label-locale = 언어 태그가 올바르지 않습니다(예: ko, en).
codes-label-invalid = 명칭은 { $max }자 이하로 입력하되, 공백만으로 이루어지거나 제어 문자를 포함할 수 없습니다.
codes-text-invalid = { $max }자 이하로, 제어 문자 없이 입력해 주십시오.
codes-reason-required = 변경 사유를 입력해 주십시오.
codes-parent-self = 자기 자신을 상위 코드로 지정할 수 없습니다.
codes-parent-cycle = 상위 코드를 따라가면 이 코드로 돌아옵니다. 상위 코드를 다시 지정해 주십시오.
codes-unknown-parent = 상위 코드 { JOSA($parent, "이/가") } 같은 코드 그룹에 없습니다.
codes-unknown-category = 분류 { JOSA($category, "이/가") } 없습니다.
codes-unknown-group = 코드 그룹 { JOSA($group, "이/가") } 없습니다.
codes-date-order = 종료일은 시작일과 같거나 그 뒤여야 합니다.
codes-attributes-too-large = 속성은 { $max }개, { $bytes }바이트 이하로 입력해 주십시오.
codes-version-required = 변경의 기준이 된 버전을 version 또는 If-Match 헤더로 보내 주십시오.

## 조회 매개변수
codes-query-date = 날짜를 YYYY-MM-DD 형식으로 입력해 주십시오(예: 2026-11-01).
codes-query-flag = true 또는 false를 입력해 주십시오.
codes-query-choice = 다음 중 하나를 입력해 주십시오: { $choices }.

## 가져오기(행 오류)
codes-import-json-syntax = JSON 문법이 올바르지 않습니다.
codes-import-json-record = 항목의 구성이 올바르지 않습니다(알 수 없는 필드, 빠진 필드 또는 잘못된 값).
codes-import-format = 파일 형식이 { JOSA($expected, "이/가") } 아닙니다.
codes-import-csv-syntax = CSV 형식이 올바르지 않습니다(따옴표 또는 열 개수를 확인해 주십시오).
codes-import-column = 알 수 없는 열 { $column }입니다.
codes-import-column-missing = 필수 열 { JOSA($column, "이/가") } 없습니다.
codes-import-kind = 종류는 category, group, code 중 하나여야 합니다.
codes-import-flag = 사용 여부는 Y 또는 N이어야 합니다.
codes-import-integer = 정수를 입력해 주십시오.
codes-import-date = 날짜를 YYYY-MM-DD 형식으로 입력해 주십시오.
codes-import-attributes = 속성은 JSON 객체여야 합니다.
codes-import-duplicate = 파일 안에 같은 항목이 이미 있습니다.

## 전자정부 표준프레임워크 이관
codes-egov-syntax = SQL 덤프를 읽을 수 없습니다: { $detail }
codes-egov-columns = 값의 개수가 열의 개수와 다릅니다.
codes-egov-use-at = 사용 여부(USE_AT)는 Y 또는 N이어야 합니다.
codes-egov-timestamp = 일시를 읽을 수 없습니다(예: 2011-08-31 12:00:00, SYSDATE()).
