# civil-petitions(민원 신청)의 메시지.

## 검증과 처리 규칙
petition-unknown-status = 처리 상태 코드가 올바르지 않습니다.
petition-transition-invalid = { $from } 상태의 민원은 { JOSA($to, "으로/로") } 바꿀 수 없습니다.
petition-reason-required = { JOSA($status, "으로/로") } 바꾸려면 사유를 입력해 주십시오.
petition-stale = 다른 담당자가 먼저 이 민원을 처리했습니다(현재 버전 { $version }). 다시 불러온 뒤 처리해 주십시오.
petition-export-reason-required = 개인정보가 담긴 파일을 내려받으려면 사유를 입력해 주십시오.
petition-filed = { JOSA($type, "이/가") } 접수되었습니다.
petition-status-changed = 처리 상태를 바꾸었습니다.

## CSV 머리글
csv-id = 민원 번호
csv-type = 민원 유형
csv-region = 지역
csv-title = 제목
csv-resident-number = 주민등록번호
csv-phone = 전화번호
csv-postal-code = 우편번호
csv-status = 처리 상태
csv-filed-at = 신청 일시

## 항목 이름
field-petition_type = 민원 유형
field-region = 지역
field-title = 제목
field-body = 내용
field-resident_number = 주민등록번호
field-phone = 전화번호
field-postal_code = 우편번호
field-status = 처리 상태
field-reason = 사유
field-filed_at = 신청 일시
field-export-reason = 내려받는 사유

## 화면
page-app-name = 민원 신청
page-nav = 주 메뉴
page-nav-file = 민원 신청하기
page-nav-mine = 내 민원
page-nav-staff = 민원 처리
page-nav-report = 감사 기록 점검 보고서
page-language = 언어
page-login = 로그인
page-logged-in-as = { $name }({ $login_id }) 님 로그인 중
page-logout = 로그아웃
page-login-id = 아이디
page-password = 비밀번호
page-login-failed = 아이디 또는 비밀번호가 올바르지 않습니다.
page-index-intro = 민원을 신청하고 처리 상황을 확인할 수 있습니다. 민원 담당자는 접수된 민원을 처리합니다.
page-api-docs = API 문서
page-error-summary = 입력 내용을 확인해 주십시오
page-title-error-prefix = 오류:
page-file-title = 민원 신청
page-choose = 선택하십시오
page-resident-number-hint = 예: 900101-1234567. 암호화하여 저장하며 화면에는 가려서 표시합니다.
page-submit = 신청하기
page-empty = 민원이 없습니다.
page-all = 전체
page-filter = 조회
page-total = 전체 건수
page-pages = 쪽 이동
page-previous = 이전
page-next = 다음
page-export-title = CSV 내려받기
page-export-hint = 개인정보 보호법에 따라 내려받는 사유를 기록합니다. 주민등록번호는 가려서 내려받습니다.
page-export = 내려받기
page-change-status = 처리 상태 바꾸기
page-reason-hint = 답변 완료와 반려에는 사유가 필요합니다.
page-back-to-list = 목록으로
