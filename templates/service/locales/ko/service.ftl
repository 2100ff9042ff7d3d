# {{project-name}}의 메시지. 프레임워크의 메시지(예: validation-not_blank)도 같은 키로 여기서 바꿀 수 있습니다.
