# {{project-name}}의 메시지. 프레임워크의 메시지(예: validation-not_blank)도 같은 키로 여기서 바꿀 수 있습니다.

# 모든 화면의 기관명, 서비스명, 문의처(egov-pages의 레이아웃).
egov-page-agency = {{agency_name}}
egov-page-service = {{project-name}}
egov-page-contact = 문의: {{agency_name}}, 정부민원안내콜센터 (국번 없이) 110

# 처음 화면
page-start-title = 처음 화면
page-start-lead = {{agency_name}}의 {{project-name}} 누리집입니다.
page-start-menu = 바로가기
page-start-privacy = 이 서비스가 처리하는 개인정보, 보유 기간, 정보주체의 권리
{% if sample_resource %}
# 공지사항
page-notices = 공지사항
page-start-notices = {{agency_name}}의 새 소식과 서비스 변경 안내
page-notices-caption = 공지사항 목록(전체 { $total }건)
page-notices-empty = 등록된 공지사항이 없습니다.
page-notices-back = 목록으로
page-notice-title = 제목
page-notice-category = 분류
page-notice-updated = 수정 일시
{% endif %}
