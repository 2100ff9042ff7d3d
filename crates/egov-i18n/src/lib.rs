//! egov-i18n (under construction in this session)
#![forbid(unsafe_code)]
#![deny(missing_docs)]
