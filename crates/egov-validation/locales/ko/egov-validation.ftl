# Messages of egov-validation: field messages `validation-{code}` and the details of
# request problems. Every message here exists in every locale with the same variables.
# Arguments are the rule's parameters only, never the rejected value.

## Built-in rules of validator
validation-required = 필수 입력 항목입니다.
validation-length = { $min }자 이상 { $max }자 이하로 입력해 주십시오.
validation-length-min = { $min }자 이상 입력해 주십시오.
validation-length-max = { $max }자 이하로 입력해 주십시오.
validation-length-equal = { $equal }자로 입력해 주십시오.
validation-range = { $min } 이상 { $max } 이하의 값을 입력해 주십시오.
validation-range-min = { $min } 이상의 값을 입력해 주십시오.
validation-range-max = { $max } 이하의 값을 입력해 주십시오.
validation-range-exclusive_min = { $exclusive_min }보다 큰 값을 입력해 주십시오.
validation-range-exclusive_max = { $exclusive_max }보다 작은 값을 입력해 주십시오.
validation-range-exclusive_min-exclusive_max = { $exclusive_min }보다 크고 { $exclusive_max }보다 작은 값을 입력해 주십시오.
validation-range-min-exclusive_max = { $min } 이상 { $exclusive_max } 미만의 값을 입력해 주십시오.
validation-range-exclusive_min-max = { $exclusive_min } 초과 { $max } 이하의 값을 입력해 주십시오.
validation-email = 올바른 전자우편 주소를 입력해 주십시오.
validation-url = 올바른 인터넷 주소(URL)를 입력해 주십시오.
validation-must_match = 입력한 두 값이 서로 일치하지 않습니다.
validation-contains = "{ $needle }"을(를) 포함하여 입력해 주십시오.
validation-does_not_contain = "{ $needle }"은(는) 입력할 수 없습니다.
validation-regex = 입력 형식이 올바르지 않습니다.
validation-credit_card = 올바른 카드 번호를 입력해 주십시오.
validation-non_control_character = 입력할 수 없는 제어 문자가 포함되어 있습니다.
validation-ip = 올바른 IP 주소를 입력해 주십시오.

## Data that could not be read into a field
validation-type = 입력값의 형식이 올바르지 않습니다.
validation-unknown_field = 알 수 없는 항목입니다.
validation-invalid = 올바른 값이 아닙니다.

## Korean identifiers
validation-resident_number = 올바른 주민등록번호를 입력해 주십시오.
validation-foreigner_number = 올바른 외국인등록번호를 입력해 주십시오.
validation-business_number = 올바른 사업자등록번호를 입력해 주십시오.
validation-corporate_number = 올바른 법인등록번호를 입력해 주십시오.
validation-phone_number = 올바른 전화번호를 입력해 주십시오.
validation-postal_code = 우편번호 5자리를 입력해 주십시오.

## Problem details
problem-bad-request-body = 요청 본문의 구조가 올바르지 않습니다.
problem-bad-request-query = 요청 주소의 조회 조건이 올바르지 않습니다.
problem-bad-request-form = 요청 본문의 양식 데이터가 올바르지 않습니다.
problem-bad-request-path = 요청 주소가 올바르지 않습니다.

## egov_validation::rules
validation-not_blank = 공백만으로는 입력할 수 없습니다.
validation-single_line = 한 줄로 입력해 주십시오(줄바꿈·탭 불가).
validation-date = 날짜를 YYYY-MM-DD 형식으로 입력해 주십시오(예: 2026-12-07).

## Dates (egov_validation::date)
validation-date_time = 날짜와 시각을 올바른 형식으로 입력해 주십시오(예: 2026-12-07T09:30).
validation-not_before = { $min } 이후로 입력해 주십시오.
validation-not_after = { $max } 이전으로 입력해 주십시오.
validation-within = { $min }부터 { $max }까지의 범위에서 입력해 주십시오.
