# egov-auth 메시지. 모든 메시지는 모든 로캘에 같은 변수로 있어야 합니다
# (cargo xtask i18n-check).

problem-mfa-required = 추가 인증이 필요합니다
auth-login-failed = 아이디 또는 비밀번호가 올바르지 않거나, 지금은 로그인할 수 없는 계정입니다.
auth-mfa-required = 인증 앱의 코드 또는 복구 코드를 입력해 주십시오.
auth-invalid-token = 액세스 토큰이 유효하지 않거나 만료되었습니다. 다시 로그인해 주십시오.
auth-invalid-refresh-token = 세션이 종료되었습니다. 다시 로그인해 주십시오.
auth-csrf = 요청에 유효한 CSRF 토큰(X-CSRF-Token 헤더)이 없습니다.
auth-conflict = 현재 상태와 맞지 않는 요청입니다({ $code }).
auth-invalid-field = 올바른 값이 아닙니다({ $code }).
auth-wrong-password = 현재 비밀번호가 올바르지 않습니다.
auth-password-too-short = { $min }자 이상으로 입력해 주십시오.
auth-password-too-long = { $max }자 이하로 입력해 주십시오.
auth-password-common = 너무 흔한 비밀번호입니다. 유출된 비밀번호 목록에 있습니다.
auth-password-context = 비밀번호에 아이디, 이름 또는 서비스 이름을 넣을 수 없습니다.
auth-password-repetitive = 한 글자만 반복한 비밀번호는 쓸 수 없습니다.
auth-password-predictable = 추측하기 쉬운 비밀번호입니다. 키보드 배열, 연속된 문자, 반복, 날짜나 흔한 비밀번호로 이루어진 비밀번호는 쓸 수 없습니다. 서로 관계없는 여러 낱말이나 무작위 문자를 써 주십시오.
