# egov-pages: the layout, forms and problem pages (KRDS conventions).
# A service overrides the identity messages (egov-page-agency, egov-page-service,
# egov-page-contact) in its own .ftl file: later resources win.

egov-page-official-banner = 이 누리집은 대한민국 공식 전자정부 누리집입니다.
egov-page-skip-to-content = 본문 바로가기
egov-page-agency = 대한민국 정부
egov-page-service = 전자정부 서비스
egov-page-contact = 문의: 정부민원안내콜센터 110
egov-page-copyright = © { egov-page-agency }. All rights reserved.
egov-page-home = 처음으로
egov-page-utility-nav = 사용자 메뉴
egov-page-main-nav = 주 메뉴
egov-page-footer-nav = 누리집 정보
egov-page-breadcrumb = 현재 위치
egov-page-language = 언어 선택
egov-page-privacy-policy = 개인정보처리방침
egov-page-logged-in-as = { $name }({ $login_id }) 님
egov-page-login = 로그인
egov-page-logout = 로그아웃
egov-page-session-notice = 로그인 유지 시간: { $time }까지. 아무 동작이 없으면 로그아웃됩니다.
egov-page-session-extend = 시간 연장
egov-page-error-summary = 입력 내용을 확인해 주세요
egov-page-error-summary-count = 오류 { $count }건이 있습니다.
egov-page-title-error-prefix = [오류]
egov-page-required = 필수
egov-page-required-notice = 별표(*) 표시 항목은 필수 입력 항목입니다.
egov-page-choose = 선택하세요
egov-page-problem-code = 오류 코드
egov-page-problem-request-id = 요청 번호
egov-page-problem-request-id-hint = 문의하실 때 이 번호를 알려 주세요.
egov-page-problem-go-home = 처음 화면으로 가기
egov-page-problem-go-login = 로그인하기
egov-page-pagination = 페이지 이동
egov-page-previous = 이전
egov-page-next = 다음
egov-page-page-of = { $total }쪽 중 { $page }쪽
egov-page-table-scroll = 표가 화면보다 넓으면 가로로 이동해 볼 수 있습니다.
egov-page-admin = 관리
egov-page-admin-nav = 관리 메뉴
egov-page-admin-intro = 권한이 있는 관리 화면입니다. 모든 변경은 감사 기록에 남습니다.
