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

## 관리 화면의 감사 기록 화면(기능 `pages`): 검색, 기록 상세, 무결성 검증,
## 내려받기, 월간 점검 보고서(페이지 키트 레이아웃).
audit-page-title = 감사 기록
audit-page-description = 누가 언제 누구의 정보에 무엇을 했는지 검색하고, 기록의 무결성을 검증하고, 기록을 내려받고, 월간 점검 보고서를 봅니다.
audit-page-lead = 개인정보 처리, 로그인, 변경, 접근 거부가 모두 위·변조를 확인할 수 있는 하나의 체인에 기록됩니다. 시각은 기관 기준 시각으로 표시합니다.
audit-page-sections = 감사 기록 업무
audit-page-verify-card = 모든 기록의 해시를 다시 계산하고 서명된 체크포인트와 대조합니다.
audit-page-review-card = 개인정보 접속기록의 월간 점검 보고서(다운로드와 사유 포함)입니다.
audit-page-search = 기록 검색
audit-page-actor = 행위자
audit-page-actor-hint = 로그인 ID, 계정 ID 또는 시스템 이름. 기록이 많으면 기간도 함께 입력해야 빠르게 검색됩니다.
audit-page-subject = 정보주체
audit-page-subject-hint = 한 사람의 개인정보에 접근한 모든 기록을 찾습니다: "bi:"와 블라인드 인덱스, 또는 "id:"와 UUID.
audit-page-action = 행위
audit-page-action-hint = 행위 이름. 예: view, download, export, login_failed, permission_denied.
audit-page-outcome = 결과
audit-page-outcome-any = 모든 결과
audit-page-from = 시작 일시
audit-page-from-hint = 이 일시부터(포함)의 기록(기관 기준 시각).
audit-page-to = 종료 일시
audit-page-to-hint = 이 일시 전까지의 기록.
audit-page-search-submit = 검색
audit-page-results = 검색 결과
audit-page-results-caption = 검색 결과 { $total }건, 최근 순({ $pages }쪽 중 { $page }쪽)
audit-page-no-results = 조건에 맞는 기록이 없습니다.
audit-page-col-seq = 번호
audit-page-col-time = 일시
audit-page-col-actor = 행위자
audit-page-col-action = 행위
audit-page-col-target = 대상
audit-page-col-subjects = 정보주체 수
audit-page-col-outcome = 결과
audit-page-system = 시스템: { $name }
audit-page-anonymous = 익명
audit-page-none = 없음
audit-page-error-actor = 128자 이하의 로그인 ID, 계정 ID 또는 시스템 이름을 입력해 주십시오.
audit-page-error-subject = 정보주체 식별자를 입력해 주십시오: "bi:"와 64자리 블라인드 인덱스, 또는 "id:"와 UUID.
audit-page-error-action = 행위 이름을 입력해 주십시오: 영문 소문자, 숫자, _ . : - (64자 이하).
audit-page-error-outcome = 목록에서 결과를 골라 주십시오.
audit-page-error-time = 날짜와 시각을 입력해 주십시오(예: 2026-11-01 09:00).
audit-page-error-time-order = 시작 일시보다 뒤여야 합니다.
audit-page-error-page = 쪽 번호는 1 이상, 쪽 크기는 1~100으로 입력해 주십시오.
audit-page-error-month = 월을 YYYY-MM 형식으로 입력해 주십시오(예: 2026-11).

## 내려받기
audit-page-export = 검색한 기록 내려받기
audit-page-export-lead = 검색 조건에 맞는 모든 기록을 JSON Lines 파일(한 줄에 한 건, 최대 { $limit }건)로 내려받습니다. 내려받기도 사유와 함께 감사 기록에 남습니다.
audit-page-reason = 내려받는 사유
audit-page-reason-hint = 기록이 필요한 이유. 예: "11월 3일 접수된 개인정보 침해 신고 조사".
audit-page-export-submit = 내려받기(JSON Lines)
audit-page-error-reason = 내려받는 사유를 입력해 주십시오(500자 이하).
audit-page-error-too-many = 조건에 맞는 기록이 { $count }건으로, 한 번에 내려받을 수 있는 { $limit }건보다 많습니다. 기간을 좁혀 주십시오.

## 기록 상세
audit-page-event-title = { $seq }번 기록
audit-page-field-position = 체인 위치
audit-page-position = 전체 { $head }건 중 { $seq }번째
audit-page-field-signed = 서명 체크포인트
audit-page-signed = 처음 { $size }건에 서명한 체크포인트에 포함됨
audit-page-unsigned = 아직 서명된 체크포인트에 포함되지 않음(다음 체크포인트에 포함)
audit-page-field-id = 기록 ID
audit-page-field-time = 일시
audit-page-field-time-utc = 기록 시각(UTC)
audit-page-field-actor = 행위자
audit-page-field-principal = 행위자 유형과 ID
audit-page-field-roles = 역할
audit-page-field-client-ip = 접속지(IP 주소)
audit-page-field-request-id = 요청 번호
audit-page-field-trace-id = 추적 ID
audit-page-field-action = 행위
audit-page-field-target = 대상
audit-page-field-outcome = 결과
audit-page-field-reason-code = 사유 코드
audit-page-field-reason = 사유
audit-page-field-detail = 상세
audit-page-field-prev-hash = 이전 기록의 해시
audit-page-field-hash = 이 기록의 해시
audit-page-field-chain = 체인
audit-page-subjects-caption = 이 기록의 정보주체
audit-page-subject-search = 이 정보주체에 대한 모든 접근
audit-page-previous-event = 이전 기록
audit-page-next-event = 다음 기록
audit-page-back-to-search = 검색으로 돌아가기

## 무결성 검증
audit-page-verify-title = 무결성 검증
audit-page-verify-lead = 검증은 모든 기록의 해시를 다시 계산해 각 기록이 앞 기록에 이어지는지 확인하고, 서명된 모든 체크포인트, 기록된 마지막 위치, 정보주체 색인과 대조합니다. 고쳐지거나 지워지거나 끼워 넣어지거나 순서가 바뀐 기록과 잘려 나간 끝부분을 찾아냅니다.
audit-page-verify-bound = 검증은 한 번에 하나만 실행되며 { $seconds }초가 지나면 멈춥니다(32만 건은 1초 이내). 더 큰 기록이나 서버 밖에 보관한 체크포인트와의 대조는 서버에서 "egov audit verify --checkpoints 파일"로 실행하십시오.
audit-page-status = 현재 상태
audit-page-head = 마지막 기록
audit-page-head-none = 아직 기록이 없습니다
audit-page-head-hash = 마지막 기록의 해시
audit-page-checkpoint = 마지막 서명 체크포인트
audit-page-checkpoint-value = 처음 { $size }건, 키 { $key }
audit-page-checkpoint-time = 서명 일시
audit-page-checkpoint-none = 아직 없음
audit-page-unsigned-count = 마지막 체크포인트 이후 기록
audit-page-last-verification = 마지막 검증
audit-page-verified-at = 검증 일시
audit-page-verified-by = 검증한 사람
audit-page-verify-result = 결과
audit-page-never-verified = 이 서버가 시작된 뒤 검증한 적이 없습니다. 이전 검증은 감사 기록에 있습니다: 행위 audit_verify로 검색하십시오.
audit-page-verify-submit = 지금 검증
audit-page-verify-ok = 이상 없음: 기록 { $events }건과 서명 체크포인트 { $checkpoints }개를 { $last }번 기록까지 확인했습니다.
audit-page-verify-damage = { $seq }번 기록에서 손상 발견: { $kind }
audit-page-verify-timeout = 검증이 { $seconds }초 안에 끝나지 않았습니다. 서버에서 "egov audit verify"로 검증하십시오.
audit-page-verify-failed = 기록을 읽지 못해 검증하지 못했습니다(데이터베이스 응답 없음). 잠시 후 다시 시도해 주십시오.
audit-page-verify-busy = 다른 검증이 진행 중입니다. 끝난 뒤 다시 시도해 주십시오.
audit-page-damage-modified = 기록의 내용이 해시와 맞지 않음(변조)
audit-page-damage-unlinked = 기록이 앞 기록에 이어지지 않음(삽입, 이동 또는 순서 변경)
audit-page-damage-missing = 기록이 없음(삭제)
audit-page-damage-truncated = 체인이 서명된 체크포인트보다 먼저 끝남(끝부분 삭제)
audit-page-damage-checkpoint-mismatch = 체인이 서명된 체크포인트와 다름(재작성)
audit-page-damage-bad-signature = 저장된 체크포인트의 서명이 맞지 않음
audit-page-damage-redefined = 기록 테이블의 정의가 바뀜
audit-page-damage-head-mismatch = 기록된 마지막 위치가 체인의 마지막 기록이 아님
audit-page-damage-subjects-mismatch = 정보주체 색인이 기록과 다름
audit-page-damage-unknown = 알 수 없는 종류의 손상

## 월간 점검
audit-page-review-lead = 한 달 동안의 개인정보 접속기록 점검 결과입니다(개인정보의 안전성 확보조치 기준 제8조제2항: 월 1회 이상 점검). 시각은 기관 기준 시각입니다.
audit-page-month-hint = YYYY-MM 형식. 예: 2026-11.
audit-page-review-submit = 보고서 보기
audit-page-review-downloads = 보고서 내려받기
audit-page-review-csv = 스프레드시트용 CSV
audit-page-review-print = 인쇄용 화면(한국어·영어)
audit-page-review-withheld = 사유 없음({ $code })

## 표준 행위와 결과의 이름
audit-page-action-login = 로그인
audit-page-action-login_failed = 로그인 실패
audit-page-action-logout = 로그아웃
audit-page-action-view = 열람
audit-page-action-create = 입력
audit-page-action-update = 변경
audit-page-action-delete = 삭제
audit-page-action-print = 출력
audit-page-action-download = 다운로드
audit-page-action-export = 반출
audit-page-action-permission_denied = 접근 거부
audit-page-action-config_change = 설정 변경
audit-page-action-request = 요청
audit-page-action-audit_verify = 무결성 검증
audit-page-outcome-success = 성공
audit-page-outcome-failure = 실패
audit-page-outcome-denied = 거부
