//! egov-validation (under construction in this session)
#![forbid(unsafe_code)]
#![deny(missing_docs)]
