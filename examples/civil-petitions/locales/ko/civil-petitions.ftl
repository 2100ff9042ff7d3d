# civil-petitions(민원 신청)의 메시지.

## 누리집 정보 (egov-pages의 기본값을 이 서비스의 것으로 바꿉니다)
egov-page-agency = 예제 기관
egov-page-service = 민원 신청
egov-page-contact = 민원실: 전화 02-000-0000(예시 번호), 평일 09:00–18:00 · 개인정보 보호책임자: 민원실장

## 검증과 처리 규칙
petition-unknown-status = 처리 상태 코드가 올바르지 않습니다.
petition-transition-invalid = { $from } 상태의 민원은 { JOSA($to, "으로/로") } 바꿀 수 없습니다.
petition-reason-required = { JOSA($status, "으로/로") } 바꾸려면 사유를 입력해 주십시오.
petition-stale = 그사이 다른 사람이 이 민원을 바꾸었습니다(현재 버전 { $version }). 최신 내용을 다시 불러와 확인한 뒤 처리해 주십시오.
petition-export-reason-required = 개인정보가 담긴 파일을 내려받으려면 사유를 입력해 주십시오.
petition-filed = { JOSA($type, "이/가") } 접수되었습니다. 접수번호는 { $receipt }입니다.
petition-status-changed = 처리 상태를 바꾸었습니다.

## CSV 머리글
csv-id = 관리 번호
csv-receipt-number = 접수번호
csv-type = 민원 유형
csv-region = 지역
csv-title = 제목
csv-resident-number = 주민등록번호
csv-phone = 전화번호
csv-postal-code = 우편번호
csv-status = 처리 상태
csv-filed-at = 신청 일시

## 항목 이름
field-receipt_number = 접수번호
field-petition_type = 민원 유형
field-region = 지역
field-title = 제목
field-body = 내용
field-resident_number = 주민등록번호
field-phone = 전화번호
field-postal_code = 우편번호
field-status = 처리 상태
field-new-status = 바꿀 처리 상태
field-reason = 사유
field-filed_at = 신청 일시
field-updated_at = 최근 처리 일시
field-export-reason = 내려받는 사유

## 메뉴
page-nav-file = 민원 신청하기
page-nav-mine = 내 민원
page-nav-staff = 민원 처리
page-nav-password = 비밀번호 변경

## 처음 화면
page-index-title = 민원 신청 안내
page-index-intro = 민원을 신청하고 처리 상황과 답변을 확인할 수 있습니다. 민원 담당자는 접수된 민원을 처리합니다.
page-index-file = 민원 유형을 고르고 내용을 적어 신청합니다. 로그인이 필요합니다.
page-index-mine = 신청한 민원의 접수번호, 처리 상태, 답변을 확인합니다.
page-index-staff = 접수된 민원을 조회하고 처리합니다.
page-index-privacy = 이 누리집이 처리하는 개인정보와 보유 기간, 정보주체의 권리를 안내합니다.

## 민원 신청
page-file-title = 민원 신청
page-resident-number-hint = 예: 900101-1234567. 암호화하여 저장하며, 입력한 번호는 화면에 다시 보여 드리지 않습니다.
page-resident-number-retype = 보안을 위해 입력하신 주민등록번호를 지웠습니다. 다시 입력해 주십시오.
page-phone-hint = 예: 010-1234-5678
page-postal-code-hint = 다섯 자리 숫자(예: 03154)
page-submit = 신청하기
page-notice-title = 개인정보 수집·이용 안내
page-notice-purpose-label = 목적
page-notice-purpose = 민원 접수·처리와 처리 결과 안내, 같은 신청인의 민원 확인
page-notice-items-label = 항목
page-notice-items = (필수) 민원 유형, 지역, 제목, 내용, 주민등록번호, 전화번호, 우편번호
page-notice-basis-label = 법적 근거
page-notice-basis = 「개인정보 보호법」 제15조제1항제3호(공공기관의 소관 업무 수행). 주민등록번호는 같은 법 제24조의2제1항제1호에 따라 민원 사무의 근거 법령이 처리를 요구하거나 허용하는 경우에만 처리합니다.
page-notice-retention-label = 보유 기간
page-notice-retention = 민원 처리 기록의 보존 기간 동안 보관하며, 그 기간은 기관의 기록물 관리 기준을 따릅니다(이 예제 서비스에는 자동 파기 기능이 없습니다).
page-notice-resident = 주민등록번호는 암호화하여 저장하고 어디에서나 가려서(900101-1******) 표시합니다. 입력한 번호는 다시 보여 드리지 않으므로, 오류로 신청서가 다시 표시되면 주민등록번호를 다시 입력해야 합니다.
page-notice-more = 개인정보처리방침 전체 보기

## 내 민원
page-mine-caption = 내가 신청한 민원 (전체 { $count }건)
page-empty = 민원이 없습니다.
page-view-filed = 접수한 민원 보기
page-answer = 답변
page-rejection-reason = 반려 사유
page-status-reason = 처리 내용
page-pending = 아직 답변하지 않았습니다. 처리되면 이 화면에서 답변을 확인할 수 있습니다.
page-back-to-mine = 내 민원 목록으로

## 민원 처리 (담당자)
page-staff-caption = 접수된 민원 (전체 { $count }건)
page-filter-title = 조회 조건
page-all = 전체
page-filter = 조회
page-export-title = CSV 내려받기
page-export-hint = 개인정보 보호법에 따라 내려받는 사유를 기록합니다. 주민등록번호와 전화번호는 가려서 내려받습니다.
page-export = 내려받기
page-change-status = 처리 상태 바꾸기
page-reason-hint = 답변 완료에는 답변을, 반려에는 반려 사유를 적어 주십시오. 민원인에게 그대로 보입니다.
page-back-to-list = 목록으로
page-current-version = 현재 버전
page-reload = 최신 내용 다시 불러오기

## 개인정보처리방침
page-privacy-title = 개인정보처리방침
