# egov-audit의 메시지: 요청 기록 계층의 문제 상세와 관리 API의 필드 메시지.
# 모든 메시지는 모든 로캘에 같은 변수로 있어야 합니다(cargo xtask i18n-check).

## 요청 기록 계층의 문제 상세
audit-not-recorded = 요청은 처리되었으나 감사 기록을 저장하지 못해 결과를 확정할 수 없습니다. 요청이 이미 반영되었을 수 있으니 다시 시도하기 전에 결과를 확인해 주십시오.
audit-reason-required = 개인정보를 내려받거나 반출하려면 사유를 입력해야 합니다.

## 관리 API의 필드 메시지
audit-query-actor = 128자 이하의 계정 ID 또는 시스템 이름을 입력해 주십시오.
audit-query-subject = 정보주체 식별자를 입력해 주십시오: "bi:"와 블라인드 인덱스, 또는 "id:"와 UUID.
audit-query-action = 행위 이름을 입력해 주십시오: 영문 소문자, 숫자, _ . : - (64자 이하).
audit-query-outcome = success, failure, denied 중 하나를 입력해 주십시오.
audit-query-time = RFC 3339 형식의 시각을 입력해 주십시오(예: 2026-11-01T00:00:00+09:00).
audit-query-time-order = 시작 시각(from)보다 뒤여야 합니다.
audit-query-number = 정수를 입력해 주십시오.
audit-query-month = 월을 YYYY-MM 형식으로 입력해 주십시오(예: 2026-11).
audit-query-format = json, csv, html 중 하나를 입력해 주십시오.
