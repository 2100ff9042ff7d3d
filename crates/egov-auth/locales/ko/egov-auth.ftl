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
problem-password-change-required = 비밀번호를 변경해야 합니다
auth-password-change-required = 비밀번호가 널리 알려진 기본 비밀번호나 유출된 비밀번호이거나, 비밀번호 규칙에 맞지 않습니다. 다른 작업을 하기 전에 비밀번호를 변경해 주십시오.

# 비밀번호 변경 화면 (egov_auth::web::CHANGE_PASSWORD_PAGE).
auth-page-change-password = 비밀번호 변경
auth-page-change-password-required = 비밀번호가 널리 알려진 기본 비밀번호나 유출된 비밀번호이거나, 비밀번호 규칙에 맞지 않습니다. 계속하려면 새 비밀번호를 정해 주십시오.
auth-page-logged-in-as = { $name }({ $login_id }) 님으로 로그인됨
auth-page-current-password = 현재 비밀번호
auth-page-new-password = 새 비밀번호
auth-page-new-password-hint = { $min }자 이상으로 입력해 주십시오. 서로 관계없는 여러 낱말은 기억하기 쉽고 추측하기 어렵습니다.
auth-page-confirm-password = 새 비밀번호 확인
auth-page-passwords-differ = 두 번 입력한 새 비밀번호가 서로 다릅니다.
auth-page-change-password-submit = 비밀번호 변경
auth-page-logout = 로그아웃
auth-page-error-summary = 입력 내용을 확인해 주십시오
