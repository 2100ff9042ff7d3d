# Messages of egov-i18n.
# Every message here must exist in every locale with the same variables (cargo xtask i18n-check).

# The name of this locale in its own language, for language switchers.
i18n-language-name = 한국어
