# {{project-name}}의 메시지.
{% if sample_resource %}notice-stale = 다른 사용자가 먼저 공지를 수정했습니다(현재 버전 { $version }). 다시 불러온 뒤 수정하세요.
{% endif -%}
validation-not_blank = 공백만으로는 입력할 수 없습니다.
