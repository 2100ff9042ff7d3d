# egov-audit의 메시지: 요청 기록 계층의 문제 상세, 관리 API의 필드 메시지,
# 월간 점검 보고서의 제목과 머리글.
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

## 월간 점검 보고서(HTML)의 제목과 표 머리글
audit-report-title = 개인정보 접속기록 월간 점검 보고서
audit-report-chain = 체인
audit-report-month = 점검 월
audit-report-period = 기간
audit-report-total = 전체 기록
audit-report-off-hours = 업무시간 외
audit-report-bulk-threshold = 대량 접근 기준
audit-report-bulk-threshold-value = 하루 { $threshold }명 초과
audit-report-actions = 계정별 처리 건수
audit-report-downloads = 개인정보 다운로드·반출 및 사유
audit-report-off-hours-access = 업무시간 외 접근
audit-report-bulk-access = 대량 접근
audit-report-denied = 접근 거부 시도
audit-report-time = 일시
audit-report-day = 일자
audit-report-kind = 유형
audit-report-account = 계정
audit-report-action = 행위
audit-report-outcome = 결과
audit-report-target = 대상
audit-report-subjects = 정보주체 수
audit-report-reason = 사유
audit-report-events = 건수
audit-report-none = 없음
audit-report-truncated = 처음 { $limit }건만 표시합니다
